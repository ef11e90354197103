/// Names of the directives the code reads, one enum per value type, so a reading is checked by the compiler: a
/// misspelt name does not compile, and reading a number as text does not either (`config[.hz]` is an `Int`).
/// `SettingsTests` checks that every case names a directive of the table with a value of that type. Code that
/// reads a directive by a name it was given at run time (CONFIG GET/SET, REWRITE) uses the table itself.

/// Directives read as `Bool`.
public enum BoolSetting: String, CaseIterable, Sendable {
    case aofLoadTruncated = "aof-load-truncated"
    case aofUseRdbPreamble = "aof-use-rdb-preamble"
    case appendonly
    case clusterAllowPubsubshardWhenDown = "cluster-allow-pubsubshard-when-down"
    case clusterAllowReadsWhenDown = "cluster-allow-reads-when-down"
    case clusterAllowReplicaMigration = "cluster-allow-replica-migration"
    case clusterEnabled = "cluster-enabled"
    case clusterReplicaNoFailover = "cluster-replica-no-failover"
    case clusterRequireFullCoverage = "cluster-require-full-coverage"
    case daemonize
    case protectedMode = "protected-mode"
    case rdbchecksum
    case rdbcompression
    case replDisableTcpNodelay = "repl-disable-tcp-nodelay"
    case replDisklessSync = "repl-diskless-sync"
    case replicaAnnounced = "replica-announced"
    case replicaIgnoreMaxmemory = "replica-ignore-maxmemory"
    case replicaReadOnly = "replica-read-only"
    case replicaServeStaleData = "replica-serve-stale-data"
    case stopWritesOnBgsaveError = "stop-writes-on-bgsave-error"
}

/// Directives read as `Int`.
public enum IntSetting: String, CaseIterable, Sendable {
    case autoAofRewriteMinSize = "auto-aof-rewrite-min-size"
    case autoAofRewritePercentage = "auto-aof-rewrite-percentage"
    case busyReplyThreshold = "busy-reply-threshold"
    case clusterAnnounceBusPort = "cluster-announce-bus-port"
    case clusterAnnouncePort = "cluster-announce-port"
    case clusterLinkSendbufLimit = "cluster-link-sendbuf-limit"
    case clusterMigrationBarrier = "cluster-migration-barrier"
    case clusterNodeTimeout = "cluster-node-timeout"
    case clusterReplicaValidityFactor = "cluster-replica-validity-factor"
    case clusterPort = "cluster-port"
    case clientQueryBufferLimit = "client-query-buffer-limit"
    case databases
    case hashMaxListpackEntries = "hash-max-listpack-entries"
    case hashMaxListpackValue = "hash-max-listpack-value"
    case hz
    case lfuDecayTime = "lfu-decay-time"
    case lfuLogFactor = "lfu-log-factor"
    case maxclients
    case maxmemory
    case maxmemorySamples = "maxmemory-samples"
    case minReplicasMaxLag = "min-replicas-max-lag"
    case minReplicasToWrite = "min-replicas-to-write"
    case port
    case protoMaxBulkLen = "proto-max-bulk-len"
    case replBacklogSize = "repl-backlog-size"
    case replBacklogTtl = "repl-backlog-ttl"
    case replDisklessSyncDelay = "repl-diskless-sync-delay"
    case replDisklessSyncMaxReplicas = "repl-diskless-sync-max-replicas"
    case replPingReplicaPeriod = "repl-ping-replica-period"
    case replTimeout = "repl-timeout"
    case replicaAnnouncePort = "replica-announce-port"
    case replicaPriority = "replica-priority"
    case setMaxIntsetEntries = "set-max-intset-entries"
    case slowlogLogSlowerThan = "slowlog-log-slower-than"
    case slowlogMaxLen = "slowlog-max-len"
    case tcpBacklog = "tcp-backlog"
    case tcpKeepalive = "tcp-keepalive"
    case timeout
    case unixsocketperm
    case zsetMaxListpackEntries = "zset-max-listpack-entries"
    case zsetMaxListpackValue = "zset-max-listpack-value"
}

/// Directives read as `String`.
public enum StringSetting: String, CaseIterable, Sendable {
    case shutdownOnSigint = "shutdown-on-sigint"
    case shutdownOnSigterm = "shutdown-on-sigterm"
    case appenddirname
    case appendfilename
    case appendfsync
    case clusterAnnounceHostname = "cluster-announce-hostname"
    case clusterAnnounceIp = "cluster-announce-ip"
    case clusterConfigFile = "cluster-config-file"
    case clusterPreferredEndpointType = "cluster-preferred-endpoint-type"
    case dbfilename
    case dir
    case enableDebugCommand = "enable-debug-command"
    case logfile
    case loglevel
    case masterauth
    case masteruser
    case maxmemoryPolicy = "maxmemory-policy"
    case notifyKeyspaceEvents = "notify-keyspace-events"
    case pidfile
    case replicaAnnounceIp = "replica-announce-ip"
    case requirepass
    case supervised
    case unixsocket
}

/// Directives read as `[String]`.
public enum WordsSetting: String, CaseIterable, Sendable {
    case bind
    case clientOutputBufferLimit = "client-output-buffer-limit"
    case renameCommand = "rename-command"
    case replicaof
    case save
}

extension ConfigStore {
    public subscript(_ setting: BoolSetting) -> Bool { bool(setting.rawValue) }
    public subscript(_ setting: IntSetting) -> Int { int(setting.rawValue) }
    public subscript(_ setting: StringSetting) -> String { string(setting.rawValue) }
    public subscript(_ setting: WordsSetting) -> [String] { words(setting.rawValue) }
}
