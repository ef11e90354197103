import SwredisLog

#if canImport(Glibc)
import Glibc
#endif

/// One connection of the cluster bus, named by the transport.
public typealias ClusterLinkID = Int

/// The cluster bus as a pure state machine (Redis's cluster.c between the sockets and the state): events in —
/// `tick` every 100 ms (`clusterCron`), links opened and closed, frames received, CLUSTER MEET/FORGET/RESET — and
/// `actions` out: connect, send, close, log, publish. It changes the `ClusterState` it is handed and raises
/// `needsSave` / `needsStateUpdate` (Redis's `clusterDoBeforeSleep` flags) for its owner to act on. No socket, no clock
/// (`now` is passed in, Unix milliseconds) and no hidden randomness (`randomIndex` is injected).
public struct ClusterBus {
    /// What the transport must do.
    public enum Action: Equatable, Sendable {
        case connect(ClusterLinkID, ip: String, port: Int)
        case send(ClusterLinkID, [UInt8])
        case close(ClusterLinkID)
        case log(RedisLogFormat.Level, String)
        case publish(channel: [UInt8], message: [UInt8], sharded: Bool)
        /// Write nodes.conf now, before the actions after it (a vote, a new config epoch).
        case saveConfig
        /// Delete the keys of a slot another master took while myself still held keys in it.
        case deleteKeys(slot: Int)
        /// Replicate this master (myself became its replica).
        case replicate(masterID: String)
        /// Stop replicating: myself won an election or took over (REPLICAOF NO ONE).
        case promote
        /// Hold writes until then (a master during a manual failover), or let them go again.
        case pauseWrites(until: Int)
        case resumeWrites
    }

    /// What myself announces in every header beyond the state (`clusterBuildMessageHdr`).
    public struct Announcement: Equatable, Sendable {
        public var port: Int
        public var busPort: Int
        /// `cluster-announce-ip`; empty: peers use the connection's address, and myself learns its own from MEETs.
        public var ip: String = ""
        public var hostname: String = ""
        public var replicationOffset: UInt64 = 0

        public init(port: Int, busPort: Int) {
            self.port = port
            self.busPort = busPort
        }
    }

    /// One connection: outbound (to `nodeID`) or inbound (its node learnt from the first message).
    public struct Link: Equatable, Sendable {
        public var nodeID: String?
        public let inbound: Bool
        public let createdAt: Int
    }

    /// What the bus knows of a node beyond `ClusterNode` (Redis keeps it in `clusterNode` too but never saves it).
    struct Peer {
        var createdAt: Int
        var link: ClusterLinkID?
        var inboundLink: ClusterLinkID?
        var dataReceived = 0
        var failTime = 0
        /// Reporter ID → when it last reported this node PFAIL or FAIL.
        var failReports: [String: Int] = [:]
        var replicationOffset: UInt64 = 0
        var lastInPingGossip: UInt64 = 0
        /// When myself last voted for a replica of this master.
        var votedTime = 0
        /// Since when this master has had no working replica (0: it has one, or never had).
        var orphanedSince = 0
    }

    public var nodeTimeout: Int
    public var announcement: Announcement
    public internal(set) var links: [ClusterLinkID: Link] = [:]
    var peers: [String: Peer] = [:]
    /// Forgotten node IDs and until when gossip may not bring them back (CLUSTER FORGET's 60 s).
    var forgotten: [String: Int] = [:]
    private var nextLinkID: ClusterLinkID = 1
    var iteration: UInt64 = 0
    var pingsSent: UInt64 = 0
    /// Messages by type, sent and received (CLUSTER INFO).
    public internal(set) var sentByKind = [Int](repeating: 0, count: ClusterMessage.Kind.allCases.count)
    public internal(set) var receivedByKind = [Int](repeating: 0, count: ClusterMessage.Kind.allCases.count)
    public internal(set) var actions: [Action] = []
    /// Whether the owner's `cluster_state` is ok: every header carries it.
    public var stateOK = false
    /// `cluster-allow-replica-migration`.
    public var allowReplicaMigration = true
    /// `cluster-migration-barrier`: the working replicas a master keeps before one of them may migrate.
    public var migrationBarrier = 1
    /// Slots whose owner stopped claiming them: not yet rebound, but not to be reported in an UPDATE either.
    var notClaimed = SlotBitmap()
    /// What the election weighs of myself's replication (the owner refreshes it before each tick).
    public var replica = ReplicaFacts()
    var election = Election()
    var cantFailover = CantFailover.none
    var lastCantFailoverLog = 0
    var manualFailover = ManualFailover()
    /// The number of keys myself holds in a slot (the owner's slot index).
    public var keysInSlot: (Int) -> Int = { _ in 0 }
    public var needsSave = false
    public var needsStateUpdate = false
    let randomIndex: (Int) -> Int
    static let forgetMilliseconds = 60_000

    public init(
        nodeTimeout: Int, announcement: Announcement, randomIndex: @escaping (Int) -> Int = { Int.random(in: 0..<$0) }
    ) {
        self.nodeTimeout = nodeTimeout
        self.announcement = announcement
        self.randomIndex = randomIndex
    }

    /// Hands the pending actions over.
    public mutating func takeActions() -> [Action] {
        defer { actions.removeAll(keepingCapacity: true) }
        return actions
    }

    mutating func log(_ level: RedisLogFormat.Level, _ text: String) { actions.append(.log(level, text)) }

    mutating func peer(_ id: String, now: Int) -> Peer {
        if let peer = peers[id] { return peer }
        let peer = Peer(createdAt: now)
        peers[id] = peer
        return peer
    }

