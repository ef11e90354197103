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
        if command.name != "asking" { client.clusterAsking = false }
        // The master's stream and the AOF are obeyed (Redis's `mustObeyClient`).
        if client.isMaster || client.isInternal { return nil }
        var query = SlotQuery()
        if command.name == "exec" {
            guard let transaction = client.transaction else { return nil }
            for queued in transaction.queued {
                let outcome = queued.withArguments { queuedArgs -> String? in
                    guard let queuedCommand = engine.resolvedCommand(queuedArgs) else { return nil }
                    return collect(queuedCommand, queuedArgs, into: &query)
                }
                if let outcome { return outcome }
            }
        } else {
            if let outcome = collect(command, args, into: &query) { return outcome }
        }
        guard let slot = query.slot, let owner = state.slotOwners[slot] else { return nil }
        refreshState()
        if !isOK {
            if !engine.config[.clusterAllowReadsWhenDown] { return "CLUSTERDOWN The cluster is down" }
            if query.writes { return "CLUSTERDOWN The cluster is down and only accepts read commands" }
        }
        let migrating = owner == state.myselfID ? state.migratingTo[slot] : nil
        let importing = state.importingFrom[slot]
        if (migrating != nil || importing != nil) && command.name == "migrate" { return nil }
        if let migrating, query.missingKeys > 0 {
            if query.existingKeys > 0 { return "TRYAGAIN Multiple keys request during rehashing of slot" }
            return redirection("ASK", slot: slot, to: migrating)
        }
        if importing != nil && (asking || command.flags.contains(.asking)) {
            if query.multipleKeys && query.missingKeys > 0 {
                return "TRYAGAIN Multiple keys request during rehashing of slot"
            }
            return nil
        }
        if client.clusterReadOnly && !query.writes && state.myself.isReplica && state.myself.masterID == owner {
            return nil
        }
        return owner == state.myselfID ? nil : redirection("MOVED", slot: slot, to: owner)
    }

    private func redirection(_ kind: String, slot: Int, to id: String) -> String {
        let node = state.node(id)
        return "\(kind) \(slot) \(node?.ip ?? ""):\(node?.port ?? 0)"
    }

    /// Adds `command`'s keys to `query`; CROSSSLOT or "not served" as soon as they are known.
    private func collect(_ command: CommandSpec, _ args: Arguments, into query: inout SlotQuery) -> String? {
        if command.flags.contains(.write) { query.writes = true }
        for key in command.keys(in: args) {
            let bytes = args[key.index]
            let slot = HashSlot.of(bytes)
            if let first = query.firstKey {
                if !first.elementsEqual(bytes) {
                    if slot != query.slot { return "CROSSSLOT Keys in request don't hash to the same slot" }
                    query.multipleKeys = true
                }
            } else {
                query.firstKey = Array(bytes)
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
    var firstKey: [UInt8]?
    var slot: Int?
    var multipleKeys = false
    var writes = false
    /// The slot is being migrated or imported: keys present and missing are counted.
    var tracksPresence = false
    var existingKeys = 0
    var missingKeys = 0
}
