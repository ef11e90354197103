/// The one directive table: every configuration directive is declared here once, with its
/// type, default, bounds and whether CONFIG SET may change it. The file parser, `--directive` flags and
/// CONFIG GET/SET/REWRITE all read this table.

/// The kind of value a directive takes, with its bounds.
public enum DirectiveKind: Sendable {
    case bool
    case integer(min: Int, max: Int)
    /// A byte count that accepts units (`64mb`, `1gb`, `512k`).
    case memory(min: Int, max: Int)
    /// One of `options`; a synonym is stored (and shown) as the name it maps to, as Redis shows a value by the
    /// first name that means it (oom-score-adj `relative` is `yes`).
    case enumeration([String], synonyms: [String: String])
    case string
    /// Several arguments on one line, kept as written (`bind`, `oom-score-adj-values`, `replicaof`).
    case words(minimum: Int, maximum: Int)
    /// A directive that accumulates across lines (`save`, `client-output-buffer-limit`, `rename-command`);
    /// the table's `accumulate` function folds each line into the current value.
    case accumulating
}

/// A typed configuration value.
public enum ConfigValue: Equatable, Sendable {
    case bool(Bool)
    case integer(Int)
    case string(String)
    case words([String])

    public var asBool: Bool {
        if case .bool(let value) = self { return value }
        return false
    }
    public var asInt: Int {
        if case .integer(let value) = self { return value }
        return 0
    }
    public var asString: String {
        switch self {
        case .string(let value): return value
        case .words(let words): return words.joined(separator: " ")
        case .bool(let value): return value ? "yes" : "no"
        case .integer(let value): return String(value)
        }
    }
    public var asWords: [String] {
        if case .words(let value) = self { return value }
        return asString.isEmpty ? [] : [asString]
    }
}

/// One directive.
public struct Directive: Sendable {
    public let name: String
    public let aliases: [String]
    public let kind: DirectiveKind
    public let defaultValue: ConfigValue
    /// Whether CONFIG SET may change it while running.
    public let mutable: Bool
    /// A secret (requirepass, masterauth): SLOWLOG and MONITOR show a value CONFIG SET was given as `(redacted)`.
    public let sensitive: Bool

    public init(
        _ name: String, aliases: [String] = [], _ kind: DirectiveKind, _ defaultValue: ConfigValue,
        mutable: Bool = true, sensitive: Bool = false
    ) {
        self.name = name
        self.aliases = aliases
        self.kind = kind
        self.defaultValue = defaultValue
        self.mutable = mutable
        self.sensitive = sensitive
    }
}

extension Directive {
    static let maxLong = Int(Int64.max)
    static let maxInt = Int(Int32.max)

    static func bool(_ name: String, _ value: Bool, aliases: [String] = [], mutable: Bool = true) -> Directive {
        Directive(name, aliases: aliases, .bool, .bool(value), mutable: mutable)
    }
    static func int(_ name: String, _ value: Int, _ min: Int, _ max: Int, aliases: [String] = [], mutable: Bool = true)
        -> Directive
    {
        Directive(name, aliases: aliases, .integer(min: min, max: max), .integer(value), mutable: mutable)
    }
    static func memory(
        _ name: String, _ value: Int, _ min: Int = 0, _ max: Int = maxLong, aliases: [String] = [], mutable: Bool = true
    ) -> Directive {
        Directive(name, aliases: aliases, .memory(min: min, max: max), .integer(value), mutable: mutable)
    }
    static func choice(
        _ name: String, _ value: String, _ options: [String], synonyms: [String: String] = [:],
        aliases: [String] = [], mutable: Bool = true
    ) -> Directive {
        Directive(name, aliases: aliases, .enumeration(options, synonyms: synonyms), .string(value), mutable: mutable)
    }
    static func text(
        _ name: String, _ value: String, aliases: [String] = [], mutable: Bool = true, sensitive: Bool = false
    ) -> Directive {
        Directive(name, aliases: aliases, .string, .string(value), mutable: mutable, sensitive: sensitive)
    }
}

