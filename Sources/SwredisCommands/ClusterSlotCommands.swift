import SwredisBytes
import SwredisCluster
import SwredisEngine
import SwredisLog

/// CLUSTER SLOTS, SHARDS and SETSLOT.
enum ClusterSlotCommands {
    /// CLUSTER SLOTS: per range of slots served by one master, the master and its replicas as `[ip, port, id, {}]`
    /// (the endpoint `cluster-preferred-endpoint-type` prefers first).
    static func slots(_ cluster: ClusterService, _ client: ClientSession) {
        let state = cluster.state
        let ranges = state.slotRanges
        client.reply.arrayHeader(ranges.count)
        for range in ranges {
            let replicas = state.replicas(of: range.owner).filter { !$0.hasFailed }
            client.reply.arrayHeader(3 + replicas.count)
            client.reply.integer(range.first)
            client.reply.integer(range.last)
            if let owner = state.node(range.owner) { node(owner, cluster, client) }
            for replica in replicas { node(replica, cluster, client) }
        }
    }

    /// One node of a CLUSTER SLOTS range (Redis's `addNodeToNodeReply`): the preferred endpoint, the port, the ID
    /// and a map of the other known endpoints.
    private static func node(_ node: ClusterNode, _ cluster: ClusterService, _ client: ClientSession) {
        client.reply.arrayHeader(4)
        if let endpoint = cluster.preferredEndpoint(of: node) {
            client.reply.bulk(endpoint)
        } else {
            client.reply.null()
        }
        client.reply.integer(node.port)
        client.reply.bulk(node.id)
        let type = cluster.engine.config[.clusterPreferredEndpointType]
        var extra: [(String, String)] = []
        if type != "ip" { extra.append(("ip", node.ip)) }
        if type != "hostname" && !node.hostname.isEmpty { extra.append(("hostname", node.hostname)) }
        client.reply.mapHeader(extra.count)
        for (name, value) in extra {
            client.reply.bulk(name)
            client.reply.bulk(value)
        }
    }

    /// CLUSTER SHARDS: each master with its slot ranges and its nodes' details.
    static func shards(_ cluster: ClusterService, _ client: ClientSession, offset: Int) {
        let state = cluster.state
        let masters = state.order.compactMap { state.node($0) }.filter(\.isMaster)
        let ranges = state.slotRanges
        client.reply.arrayHeader(masters.count)
        for master in masters {
            client.reply.mapHeader(2)
            client.reply.bulk("slots")
            let owned = ranges.filter { $0.owner == master.id }
            client.reply.arrayHeader(owned.count * 2)
            for range in owned {
                client.reply.integer(range.first)
                client.reply.integer(range.last)
            }
            client.reply.bulk("nodes")
            let members = [master] + state.replicas(of: master.id)
            client.reply.arrayHeader(members.count)
            for member in members {
                let myOffset = member.flags.contains(.myself) ? offset : 0
                let fields: [(String, String?)] = [
                    ("id", member.id), ("port", nil), ("ip", member.ip),
                    ("endpoint", cluster.preferredEndpoint(of: member) ?? ""),
                    ("hostname", member.hostname.isEmpty ? "" : member.hostname),
                    ("role", member.isReplica ? "replica" : "master"), ("replication-offset", nil),
                    ("health", member.hasFailed ? "fail" : (member.isReplica && myOffset == 0 ? "loading" : "online")),
                ]
                let shown = fields.filter { $0.0 != "hostname" || !member.hostname.isEmpty }
                client.reply.mapHeader(shown.count)
                for (name, value) in shown {
                    client.reply.bulk(name)
                    switch name {
                    case "port": client.reply.integer(member.port)
                    case "replication-offset": client.reply.integer(myOffset)
                    default: client.reply.bulk(value ?? "")
                    }
                }
            }
        }
    }

    /// CLUSTER SETSLOT <slot> IMPORTING|MIGRATING <id> | STABLE | NODE <id>.
    static func setSlot(_ cluster: ClusterService, _ client: ClientSession, _ args: Arguments) {
        let state = cluster.state
        if state.myself.isReplica { return client.error("ERR Please use SETSLOT only with masters.") }
        guard let slot = ClusterCommands.slot(args, 2, client) else { return }
        let action = args.lowercased(3)
        let target = args.count == 5 ? args.string(4) : ""
        func master(_ id: String, unknown: String) -> ClusterNode? {
            guard let node = state.node(id) else {
                client.error(unknown)
                return nil
            }
            guard !node.isReplica else {
                client.error("ERR Target node is not a master")
                return nil
            }
            return node
        }
        switch (action, args.count) {
        case ("migrating", 5):
            guard state.slotOwners[slot] == state.myselfID else {
                return client.error("ERR I'm not the owner of hash slot \(slot)")
            }
            guard let node = master(target, unknown: "ERR I don't know about node \(target)") else { return }
            cluster.update { $0.migratingTo[slot] = node.id }
        case ("importing", 5):
            guard state.slotOwners[slot] != state.myselfID else {
                return client.error("ERR I'm already the owner of hash slot \(slot)")
            }
            guard let node = master(target, unknown: "ERR I don't know about node \(target)") else { return }
            cluster.update { $0.importingFrom[slot] = node.id }
        case ("stable", 4):
            cluster.update { state in
                state.migratingTo[slot] = nil
                state.importingFrom[slot] = nil
            }
        case ("node", 5):
            guard let node = master(target, unknown: "ERR Unknown node \(target)") else { return }
            let keys = cluster.countKeys(in: slot)
            if state.slotOwners[slot] == state.myselfID && node.id != state.myselfID && keys != 0 {
                return client.error(
                    "ERR Can't assign hashslot \(slot) to a different node while I still hold keys for this hash slot.")
            }
            let bump = node.id == state.myselfID && state.importingFrom[slot] != nil
            cluster.update { state in
                if keys == 0 { state.migratingTo[slot] = nil }
                state.assign(slot, to: node.id)
                if bump {
                    _ = state.bumpConfigEpochWithoutConsensus()
                    state.importingFrom[slot] = nil
                }
            }
            if bump { serverLog(.warning, "configEpoch updated after importing slot \(slot)") }
        default:
            return client.error("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP")
        }
        client.reply.ok()
    }
}
