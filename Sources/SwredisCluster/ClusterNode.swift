/// One node of the cluster as this node knows it (Redis's `clusterNode`): its 40-hex-digit ID, address, flags, its
/// master when it is a replica, and its config epoch.
public struct ClusterNode: Equatable, Sendable {
    /// Node flags, rendered by `CLUSTER NODES` in Redis's order.
    public struct Flags: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        // The bits are Redis's `CLUSTER_NODE_*` values, so the bus carries `rawValue` as it is.
        public static let master = Flags(rawValue: 1)
        public static let replica = Flags(rawValue: 2)
        public static let possiblyFailing = Flags(rawValue: 4)
        public static let failing = Flags(rawValue: 8)
        public static let myself = Flags(rawValue: 16)
        public static let handshake = Flags(rawValue: 32)
        public static let noAddress = Flags(rawValue: 64)
        /// Send MEET, not PING, on the next link (a node CLUSTER MEET named).
        public static let meet = Flags(rawValue: 128)
        /// A master that had replicas: a candidate for replica migration.
        public static let migrateTo = Flags(rawValue: 256)
        public static let noFailover = Flags(rawValue: 512)

        /// The names `CLUSTER NODES` and nodes.conf use, in Redis's order.
        public static let names: [(Flags, String)] = [
            (.myself, "myself"), (.master, "master"), (.replica, "slave"), (.possiblyFailing, "fail?"),
            (.failing, "fail"), (.handshake, "handshake"), (.noAddress, "noaddr"), (.noFailover, "nofailover"),
        ]

        /// Comma-separated names, or `noflags`.
        public var rendered: String {
            let words = Flags.names.filter { contains($0.0) }.map(\.1)
            return words.isEmpty ? "noflags" : words.joined(separator: ",")
        }
    }

    /// Length of a node ID in hex digits.
    public static let idLength = 40

    public var id: String
    public var ip: String
    public var port: Int
    public var busPort: Int
    public var hostname: String
    public var flags: Flags
    /// The master's ID when this node is a replica.
    public var masterID: String?
    /// When a ping was sent and a pong received, in Unix ms (0: none pending / never).
    public var pingSent: Int
    public var pongReceived: Int
    public var configEpoch: UInt64
    /// Whether this node has a live bus link to it (always true for myself).
    public var linkConnected: Bool

    public init(
        id: String, ip: String, port: Int, busPort: Int, hostname: String = "", flags: Flags, masterID: String? = nil,
        pingSent: Int = 0, pongReceived: Int = 0, configEpoch: UInt64 = 0, linkConnected: Bool = false
    ) {
        self.id = id
        self.ip = ip
        self.port = port
        self.busPort = busPort
        self.hostname = hostname
        self.flags = flags
        self.masterID = masterID
        self.pingSent = pingSent
        self.pongReceived = pongReceived
        self.configEpoch = configEpoch
        self.linkConnected = linkConnected
    }

    public var isMaster: Bool { flags.contains(.master) }
    public var isReplica: Bool { flags.contains(.replica) }
    public var hasFailed: Bool { flags.contains(.failing) }

    /// Whether `text` is a node ID: 40 lowercase hex digits (Redis's `verifyClusterNodeId` checks only the length).
    public static func isValidID(_ text: some StringProtocol) -> Bool {
        text.utf8.count == idLength
    }

    /// A fresh random node ID (Redis's `getRandomHexChars`).
    public static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<idLength).map { _ in digits[Int(generator.next() % 16)] })
    }
}