/// Every directive swredis knows: Redis 7.0's, so an operator's redis.conf loads unchanged.
public enum DirectiveTable {
    public static let all: [Directive] = [
        // Network
        Directive("bind", .words(minimum: 0, maximum: 16), .words(["*", "-::*"])),
        .bool("protected-mode", true),
        .int("port", 6379, 0, 65535),
        .int("tcp-backlog", 511, 0, Directive.maxInt, mutable: false),
        .text("unixsocket", "", mutable: false),
        .int("unixsocketperm", 0, 0, 0o777, mutable: false),
        .int("timeout", 0, 0, Directive.maxInt),
        .int("tcp-keepalive", 300, 0, Directive.maxInt),
        .int("maxclients", 10000, 1, Directive.maxInt),
        .memory("proto-max-bulk-len", 512 * 1024 * 1024, 1024 * 1024),
        .memory("client-query-buffer-limit", 1024 * 1024 * 1024, 1024 * 1024),
        .int("socket-mark-id", 0, 0, Int(UInt32.max)),
        .text("bind-source-addr", ""),
        .int("io-threads", 1, 1, 128, mutable: false),
        .bool("io-threads-do-reads", false, mutable: false),
        // General
        .bool("daemonize", false, mutable: false),
        .choice("supervised", "no", ["upstart", "systemd", "auto", "no"], mutable: false),
        .text("pidfile", "", mutable: false),
        .choice("loglevel", "notice", ["debug", "verbose", "notice", "warning"]),
        .text("logfile", "", mutable: false),
        .bool("syslog-enabled", false, mutable: false),
        .text("syslog-ident", "redis", mutable: false),
        .choice(
            "syslog-facility", "local0",
            ["user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"], mutable: false),
        .bool("crash-log-enabled", true),
        .bool("crash-memcheck-enabled", true),
        .int("databases", 16, 1, Directive.maxInt, mutable: false),
        .bool("always-show-logo", false, mutable: false),
        .bool("set-proc-title", true, mutable: false),
        .text("proc-title-template", "{title} {listen-addr} {server-mode}"),
        .text("locale-collate", ""),
        .int("hz", 10, 0, Directive.maxInt),
        .bool("dynamic-hz", true),
        .bool("activerehashing", true),
        .choice("enable-debug-command", "no", ["no", "yes", "local"], mutable: false),
        .bool("enable-protected-configs", false, mutable: false),
        .bool("enable-module-command", false, mutable: false),
        // Security
        .text("requirepass", "", sensitive: true),
        .text("masterauth", "", sensitive: true),
        .text("masteruser", ""),
        .int("acllog-max-len", 128, 0, Directive.maxLong),
        .text("aclfile", "", mutable: false),
        .choice("acl-pubsub-default", "resetchannels", ["allchannels", "resetchannels"]),
        Directive("rename-command", .accumulating, .words([]), mutable: false),
        // Snapshotting
        Directive("save", .accumulating, .words(["3600", "1", "300", "100", "60", "10000"])),
        .bool("stop-writes-on-bgsave-error", true),
        .bool("rdbcompression", true),
        .bool("rdbchecksum", true),
        .text("dbfilename", "dump.rdb"),
        .bool("rdb-del-sync-files", false),
        .text("dir", "."),
        .bool("rdb-save-incremental-fsync", true),
        .choice("sanitize-dump-payload", "no", ["no", "yes", "clients"]),
        // Replication
        Directive("replicaof", aliases: ["slaveof"], .words(minimum: 2, maximum: 2), .words([]), mutable: false),
        .bool("replica-serve-stale-data", true, aliases: ["slave-serve-stale-data"]),
        .bool("replica-read-only", true, aliases: ["slave-read-only"]),
        .bool("repl-diskless-sync", true),
        .int("repl-diskless-sync-delay", 5, 0, Directive.maxInt),
        .int("repl-diskless-sync-max-replicas", 0, 0, Directive.maxInt),
        .choice("repl-diskless-load", "disabled", ["disabled", "on-empty-db", "swapdb"]),
        .int("repl-ping-replica-period", 10, 1, Directive.maxInt, aliases: ["repl-ping-slave-period"]),
        .int("repl-timeout", 60, 1, Directive.maxInt),
        .bool("repl-disable-tcp-nodelay", false),
        .memory("repl-backlog-size", 1024 * 1024, 1),
        .int("repl-backlog-ttl", 3600, 0, Directive.maxInt),
        .int("replica-priority", 100, 0, Directive.maxInt, aliases: ["slave-priority"]),
        .bool("replica-announced", true),
        .text("replica-announce-ip", "", aliases: ["slave-announce-ip"]),
        .int("replica-announce-port", 0, 0, 65535, aliases: ["slave-announce-port"]),
        .int("min-replicas-to-write", 0, 0, Directive.maxInt, aliases: ["min-slaves-to-write"]),
        .int("min-replicas-max-lag", 10, 0, Directive.maxInt, aliases: ["min-slaves-max-lag"]),
        .bool("replica-ignore-maxmemory", true, aliases: ["slave-ignore-maxmemory"]),
        .bool("replica-lazy-flush", false, aliases: ["slave-lazy-flush"]),
        .choice("propagation-error-behavior", "ignore", ["ignore", "panic", "panic-on-replicas"]),
        .bool("replica-ignore-disk-write-errors", false),
        // Clients and memory
        .memory("maxmemory", 0),
        .choice(
            "maxmemory-policy", "noeviction",
            [
                "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction",
            ]),
        .int("maxmemory-samples", 5, 1, Int(Int32.max)),
        .int("maxmemory-eviction-tenacity", 10, 0, 100),
        .int("lfu-log-factor", 10, 0, Directive.maxInt),
        .int("lfu-decay-time", 1, 0, Directive.maxInt),
        Directive(
            "client-output-buffer-limit", .accumulating,
            .words([
                "normal", "0", "0", "0", "slave", "268435456", "67108864", "60", "pubsub", "33554432", "8388608", "60",
            ])),
        .memory("maxmemory-clients", 0),
        // Lazy freeing
        .bool("lazyfree-lazy-eviction", false),
        .bool("lazyfree-lazy-expire", false),
        .bool("lazyfree-lazy-server-del", false),
        .bool("lazyfree-lazy-user-del", false),
        .bool("lazyfree-lazy-user-flush", false),
        // OS
        .choice("oom-score-adj", "no", ["no", "yes", "relative", "absolute"], synonyms: ["relative": "yes"]),
        Directive("oom-score-adj-values", .words(minimum: 3, maximum: 3), .words(["0", "200", "800"])),
        .bool("disable-thp", true),
        .bool("jemalloc-bg-thread", true),
        .text("server_cpulist", "", mutable: false),
        .text("bio_cpulist", "", mutable: false),
        .text("aof_rewrite_cpulist", "", mutable: false),
        .text("bgsave_cpulist", "", mutable: false),
        .text("ignore-warnings", ""),
        // Append only file
        .bool("appendonly", false),
        .text("appendfilename", "appendonly.aof", mutable: false),
        .text("appenddirname", "appendonlydir", mutable: false),
        .choice("appendfsync", "everysec", ["always", "everysec", "no"]),
        .bool("no-appendfsync-on-rewrite", false),
        .int("auto-aof-rewrite-percentage", 100, 0, Directive.maxInt),
        .memory("auto-aof-rewrite-min-size", 64 * 1024 * 1024),
        .bool("aof-load-truncated", true),
        .bool("aof-use-rdb-preamble", true),
        .bool("aof-timestamp-enabled", false),
        .bool("aof-rewrite-incremental-fsync", true),
        .bool("aof-disable-auto-gc", false),
        // Shutdown
        .int("shutdown-timeout", 10, 0, Directive.maxInt),
        .choice("shutdown-on-sigint", "default", ["default", "save", "nosave", "now", "force"]),
        .choice("shutdown-on-sigterm", "default", ["default", "save", "nosave", "now", "force"]),
        // Monitoring
        .int("slowlog-log-slower-than", 10000, -1, Directive.maxLong),
        .int("slowlog-max-len", 128, 0, Directive.maxLong),
        .int("latency-monitor-threshold", 0, 0, Directive.maxLong),
        .text("latency-tracking-info-percentiles", "50 99 99.9"),
        .bool("latency-tracking", true),
        .text("notify-keyspace-events", ""),
        // Encodings (reported for compatibility)
        .int("hash-max-listpack-entries", 512, 0, Directive.maxLong, aliases: ["hash-max-ziplist-entries"]),
        .memory("hash-max-listpack-value", 64, 0, Directive.maxLong, aliases: ["hash-max-ziplist-value"]),
        .int("list-max-listpack-size", -2, Int(Int32.min), Directive.maxInt, aliases: ["list-max-ziplist-size"]),
        .int("list-compress-depth", 0, 0, Directive.maxInt),
        .int("set-max-intset-entries", 512, 0, Directive.maxLong),
        .int("zset-max-listpack-entries", 128, 0, Directive.maxLong, aliases: ["zset-max-ziplist-entries"]),
        .memory("zset-max-listpack-value", 64, 0, Directive.maxLong, aliases: ["zset-max-ziplist-value"]),
        .memory("hll-sparse-max-bytes", 3000, 0, Directive.maxLong),
        .memory("stream-node-max-bytes", 4096, 0, Directive.maxLong),
        .int("stream-node-max-entries", 100, 0, Directive.maxLong),
        .int("active-expire-effort", 1, 1, 10),
        .bool("activedefrag", false),
        .memory("active-defrag-ignore-bytes", 100 << 20, 1, Directive.maxLong),
        .int("active-defrag-threshold-lower", 10, 0, 1000),
        .int("active-defrag-threshold-upper", 100, 0, 1000),
        .int("active-defrag-cycle-min", 1, 1, 99),
        .int("active-defrag-cycle-max", 25, 1, 99),
        .int("active-defrag-max-scan-fields", 1000, 1, Directive.maxLong),
        .int("busy-reply-threshold", 5000, 0, Directive.maxLong, aliases: ["lua-time-limit"]),
        .int("tracking-table-max-keys", 1_000_000, 0, Directive.maxLong),
        // Cluster (reported; cluster mode arrives later)
        .bool("cluster-enabled", false, mutable: false),
        .text("cluster-config-file", "nodes.conf", mutable: false),
        .int("cluster-node-timeout", 15000, 0, Directive.maxLong),
        .int("cluster-port", 0, 0, 65535, mutable: false),
        .bool("cluster-require-full-coverage", true),
        .int("cluster-migration-barrier", 1, 0, Directive.maxInt),
        .bool("cluster-allow-reads-when-down", false),
        .text("cluster-announce-ip", ""),
        .bool("cluster-allow-pubsubshard-when-down", true),
        .bool("cluster-allow-replica-migration", true),
        .text("cluster-announce-hostname", ""),
        .int("cluster-announce-port", 0, 0, 65535),
        .int("cluster-announce-bus-port", 0, 0, 65535),
        .int("cluster-announce-tls-port", 0, 0, 65535),
        .memory("cluster-link-sendbuf-limit", 0),
        .choice("cluster-preferred-endpoint-type", "ip", ["ip", "hostname", "unknown-endpoint"]),
        .bool("cluster-replica-no-failover", false, aliases: ["cluster-slave-no-failover"]),
        .int("cluster-replica-validity-factor", 10, 0, Directive.maxInt, aliases: ["cluster-slave-validity-factor"]),
        // TLS (refused or reported: see DirectiveLimitations)
        .int("tls-port", 0, 0, 65535),
        .bool("tls-replication", false),
        .bool("tls-cluster", false),
        .text("tls-cert-file", ""),
        .text("tls-key-file", ""),
        .text("tls-key-file-pass", ""),
        .text("tls-client-cert-file", ""),
        .text("tls-client-key-file", ""),
        .text("tls-client-key-file-pass", ""),
        .text("tls-dh-params-file", ""),
        .text("tls-ca-cert-file", ""),
        .text("tls-ca-cert-dir", ""),
        .choice("tls-auth-clients", "yes", ["yes", "no", "optional"]),
        .text("tls-protocols", ""),
        .text("tls-ciphers", ""),
        .text("tls-ciphersuites", ""),
        .bool("tls-prefer-server-ciphers", false),
        .bool("tls-session-caching", true),
        .int("tls-session-cache-size", 20480, 0, Directive.maxInt),
        .int("tls-session-cache-timeout", 300, 0, Directive.maxInt),
    ]

    /// Lookup by lower-cased name or alias.
    public static let byName: [String: Directive] = {
        var table: [String: Directive] = [:]
        for directive in all {
            table[directive.name] = directive
            for alias in directive.aliases { table[alias] = directive }
        }
        return table
    }()
}