    /// The failure reports about `id` still valid at `now` (Redis's `clusterNodeFailureReportsCount`).
    public mutating func failureReportCount(_ id: String, now: Int) -> Int {
        cleanFailureReports(id, now: now)
        return peers[id]?.failReports.count ?? 0
    }

    mutating func cleanFailureReports(_ id: String, now: Int) {
        let validity = nodeTimeout * 2
        guard let reports = peers[id]?.failReports, !reports.isEmpty else { return }
        peers[id]?.failReports = reports.filter { now - $0.value <= validity }
    }

    // MARK: Links

    /// The transport accepted a connection on the bus port.
    public mutating func accepted(now: Int) -> ClusterLinkID {
        let id = nextLinkID
        nextLinkID += 1
        links[id] = Link(nodeID: nil, inbound: true, createdAt: now)
        return id
    }

    mutating func openLink(to id: String, state: inout ClusterState, now: Int) {
        guard let node = state.node(id) else { return }
        let link = nextLinkID
        nextLinkID += 1
        links[link] = Link(nodeID: id, inbound: false, createdAt: now)
        peers[id, default: Peer(createdAt: now)].link = link
        var updated = node
        updated.linkConnected = true
        state.upsert(updated)
        actions.append(.connect(link, ip: node.ip, port: node.busPort))
    }

    /// An outbound connection is up: the first PING (a MEET for a node CLUSTER MEET named) goes at once
    /// (`clusterLinkConnectHandler`).
    public mutating func connected(_ link: ClusterLinkID, state: inout ClusterState, now: Int) {
        guard let id = links[link]?.nodeID, var node = state.node(id) else { return }
        let pending = node.pingSent
        sendPing(on: link, kind: node.flags.contains(.meet) ? .meet : .ping, state: &state, now: now)
        node = state.node(id) ?? node
        if pending != 0 { node.pingSent = pending }
        node.flags.remove(.meet)
        state.upsert(node)
    }

    /// A link closed or failed to connect (`freeClusterLink`). A failed connect counts as a ping sent, so a node that
    /// cannot be reached is detected as failing (Redis does this for a connect that fails at once).
    public mutating func closed(_ link: ClusterLinkID, state: inout ClusterState, now: Int) {
        guard let id = detach(link, state: &state), var node = state.node(id), node.pingSent == 0 else { return }
        node.pingSent = now
        state.upsert(node)
    }

    /// Forgets `link`; when it was its node's outbound link the node shows disconnected, and its ID is returned.
    mutating func detach(_ link: ClusterLinkID, state: inout ClusterState) -> String? {
        guard let info = links.removeValue(forKey: link), let id = info.nodeID else { return nil }
        if peers[id]?.inboundLink == link { peers[id]?.inboundLink = nil }
        guard peers[id]?.link == link else { return nil }
        peers[id]?.link = nil
        if var node = state.node(id) {
            node.linkConnected = false
            state.upsert(node)
        }
        return id
    }

    /// Closes every link of node `id` and forgets its bus state (`clusterDelNode`): the owner removes it from the
    /// state.
    mutating func dropNode(_ id: String, state: inout ClusterState) {
        if let peer = peers.removeValue(forKey: id) {
            for link in [peer.link, peer.inboundLink].compactMap({ $0 }) {
                links[link] = nil
                actions.append(.close(link))
            }
        }
        for other in peers.keys { peers[other]?.failReports[id] = nil }
        state.remove(id)
    }

    // MARK: Commands

    /// What CLUSTER MEET did.
    public enum MeetResult: Equatable, Sendable {
        case started
        /// A handshake with that address is already running (still OK for the client).
        case inProgress
        /// Not an IP address, or a port outside 1-65535.
        case invalid
    }

    /// CLUSTER MEET: a handshake node with a random ID and the MEET flag, connected at the next tick
    /// (`clusterStartHandshake`). The address is normalised (`::FFFF:1.2.3.4` and `::ffff:1.2.3.4` are one).
    public mutating func meet(ip: String, port: Int, busPort: Int, state: inout ClusterState, now: Int) -> MeetResult {
        guard let ip = ClusterBus.normalizedIP(ip), (1...65535).contains(port), (1...65535).contains(busPort) else {
            return .invalid
        }
        let inProgress = state.nodes.values.contains {
            $0.flags.contains(.handshake) && $0.ip == ip && $0.port == port && $0.busPort == busPort
        }
        guard !inProgress else { return .inProgress }
        let id = ClusterNode.randomID()
        state.upsert(ClusterNode(id: id, ip: ip, port: port, busPort: busPort, flags: [.handshake, .meet]))
        peers[id] = Peer(createdAt: now)
        return .started
    }

    /// `text` as `inet_ntop` writes the address it parses, or nil when it is not an IPv4 or IPv6 address.
    public static func normalizedIP(_ text: String) -> String? {
        var v4 = in_addr()
        var v6 = in6_addr()
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if inet_pton(AF_INET, text, &v4) == 1 {
            guard inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            guard inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        } else {
            return nil
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// CLUSTER FORGET: the node is removed and gossip may not bring it back for 60 s.
    public mutating func forget(_ id: String, state: inout ClusterState, now: Int) {
        forgotten = forgotten.filter { $0.value > now }
        forgotten[id] = now + ClusterBus.forgetMilliseconds
        dropNode(id, state: &state)
    }

    /// CLUSTER RESET: every other node and its links go.
    public mutating func reset(state: inout ClusterState) {
        for id in state.order where id != state.myselfID { dropNode(id, state: &state) }
        forgotten = [:]
    }

    /// Node `id` is forgotten for gossip at `now`.
    func isForgotten(_ id: String, now: Int) -> Bool {
        (forgotten[id] ?? 0) > now
    }
}
