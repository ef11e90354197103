import SwredisBytes

/// What this node knows of the cluster (Redis's `clusterState`): the nodes, which master serves each of the 16384
/// slots, the slots being migrated or imported, and the epochs. A value: the commands change it and the owner saves
/// it to nodes.conf; no socket and no clock here.
public struct ClusterState: Equatable, Sendable {
    public private(set) var myselfID: String
    /// Nodes by ID, and the order they were learnt in (CLUSTER NODES and nodes.conf list them so).
    public private(set) var nodes: [String: ClusterNode]
    public private(set) var order: [String]
    /// The ID of the node serving each slot.
    public private(set) var slotOwners: [String?]
    /// The slots of each master, as the bus carries them (kept with `slotOwners`).
    public private(set) var ownedSlots: [String: SlotBitmap] = [:]
    public var migratingTo: [Int: String] = [:]
    public var importingFrom: [Int: String] = [:]
    public var currentEpoch: UInt64 = 0
    public var lastVoteEpoch: UInt64 = 0

    /// A cluster of one fresh master, `myself`.
    public init(myself: ClusterNode) {
        myselfID = myself.id
        nodes = [myself.id: myself]
        order = [myself.id]
        slotOwners = Array(repeating: nil, count: HashSlot.count)
    }

    public var myself: ClusterNode {
        get { nodes[myselfID] ?? ClusterNode(id: myselfID, ip: "", port: 0, busPort: 0, flags: [.myself, .master]) }
        set { nodes[myselfID] = newValue }
    }

    public func node(_ id: String) -> ClusterNode? { nodes[id] }

    /// The master of myself's shard: myself, or the master myself replicates.
    public var shardMasterID: String {
        myself.isReplica ? myself.masterID ?? myselfID : myselfID
    }

    /// Adds or replaces a node.
    public mutating func upsert(_ node: ClusterNode) {
        if nodes[node.id] == nil { order.append(node.id) }
        nodes[node.id] = node
    }

    /// Forgets node `id`: its slots become unassigned, migrations to or from it end.
    public mutating func remove(_ id: String) {
        guard id != myselfID, nodes.removeValue(forKey: id) != nil else { return }
        order.removeAll { $0 == id }
        for slot in 0..<HashSlot.count where slotOwners[slot] == id { slotOwners[slot] = nil }
        ownedSlots[id] = nil
        migratingTo = migratingTo.filter { $0.value != id }
        importingFrom = importingFrom.filter { $0.value != id }
    }

    /// Gives myself a new config epoch unless mine is already the unique largest (Redis's
    /// `clusterBumpConfigEpochWithoutConsensus`); whether it changed.
    public mutating func bumpConfigEpochWithoutConsensus() -> Bool {
        var node = myself
        guard node.configEpoch == 0 || node.configEpoch != maxEpoch else { return false }
        currentEpoch &+= 1
        node.configEpoch = currentEpoch
        myself = node
        return true
    }

    /// Gives myself a new ID (CLUSTER RESET HARD).
    public mutating func renameMyself(to id: String) {
        rename(myselfID, to: id)
    }

    /// Gives node `id` a new ID, keeping its place, slots and replicas (a handshake node learns its real name;
    /// Redis's `clusterRenameNode`).
    public mutating func rename(_ id: String, to newID: String) {
        guard var node = nodes.removeValue(forKey: id) else { return }
        for slot in 0..<HashSlot.count where slotOwners[slot] == id { slotOwners[slot] = newID }
        ownedSlots[newID] = ownedSlots.removeValue(forKey: id)
        for (other, var replica) in nodes where replica.masterID == id {
            replica.masterID = newID
            nodes[other] = replica
        }
        migratingTo = migratingTo.mapValues { $0 == id ? newID : $0 }
        importingFrom = importingFrom.mapValues { $0 == id ? newID : $0 }
        node.id = newID
        nodes[newID] = node
        order = order.map { $0 == id ? newID : $0 }
        if myselfID == id { myselfID = newID }
    }

