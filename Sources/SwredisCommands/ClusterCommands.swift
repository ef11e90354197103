import SwredisBytes
import SwredisCluster
import SwredisEngine
import SwredisKeyspace
import SwredisLog

/// CLUSTER, ASKING, READONLY and READWRITE (Redis's `clusterCommand` and friends). Without `cluster-enabled yes`
/// each answers Redis's "cluster support disabled" error.
enum ClusterCommands {
    static let disabled = "ERR This instance has cluster support disabled"

    static let bindings: [CommandBinding] = [
        CommandBinding("cluster") { _, _, _ in },
        bind("cluster|help") { _, client, _ in HelpText.reply(client, "CLUSTER", helpLines) },
        bind("cluster|myid") { cluster, client, _ in client.reply.bulk(cluster.state.myselfID) },
        bind("cluster|keyslot") { _, client, args in client.reply.integer(HashSlot.of(args[2])) },
        bind("cluster|info") { cluster, client, _ in client.reply.verbatim(info(cluster)) },
        bind("cluster|nodes") { cluster, client, _ in client.reply.verbatim(cluster.state.nodesDescription()) },
        bind("cluster|slots") { cluster, client, _ in ClusterSlotCommands.slots(cluster, client) },
        bind("cluster|shards") { cluster, client, _ in
            ClusterSlotCommands.shards(cluster, client, offset: cluster.engine.replication.offset)
        },
        bind("cluster|links") { cluster, client, _ in links(cluster, client) },
        bind("cluster|addslots") { cluster, client, args in
            changeSlots(cluster, client, args, ranges: false, delete: false)
        },
        bind("cluster|delslots") { cluster, client, args in
            changeSlots(cluster, client, args, ranges: false, delete: true)
        },
        bind("cluster|addslotsrange") { cluster, client, args in
            changeSlots(cluster, client, args, ranges: true, delete: false)
        },
        bind("cluster|delslotsrange") { cluster, client, args in
            changeSlots(cluster, client, args, ranges: true, delete: true)
        },
        bind("cluster|flushslots") { flushSlots($0, $1, $2) },
        bind("cluster|countkeysinslot") { cluster, client, args in
            guard let slot = args.integer(2) else { return client.error(RedisError.notInteger) }
            guard (0..<HashSlot.count).contains(slot) else { return client.error("ERR Invalid slot") }
            client.reply.integer(cluster.countKeys(in: slot))
        },
        bind("cluster|getkeysinslot") { keysInSlot($0, $1, $2) },
        bind("cluster|saveconfig") { cluster, client, _ in
            do {
                try cluster.save()
                client.reply.ok()
            } catch {
                client.error("ERR error saving the cluster node config: \(error)")
            }
        },
        bind("cluster|bumpepoch") { bumpEpoch($0, $1, $2) },
        bind("cluster|set-config-epoch") { setConfigEpoch($0, $1, $2) },
        bind("cluster|count-failure-reports") { cluster, client, args in
            guard cluster.state.node(args.string(2)) != nil else {
                return client.error("ERR Unknown node \(args.string(2))")
            }
            client.reply.integer(cluster.failureReports(about: args.string(2)))
        },
        bind("cluster|replicas") { replicas($0, $1, $2) },
        bind("cluster|slaves") { replicas($0, $1, $2) },
        bind("cluster|forget") { forget($0, $1, $2) },
        bind("cluster|reset") { reset($0, $1, $2) },
        bind("cluster|setslot") { ClusterSlotCommands.setSlot($0, $1, $2) },
        bind("cluster|meet") { meet($0, $1, $2) },
        bind("cluster|replicate") { replicate($0, $1, $2) },
        bind("cluster|failover") { failover($0, $1, $2) },
        bind("asking") { _, client, _ in
            client.clusterAsking = true
            client.reply.ok()
        },
        bind("readonly") { _, client, _ in
            client.clusterReadOnly = true
            client.reply.ok()
        },
        bind("readwrite") { _, client, _ in
            client.clusterReadOnly = false
            client.reply.ok()
        },
    ]

    /// A binding that runs only in cluster mode.
    static func bind(
        _ name: String, _ handler: @escaping @Sendable (ClusterService, ClientSession, Arguments) -> Void
    ) -> CommandBinding {
        CommandBinding(name) { engine, client, args in
            guard let cluster = engine.cluster as? ClusterService else { return client.error(disabled) }
            handler(cluster, client, args)
        }
    }

