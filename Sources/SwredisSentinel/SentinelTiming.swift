/// Sentinel's fixed periods and limits (Redis 7.0's `sentinel.c`), in milliseconds unless named otherwise.
public enum SentinelTiming {
    /// PING each instance at least this often (or every down-after-milliseconds when that is shorter).
    public static let pingPeriod: Int64 = 1000
    /// INFO to masters and replicas; every second instead for a replica whose master is in ODOWN or failing over,
    /// or whose link to its master is down.
    public static let infoPeriod: Int64 = 10_000
    public static let fastInfoPeriod: Int64 = 1000
    /// Hello messages to every instance.
    public static let publishPeriod: Int64 = 2000
    /// IS-MASTER-DOWN-BY-ADDR to other sentinels while the master is SDOWN; replies older than 5 periods count as
    /// "not down".
    public static let askPeriod: Int64 = 1000
    public static let defaultDownAfter: Int64 = 30_000
    public static let defaultFailoverTimeout: Int64 = 180_000
    public static let defaultParallelSyncs = 1
    /// A clock jump (or a stall) longer than this enters TILT, which lasts `tiltPeriod` after the last jump.
    public static let tiltTrigger: Int64 = 2000
    public static let tiltPeriod: Int64 = pingPeriod * 30
    /// How long a candidate waits for a majority before giving up the election.
    public static let electionTimeout: Int64 = 10_000
    /// Random delay added to a failover's start, so sentinels rarely ask for votes at the same moment.
    public static let maximumDesync: Int64 = 1000
    /// A replica told to follow the new master that has not started within this counts as done.
    public static let replicaReconfigurationTimeout: Int64 = 10_000
    /// Links with more commands than this awaiting replies are not sent more.
    public static let maximumPendingCommands = 100
    public static let minimumLinkReconnectPeriod: Int64 = 15_000
    public static let helloChannel = "__sentinel__:hello"
    public static let defaultMasterRebootDownAfter: Int64 = 0

    /// Scripts (notification-script, client-reconfig-script).
    public static let scriptQueueLimit = 256
    public static let scriptRunningLimit = 16
    public static let scriptMaximumRuntime: Int64 = 60_000
    public static let scriptMaximumRetries = 10
    public static let scriptRetryDelay: Int64 = 30_000
}