    public mutating func assign(_ slot: Int, to id: String?) {
        if let old = slotOwners[slot] { ownedSlots[old]?.remove(slot) }
        slotOwners[slot] = id
        if let id { ownedSlots[id, default: SlotBitmap()].insert(slot) }
    }

    /// The number of slots node `id` serves.
    public func slotCount(of id: String) -> Int {
        ownedSlots[id]?.count ?? 0
    }

    /// The slot ranges each node serves, in slot order: `(owner, first, last)`.
    public var slotRanges: [(owner: String, first: Int, last: Int)] {
        var ranges: [(owner: String, first: Int, last: Int)] = []
        var current: (owner: String, first: Int)?
        for slot in 0...HashSlot.count {
            let owner = slot < HashSlot.count ? slotOwners[slot] : nil
            if let open = current, open.owner != owner {
                ranges.append((open.owner, open.first, slot - 1))
                current = nil
            }
            if current == nil, let owner { current = (owner, slot) }
        }
        return ranges
    }

    /// The replicas of `id`, in node order.
    public func replicas(of id: String) -> [ClusterNode] {
        order.compactMap { nodes[$0] }.filter { $0.isReplica && $0.masterID == id }
    }

    /// Masters serving at least one slot (`cluster_size`).
    public var size: Int {
        Set(slotOwners.compactMap { $0 }).filter { nodes[$0]?.isMaster ?? false }.count
    }

    /// The largest config epoch of any node (Redis's `clusterGetMaxEpoch`), at least `currentEpoch`.
    public var maxEpoch: UInt64 {
        nodes.values.reduce(currentEpoch) { max($0, $1.configEpoch) }
    }

    /// `CLUSTER NODES` (and nodes.conf without the vars line): one line per node, handshake nodes left out when
    /// `skippingHandshakes`.
    public func nodesDescription(skippingHandshakes: Bool = false) -> String {
        var slotText: [String: String] = [:]
        for range in slotRanges {
            slotText[range.owner, default: ""] += " " + ClusterState.rangeText(first: range.first, last: range.last)
        }
        var text = ""
        for id in order {
            guard let node = nodes[id], !(skippingHandshakes && node.flags.contains(.handshake)) else { continue }
            text += description(of: node, slots: slotText[id] ?? "") + "\n"
        }
        return text
    }

    /// One node's CLUSTER NODES line (CLUSTER REPLICAS lists them).
    public func nodeDescription(_ id: String) -> String? {
        guard let node = nodes[id] else { return nil }
        return description(of: node, slots: slotRangeTexts(of: id).map { " " + $0 }.joined())
    }

    /// Node `id`'s slot ranges as CLUSTER NODES writes them (`0-5460`, `7`).
    public func slotRangeTexts(of id: String) -> [String] {
        slotRanges.filter { $0.owner == id }.map { ClusterState.rangeText(first: $0.first, last: $0.last) }
    }

    static func rangeText(first: Int, last: Int) -> String {
        first == last ? "\(first)" : "\(first)-\(last)"
    }

    private func description(of node: ClusterNode, slots: String) -> String {
        var line = "\(node.id) \(node.ip):\(node.port)@\(node.busPort)"
        if !node.hostname.isEmpty { line += ",\(node.hostname)" }
        let epoch =
            node.isReplica ? (node.masterID.flatMap { nodes[$0]?.configEpoch } ?? node.configEpoch) : node.configEpoch
        let linked = node.linkConnected || node.flags.contains(.myself)
        line += " \(node.flags.rendered) \(node.masterID ?? "-") \(node.pingSent) \(node.pongReceived) \(epoch)"
        line += linked ? " connected" : " disconnected"
        line += slots
        if node.flags.contains(.myself) {
            for slot in (Set(migratingTo.keys).union(importingFrom.keys)).sorted() {
                if let target = migratingTo[slot] {
                    line += " [\(slot)->-\(target)]"
                } else if let source = importingFrom[slot] {
                    line += " [\(slot)-<-\(source)]"
                }
            }
        }
        return line
    }
}
