/// The periods SENTINEL DEBUG shows and changes, in milliseconds, in its order (Redis 7.0's defaults).
public struct SentinelPeriods: Equatable, Sendable {
    public var infoPeriod: Int64 = 10_000
    public var pingPeriod: Int64 = 1000
    public var askPeriod: Int64 = 1000
    public var publishPeriod: Int64 = 2000
    public var defaultDownAfter: Int64 = 30_000
    public var defaultFailoverTimeout: Int64 = 180_000
    public var tiltTrigger: Int64 = 2000
    public var tiltPeriod: Int64 = 30_000
    public var replicaReconfigurationTimeout: Int64 = 10_000
    public var minimumLinkReconnectPeriod: Int64 = 15_000
    public var electionTimeout: Int64 = 10_000
    public var scriptMaximumRuntime: Int64 = 60_000
    public var scriptRetryDelay: Int64 = 30_000

    public init() {}

    /// SENTINEL DEBUG's names, in its order.
    public static let names: [(String, WritableKeyPath<SentinelPeriods, Int64>)] = [
        ("INFO-PERIOD", \.infoPeriod), ("PING-PERIOD", \.pingPeriod), ("ASK-PERIOD", \.askPeriod),
        ("PUBLISH-PERIOD", \.publishPeriod), ("DEFAULT-DOWN-AFTER", \.defaultDownAfter),
        ("DEFAULT-FAILOVER-TIMEOUT", \.defaultFailoverTimeout), ("TILT-TRIGGER", \.tiltTrigger),
        ("TILT-PERIOD", \.tiltPeriod), ("SLAVE-RECONF-TIMEOUT", \.replicaReconfigurationTimeout),
        ("MIN-LINK-RECONNECT-PERIOD", \.minimumLinkReconnectPeriod), ("ELECTION-TIMEOUT", \.electionTimeout),
        ("SCRIPT-MAX-RUNTIME", \.scriptMaximumRuntime), ("SCRIPT-RETRY-DELAY", \.scriptRetryDelay),
    ]
}

/// Sentinel's fixed limits and defaults (Redis 7.0's `sentinel.c`), in milliseconds unless named otherwise.
public enum SentinelTiming {
    /// INFO to a replica while its master is in ODOWN or failing over, or while its own master link is down.
    public static let fastInfoPeriod: Int64 = 1000
    public static let defaultDownAfter: Int64 = 30_000
    public static let defaultFailoverTimeout: Int64 = 180_000
    public static let defaultParallelSyncs = 1
    /// Random delay added to a failover's start, so sentinels rarely ask for votes at the same moment.
    public static let maximumDesync: Int64 = 1000
    /// Links with more commands than this awaiting replies are not sent more.
    public static let maximumPendingCommands = 100
    public static let helloChannel = "__sentinel__:hello"
    public static let defaultMasterRebootDownAfter: Int64 = 0

    /// Scripts (notification-script, client-reconfig-script).
    public static let scriptQueueLimit = 256
    public static let scriptRunningLimit = 16
    public static let scriptMaximumRetries = 10
}