    /// CLUSTER INFO's text.
    static func info(_ cluster: ClusterService) -> String {
        cluster.refreshState()
        let state = cluster.state
        var assigned = 0
        var failing = 0
        var possiblyFailing = 0
        for owner in state.slotOwners {
            guard let owner else { continue }
            assigned += 1
            if state.node(owner)?.hasFailed ?? false {
                failing += 1
            } else if state.node(owner)?.flags.contains(.possiblyFailing) ?? false {
                possiblyFailing += 1
            }
        }
        var stats = ""
        for (direction, counts) in [("sent", cluster.bus.sentByKind), ("received", cluster.bus.receivedByKind)] {
            for kind in ClusterMessage.Kind.allCases where counts[Int(kind.rawValue)] > 0 {
                stats += "cluster_stats_messages_\(kind.name)_\(direction):\(counts[Int(kind.rawValue)])\r\n"
            }
            stats += "cluster_stats_messages_\(direction):\(counts.reduce(0, +))\r\n"
        }
        let myself = state.myself
        let myEpoch =
            myself.isReplica ? (myself.masterID.flatMap { state.node($0)?.configEpoch } ?? 0) : myself.configEpoch
        return """
            cluster_state:\(cluster.isOK ? "ok" : "fail")\r
            cluster_slots_assigned:\(assigned)\r
            cluster_slots_ok:\(assigned - failing - possiblyFailing)\r
            cluster_slots_pfail:\(possiblyFailing)\r
            cluster_slots_fail:\(failing)\r
            cluster_known_nodes:\(state.nodes.count)\r
            cluster_size:\(state.size)\r
            cluster_current_epoch:\(state.currentEpoch)\r
            cluster_my_epoch:\(myEpoch)\r
            \(stats)total_cluster_links_buffer_limit_exceeded:\(cluster.linksBufferLimitExceeded)\r

            """
    }

    /// A slot argument, or Redis's error.
    static func slot(_ args: Arguments, _ index: Int, _ client: ClientSession) -> Int? {
        guard let slot = args.integer(index), (0..<HashSlot.count).contains(slot) else {
            client.error("ERR Invalid or out of range slot")
            return nil
        }
        return slot
    }

    static func changeSlots(
        _ cluster: ClusterService, _ client: ClientSession, _ args: Arguments, ranges: Bool, delete: Bool
    ) {
        if ranges && args.count % 2 == 1 {
            return client.error(RedisError.wrongArity(args.lowercased(0) + "|" + args.lowercased(1)))
        }
        var requested: [(Int, Int)] = []
        if ranges {
            for index in stride(from: 2, to: args.count, by: 2) {
                guard let first = slot(args, index, client), let last = slot(args, index + 1, client) else { return }
                guard first <= last else {
                    return client.error("ERR start slot number \(first) is greater than end slot number \(last)")
                }
                requested.append((first, last))
            }
        } else {
            for index in 2..<args.count {
                guard let one = slot(args, index, client) else { return }
                requested.append((one, one))
            }
        }
        var seen = [Bool](repeating: false, count: HashSlot.count)
        for (first, last) in requested {
            for slot in first...last {
                let owner = cluster.state.slotOwners[slot]
                if delete && owner == nil { return client.error("ERR Slot \(slot) is already unassigned") }
                if !delete && owner != nil { return client.error("ERR Slot \(slot) is already busy") }
                if seen[slot] { return client.error("ERR Slot \(slot) specified multiple times") }
                seen[slot] = true
            }
        }
        let myself = cluster.state.myselfID
        cluster.update { state in
            for slot in 0..<HashSlot.count where seen[slot] {
                state.importingFrom[slot] = nil
                state.assign(slot, to: delete ? nil : myself)
            }
        }
        client.reply.ok()
    }

    static func flushSlots(_ cluster: ClusterService, _ client: ClientSession, _ args: Arguments) {
        guard cluster.engine.databases[0].count == 0 else {
            return client.error("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.")
        }
        let myself = cluster.state.myselfID
        cluster.update { state in
            for slot in 0..<HashSlot.count where state.slotOwners[slot] == myself { state.assign(slot, to: nil) }
        }
        client.reply.ok()
    }

    static func keysInSlot(_ cluster: ClusterService, _ client: ClientSession, _ args: Arguments) {
        guard let slot = args.integer(2), let limit = args.integer(3) else {
            return client.error(RedisError.notInteger)
        }
        guard (0..<HashSlot.count).contains(slot), limit >= 0 else {
            return client.error("ERR Invalid slot or number of keys")
        }
        let keys = cluster.engine.databases[0].slotIndex?.keys(in: slot, limit: limit) ?? []
        client.reply.arrayHeader(keys.count)
        for key in keys { key.withUnsafeBytes { client.reply.bulk($0) } }
    }

