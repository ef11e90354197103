import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// The key-slot gate (Redis's `getNodeByQuery` and `clusterRedirectClient`): every key of a command (or of the
/// commands an EXEC runs) must hash to one slot, served here; otherwise the client gets CROSSSLOT, CLUSTERDOWN,
/// TRYAGAIN, ASK or MOVED, as Redis answers.
extension ClusterService {
    /// The gate's refusal for `command`, or nil to run it here.
    public func refusal(_ client: ClientSession, _ command: CommandSpec, _ args: Arguments) -> String? {
        let asking = client.clusterAsking
        if command.name != "asking" {
            client.clusterAsking = false
            client.clusterAskingNow = asking
        }
        return route(client, command, args, asking: asking).refusal
    }

    /// What Redis's `scriptVerifyClusterState` says of a command a script runs for `caller`: the error text
    /// (without `ERR`), or nil and the slot of its keys, if any.
    public func scriptRoute(_ caller: ClientSession, _ command: CommandSpec, _ args: Arguments) -> (
        refusal: String?, slot: Int?
    ) {
        if caller.isMaster || caller.isInternal { return (nil, nil) }
        let routed = route(caller, command, args, asking: caller.clusterAskingNow)
        switch routed.refusal {
        case nil: return (nil, routed.slot)
        case "CLUSTERDOWN The cluster is down and only accepts read commands":
            return ("Script attempted to execute a write command while the cluster is down and readonly", nil)
        case "CLUSTERDOWN The cluster is down":
            return ("Script attempted to execute a command while the cluster is down", nil)
        default:
            return ("Script attempted to access a non local key in a cluster node", nil)
        }
    }

    /// Where `command` may run: nil, or the refusal; and the slot of its keys.
    private func route(_ client: ClientSession, _ command: CommandSpec, _ args: Arguments, asking: Bool) -> (
        refusal: String?, slot: Int?
    ) {
        // The master's stream and the AOF are obeyed (Redis's `mustObeyClient`).
        if client.isMaster || client.isInternal { return (nil, nil) }
        var query = SlotQuery()
        if command.name == "exec" {
            guard let transaction = client.transaction else { return (nil, nil) }
            for queued in transaction.queued {
                let outcome = queued.withArguments { queuedArgs -> String? in
                    guard let queuedCommand = engine.resolvedCommand(queuedArgs) else { return nil }
                    return collect(queuedCommand, queuedArgs, into: &query)
                }
                if let outcome { return (outcome, nil) }
            }
        } else {
            if let outcome = collect(command, args, into: &query) { return (outcome, nil) }
        }
        guard let slot = query.slot, let owner = state.slotOwners[slot] else { return (nil, nil) }
        refreshState()
        if !isOK {
            if query.shardedPubSub {
                // Sharded pub/sub follows its own setting (Redis 7.0's `cluster-allow-pubsubshard-when-down`).
                if !engine.config[.clusterAllowPubsubshardWhenDown] { return ("CLUSTERDOWN The cluster is down", slot) }
            } else if !engine.config[.clusterAllowReadsWhenDown] {
                return ("CLUSTERDOWN The cluster is down", slot)
            } else if query.writes {
                return ("CLUSTERDOWN The cluster is down and only accepts read commands", slot)
            }
        }
        let migrating = owner == state.myselfID ? state.migratingTo[slot] : nil
        let importing = state.importingFrom[slot]
        if (migrating != nil || importing != nil) && command.name == "migrate" { return (nil, slot) }
        if let migrating, query.missingKeys > 0 {
            if query.existingKeys > 0 { return ("TRYAGAIN Multiple keys request during rehashing of slot", slot) }
            return (redirection("ASK", slot: slot, to: migrating), slot)
        }
        if importing != nil && (asking || command.flags.contains(.asking)) {
            if query.multipleKeys && query.missingKeys > 0 {
                return ("TRYAGAIN Multiple keys request during rehashing of slot", slot)
            }
            return (nil, slot)
        }
        if client.clusterReadOnly && !query.writes && state.myself.isReplica && state.myself.masterID == owner {
            return (nil, slot)
        }
        return (owner == state.myselfID ? nil : redirection("MOVED", slot: slot, to: owner), slot)
    }

    static let shardedPubSubCommands: Set<String> = ["spublish", "ssubscribe", "sunsubscribe"]

    private func redirection(_ kind: String, slot: Int, to id: String) -> String {
        let node = state.node(id)
        return "\(kind) \(slot) \(node.flatMap(preferredEndpoint) ?? ""):\(node?.port ?? 0)"
    }

    /// Adds `command`'s keys to `query`; CROSSSLOT or "not served" as soon as they are known.
    private func collect(_ command: CommandSpec, _ args: Arguments, into query: inout SlotQuery) -> String? {
        if command.flags.contains(.write) { query.writes = true }
        // Redis routes by the getkeys procedure when the command has one (`getKeysFromCommand`).
        var keys = LegacyKeyCounts.keys(command.name, args) ?? command.keys(in: args)
        if command.flags.contains(.pubsub) && ClusterService.shardedPubSubCommands.contains(command.name) {
            // Their channels route like keys (Redis routes by the legacy key range, which covers them).
            query.shardedPubSub = true
            keys = command.keySpecs.keys(in: args, includingNotKeys: true) ?? []
        }
        for key in keys {
            let bytes = args[key.index]
            let slot = HashSlot.of(bytes)
            if let first = query.firstKey {
                if !first.withUnsafeBytes({ $0.elementsEqual(bytes) }) {
                    if slot != query.slot { return "CROSSSLOT Keys in request don't hash to the same slot" }
                    query.multipleKeys = true
                }
            } else {
                query.firstKey = ByteString(bytes)
                query.slot = slot
                guard let owner = state.slotOwners[slot] else { return "CLUSTERDOWN Hash slot not served" }
                query.tracksPresence =
                    (owner == state.myselfID && state.migratingTo[slot] != nil) || state.importingFrom[slot] != nil
            }
            if query.tracksPresence {
                let present =
                    engine.databases[0].keys.index(of: bytes) != nil
                    && !engine.databases[0].isExpired(bytes, now: engine.clock.unixMilliseconds())
                if present { query.existingKeys += 1 } else { query.missingKeys += 1 }
            }
        }
        return nil
    }
}

/// What the gate learnt of a command's keys.
struct SlotQuery {
    var firstKey: ByteString?
    var slot: Int?
    var multipleKeys = false
    var writes = false
    /// SPUBLISH, SSUBSCRIBE or SUNSUBSCRIBE is part of the request.
    var shardedPubSub = false
    /// The slot is being migrated or imported: keys present and missing are counted.
    var tracksPresence = false
    var existingKeys = 0
    var missingKeys = 0
}
