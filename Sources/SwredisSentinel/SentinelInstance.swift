/// What kind of instance a sentinel tracks, and the state bits Redis shows in the `flags` field.
public struct SentinelFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let master = SentinelFlags(rawValue: 1 << 0)
    public static let replica = SentinelFlags(rawValue: 1 << 1)
    public static let sentinel = SentinelFlags(rawValue: 1 << 2)
    /// Subjectively down: this sentinel got no valid reply within down-after-milliseconds.
    public static let subjectivelyDown = SentinelFlags(rawValue: 1 << 3)
    /// Objectively down: a quorum of sentinels agree (masters only).
    public static let objectivelyDown = SentinelFlags(rawValue: 1 << 4)
    /// On a sentinel: it said the master is down (its last IS-MASTER-DOWN-BY-ADDR reply).
    public static let masterDown = SentinelFlags(rawValue: 1 << 5)
    public static let failoverInProgress = SentinelFlags(rawValue: 1 << 6)
    /// The replica chosen for promotion.
    public static let promoted = SentinelFlags(rawValue: 1 << 7)
    /// REPLICAOF new-master sent / seen in progress / done (a replica during a failover).
    public static let reconfigurationSent = SentinelFlags(rawValue: 1 << 8)
    public static let reconfigurationInProgress = SentinelFlags(rawValue: 1 << 9)
    public static let reconfigurationDone = SentinelFlags(rawValue: 1 << 10)
    /// SENTINEL FAILOVER: no agreement needed.
    public static let forceFailover = SentinelFlags(rawValue: 1 << 11)
    /// SCRIPT KILL was sent to an instance that answered -BUSY.
    public static let scriptKillSent = SentinelFlags(rawValue: 1 << 12)
    /// The master rebooted and is considered down for master-reboot-down-after-period.
    public static let masterReboot = SentinelFlags(rawValue: 1 << 13)

    static let reconfiguration: SentinelFlags = [
        .reconfigurationSent, .reconfigurationInProgress, .reconfigurationDone,
    ]

    /// The names Redis prints, in its order (`sentinelAddInstanceReplyFields`).
    static let names: [(SentinelFlags, String)] = [
        (.subjectivelyDown, "s_down"), (.objectivelyDown, "o_down"), (.master, "master"), (.replica, "slave"),
        (.sentinel, "sentinel"),
    ]
    static let laterNames: [(SentinelFlags, String)] = [
        (.masterDown, "master_down"), (.failoverInProgress, "failover_in_progress"), (.promoted, "promoted"),
        (.reconfigurationSent, "reconf_sent"), (.reconfigurationInProgress, "reconf_inprog"),
        (.reconfigurationDone, "reconf_done"), (.forceFailover, "force_failover"),
        (.scriptKillSent, "script_kill_sent"), (.masterReboot, "master_reboot"),
    ]
}

/// The role an instance reported in INFO.
public enum ReportedRole: Equatable, Sendable {
    case master
    case replica
}

/// One master, replica or sentinel as a sentinel tracks it (Redis's `sentinelRedisInstance`): its address, flags,
/// what its link last saw, and what its INFO last said. Times are the core's clock, in ms; 0 means never.
public struct SentinelInstance: Sendable {
    /// The master's configured name; `host:port` for a replica; the run id for a sentinel.
    public var name: String
    public var address: SentinelAddress
    public var flags: SentinelFlags
    public var runID: String?
    public var configEpoch: UInt64 = 0

    // The link (Redis's instanceLink).
    public var linkConnected = false
    /// When the command link was lost (or created, before it first connected).
    public var linkDisconnectedSince: Int64
    public var linkConnectedSince: Int64 = 0
    public var lastReconnectAttempt: Int64 = 0
    public var pendingCommands = 0
    /// When the oldest PING without a reply was sent, 0 when none is pending.
    public var activePingTime: Int64
    public var lastPingTime: Int64 = 0
    /// Last reply of any kind to PING, and last acceptable one (+PONG, -LOADING, -MASTERDOWN).
    public var lastPongTime: Int64
    public var lastAvailableTime: Int64
    /// Last message on the pub/sub link (masters and replicas).
    public var lastPubSubActivity: Int64
    public var pubSubConnected = false
    public var lastHelloSent: Int64 = 0
    public var lastHelloReceived: Int64 = 0
    /// Last IS-MASTER-DOWN-BY-ADDR reply from this sentinel.
    public var lastMasterDownReply: Int64 = 0

    // SDOWN / ODOWN.
    public var subjectivelyDownSince: Int64 = 0
    public var objectivelyDownSince: Int64 = 0

    // INFO.
    public var infoRefreshed: Int64 = 0
    public var infoText: String?
    public var roleReported: ReportedRole
    public var roleReportedTime: Int64
    /// A replica's master as its INFO reports it, and when that last changed.
    public var replicaMasterHost: String?
    public var replicaMasterPort = 0
    public var replicaMasterLinkUp = false
    public var replicaConfigChangeTime: Int64
    public var masterLinkDownTime: Int64 = 0
    public var replicaPriority = 100
    public var replicaOffset: Int64 = 0
    public var replicaAnnounced = true
    public var masterRebootSince: Int64 = 0

    // Leader election, as seen from this sentinel: whom it voted for, in which epoch.
    public var leader: String?
    public var leaderEpoch: UInt64 = 0

    // A replica during a failover.
    public var reconfigurationSentTime: Int64 = 0

    init(name: String, address: SentinelAddress, flags: SentinelFlags, now: Int64) {
        self.name = name
        self.address = address
        self.flags = flags
        linkDisconnectedSince = now
        activePingTime = now
        lastPongTime = now
        lastAvailableTime = now
        lastPubSubActivity = now
        roleReported = flags.contains(.master) ? .master : .replica
        roleReportedTime = now
        replicaConfigChangeTime = now
    }

    public var isSubjectivelyDown: Bool { flags.contains(.subjectivelyDown) }

    /// The flags field of SENTINEL MASTER/REPLICAS/SENTINELS.
    public var flagsDescription: String {
        var words = SentinelFlags.names.filter { flags.contains($0.0) }.map(\.1)
        if !linkConnected { words.append("disconnected") }
        words += SentinelFlags.laterNames.filter { flags.contains($0.0) }.map(\.1)
        return words.joined(separator: ",")
    }
}