    static func bumpEpoch(_ cluster: ClusterService, _ client: ClientSession, _ args: Arguments) {
        var bumped = false
        cluster.update { bumped = $0.bumpConfigEpochWithoutConsensus() }
        if bumped { serverLog(.warning, "New configEpoch set to \(cluster.state.myself.configEpoch)") }
        client.reply.simple("\(bumped ? "BUMPED" : "STILL") \(cluster.state.myself.configEpoch)")
    }

    static func setConfigEpoch(_ cluster: ClusterService, _ client: ClientSession, _ args: Arguments) {
        guard let epoch = args.integer(2) else { return client.error(RedisError.notInteger) }
        if epoch < 0 { return client.error("ERR Invalid config epoch specified: \(epoch)") }
        if cluster.state.nodes.count > 1 {
            return client.error(
                "ERR The user can assign a config epoch only when the node does not know any other node.")
        }
        if cluster.state.myself.configEpoch != 0 { return client.error("ERR Node config epoch is already non-zero") }
        cluster.update { state in
            state.myself.configEpoch = UInt64(epoch)
            state.currentEpoch = max(state.currentEpoch, UInt64(epoch))
        }
        serverLog(.warning, "configEpoch set to \(epoch) via CLUSTER SET-CONFIG-EPOCH")
        client.reply.ok()
    }

    static func replicas(_ cluster: ClusterService, _ client: ClientSession, _ args: Arguments) {
        let id = args.string(2)
        guard let node = cluster.state.node(id) else { return client.error("ERR Unknown node \(id)") }
        guard !node.isReplica else { return client.error("ERR The specified node is not a master") }
        let lines = cluster.state.replicas(of: id).compactMap { cluster.state.nodeDescription($0.id) }
        client.reply.arrayHeader(lines.count)
        for line in lines { client.reply.bulk(line) }
    }

    static func forget(_ cluster: ClusterService, _ client: ClientSession, _ args: Arguments) {
        let id = args.string(2)
        guard cluster.state.node(id) != nil else { return client.error("ERR Unknown node \(id)") }
        if id == cluster.state.myselfID { return client.error("ERR I tried hard but I can't forget myself...") }
        if cluster.state.myself.isReplica && cluster.state.myself.masterID == id {
            return client.error("ERR Can't forget my master!")
        }
        cluster.forget(id)
        client.reply.ok()
    }

    static func replicate(_ cluster: ClusterService, _ client: ClientSession, _ args: Arguments) {
        let id = args.string(2)
        guard let node = cluster.state.node(id) else { return client.error("ERR Unknown node \(id)") }
        if id == cluster.state.myselfID { return client.error("ERR Can't replicate myself") }
        if node.isReplica { return client.error("ERR I can only replicate a master, not a replica.") }
        if cluster.state.myself.isMaster
            && (cluster.state.slotCount(of: cluster.state.myselfID) != 0 || cluster.engine.databases[0].count != 0)
        {
            return client.error("ERR To set a master the node must be empty and without assigned slots.")
        }
        cluster.replicate(id)
        client.reply.ok()
    }

    static func failover(_ cluster: ClusterService, _ client: ClientSession, _ args: Arguments) {
        guard args.count <= 3 else {
            return client.error(RedisError.subcommandSyntax(args.string(1), "cluster"))
        }
        var force = false
        var takeover = false
        if args.count == 3 {
            switch args.lowercased(2) {
            case "force": force = true
            case "takeover": takeover = true
            default: return client.error(RedisError.syntax)
            }
        }
        if let refusal = cluster.failover(force: force, takeover: takeover) { return client.error(refusal) }
        client.reply.ok()
    }

    static func meet(_ cluster: ClusterService, _ client: ClientSession, _ args: Arguments) {
        guard args.count == 4 || args.count == 5 else {
            return client.error(RedisError.subcommandSyntax(args.string(1), "cluster"))
        }
        guard let port = args.integer(3) else {
            return client.error("ERR Invalid TCP base port specified: \(args.string(3))")
        }
        var busPort = port &+ 10000
        if args.count == 5 {
            guard let given = args.integer(4) else {
                return client.error("ERR Invalid TCP bus port specified: \(args.string(4))")
            }
            busPort = given
        }
        if cluster.meet(ip: args.string(2), port: port, busPort: busPort) == .invalid {
            return client.error("ERR Invalid node address specified: \(args.string(2)):\(args.string(3))")
        }
        client.reply.ok()
    }

    /// CLUSTER LINKS: each link attached to a node, outbound ("to") and inbound ("from").
    static func links(_ cluster: ClusterService, _ client: ClientSession) {
        let links = cluster.bus.links.sorted { $0.key < $1.key }.compactMap { linkID, link in
            link.nodeID.map { (linkID: linkID, id: $0, link: link) }
        }
        client.reply.arrayHeader(links.count)
        for (linkID, id, link) in links {
            client.reply.mapHeader(6)
            client.reply.bulk("direction")
            client.reply.bulk(link.inbound ? "from" : "to")
            client.reply.bulk("node")
            client.reply.bulk(id)
            client.reply.bulk("create-time")
            client.reply.integer(link.createdAt)
            client.reply.bulk("events")
            client.reply.bulk("r")
            let unsent = cluster.transport?.sendBufferBytes(linkID) ?? 0
            client.reply.bulk("send-buffer-allocated")
            client.reply.integer(unsent)
            client.reply.bulk("send-buffer-used")
            client.reply.integer(unsent)
        }
    }

    static func reset(_ cluster: ClusterService, _ client: ClientSession, _ args: Arguments) {
        var hard = false
        if args.count == 3 {
            switch args.lowercased(2) {
            case "hard": hard = true
            case "soft": hard = false
            default: return client.error(RedisError.syntax)
            }
        }
        if cluster.state.myself.isMaster && cluster.engine.databases[client.database].count != 0 {
            return client.error("ERR CLUSTER RESET can't be called with master nodes containing keys")
        }
        if cluster.state.myself.isReplica {
            // A replica stops replicating and empties its data (Redis's `clusterReset`).
            cluster.promoteMyself()
            cluster.engine.flushAll()
            cluster.engine.signalDatabasesReplaced(Array(cluster.engine.databases.indices))
        }
        cluster.forgetEveryone()
        cluster.update { state in
            state.migratingTo = [:]
            state.importingFrom = [:]
            for slot in 0..<HashSlot.count { state.assign(slot, to: nil) }
            if hard {
                state.currentEpoch = 0
                state.lastVoteEpoch = 0
                state.myself.configEpoch = 0
                state.renameMyself(to: ClusterNode.randomID())
            }
        }
        if hard {
            serverLog(.warning, "configEpoch set to 0 via CLUSTER RESET HARD")
            serverLog(.notice, "Node hard reset, now I'm \(cluster.state.myselfID)")
        }
        client.reply.ok()
    }

    static let helpLines = [
        "ADDSLOTS <slot> [<slot> ...]", "    Assign slots to current node.",
        "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
        "    Assign slots which are between <start-slot> and <end-slot> to current node.", "BUMPEPOCH",
        "    Advance the cluster config epoch.", "COUNT-FAILURE-REPORTS <node-id>",
        "    Return number of failure reports for <node-id>.", "COUNTKEYSINSLOT <slot>",
        "    Return the number of keys in <slot>.", "DELSLOTS <slot> [<slot> ...]",
        "    Delete slots information from current node.",
        "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
        "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
        "FAILOVER [FORCE|TAKEOVER]", "    Promote current replica node to being a master.", "FORGET <node-id>",
        "    Remove a node from the cluster.", "GETKEYSINSLOT <slot> <count>",
        "    Return key names stored by current node in a slot.", "FLUSHSLOTS",
        "    Delete current node own slots information.", "INFO", "    Return information about the cluster.",
        "KEYSLOT <key>", "    Return the hash slot for <key>.", "MEET <ip> <port> [<bus-port>]",
        "    Connect nodes into a working cluster.", "MYID", "    Return the node id.", "NODES",
        "    Return cluster configuration seen by node. Output format:",
        "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...", "REPLICATE <node-id>",
        "    Configure current node as replica to <node-id>.", "RESET [HARD|SOFT]",
        "    Reset current node (default: soft).", "SET-CONFIG-EPOCH <epoch>", "    Set config epoch of current node.",
        "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)", "    Set slot state.",
        "REPLICAS <node-id>", "    Return <node-id> replicas.", "SAVECONFIG",
        "    Force saving cluster configuration on disk.", "SLOTS",
        "    Return information about slots range mappings. Each range is made of:",
        "    start, end, master and replicas IP addresses, ports and ids", "SHARDS",
        "    Return information about slot range mappings and the nodes associated with them.", "LINKS",
        "    Return information about all network links between this node and its peers.",
        "    Output format is an array where each array element is a map containing attributes of a link",
    ]
}
