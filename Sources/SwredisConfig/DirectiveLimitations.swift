/// What swredis does not do of the Redis 7.0 directives it accepts, in one place. Every Redis 7.0 directive is in
/// `DirectiveTable`, so an operator's redis.conf loads; a directive whose feature is missing says so instead of
/// silently doing nothing:
/// - refused (a fatal config error, and CONFIG SET fails) where running without the feature would be unsafe:
///   ACL files, the cluster bus, TLS listeners and links;
/// - a warning (at start-up and from `swredisd check`) where it only changes tuning or side behaviour.
/// A limitation applies only when the directive asks for something other than what swredis behaves as.
public struct DirectiveLimitation: Sendable {
    /// The value swredis behaves as (as CONFIG GET shows it); nil: the directive's default.
    public let behavesAs: String?
    /// Whether asking for another value is refused rather than warned about.
    public let refused: Bool
    /// What is missing, for the message.
    public let note: String

    static func warn(_ note: String, behavesAs: String? = nil) -> DirectiveLimitation {
        DirectiveLimitation(behavesAs: behavesAs, refused: false, note: note)
    }

    static func refuse(_ note: String, behavesAs: String? = nil) -> DirectiveLimitation {
        DirectiveLimitation(behavesAs: behavesAs, refused: true, note: note)
    }
}

/// A directive set to a value whose behaviour swredis does not provide (not fatal).
public struct ConfigWarning: Equatable, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int
    public let message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { "\(file):\(line): warning: \(message)" }
}

public enum DirectiveLimitations {
    static let noTLS = "TLS is not implemented"
    static let noDefrag = "there is no active defragmentation (glibc malloc, not jemalloc)"
    static let noLazyFree = "values are always freed synchronously"
    static let noStreams = "streams are not implemented"
    static let noLatency = "the LATENCY monitor and latency tracking are not implemented"

    /// Limitations by directive name (the table's name, not an alias).
    public static let byName: [String: DirectiveLimitation] = [
        // Refused: silently running open, standalone or in plain text would be unsafe.
        "aclfile": .refuse("ACL users are not implemented, so the file's users and permissions would not apply"),
        "tls-port": .refuse("TLS is not implemented; no TLS listener can be opened"),
        "tls-replication": .refuse("TLS is not implemented; replication links would be plain text"),
        "tls-cluster": .refuse("TLS is not implemented; the cluster bus would be plain text"),
        // Warned about.
        "io-threads": .warn("clients are served by one event-loop thread"),
        "io-threads-do-reads": .warn("clients are served by one event-loop thread"),
        "socket-mark-id": .warn("sockets are not marked"),
        "bind-source-addr": .warn("outgoing connections use the kernel's choice of source address"),
        "syslog-enabled": .warn("logs go to the logfile, stdout or (under swredisd) the journal, not syslog"),
        "syslog-ident": .warn("syslog is not used"),
        "syslog-facility": .warn("syslog is not used"),
        "crash-log-enabled": .warn("no crash report is written", behavesAs: "no"),
        "crash-memcheck-enabled": .warn("no memory test runs after a crash", behavesAs: "no"),
        "always-show-logo": .warn("the ASCII logo is never shown"),
        "set-proc-title": .warn("the process title is not changed", behavesAs: "no"),
        "proc-title-template": .warn("the process title is not changed"),
        "locale-collate": .warn("strings always compare byte by byte (the C locale)"),
        "dynamic-hz": .warn("the cron runs at the configured hz whatever the number of clients", behavesAs: "no"),
        "activerehashing": .warn("hash tables are resized in one step, not rehashed incrementally"),
        "enable-module-command": .warn("modules are not supported"),
        "acllog-max-len": .warn("ACL LOG is not implemented"),
        "acl-pubsub-default": .warn("ACL users are not implemented"),
        "rdb-del-sync-files": .warn("RDB files written for replication are kept"),
        "rdb-save-incremental-fsync": .warn("snapshot files are fsynced once, when complete"),
        "repl-diskless-load": .warn("a replica always loads the master's RDB through a file on disk"),
        "replica-lazy-flush": .warn(noLazyFree),
        "maxmemory-eviction-tenacity": .warn("eviction always frees enough memory before the command runs"),
        "maxmemory-clients": .warn("client memory is not counted against a separate limit"),
        "lazyfree-lazy-eviction": .warn(noLazyFree),
        "lazyfree-lazy-expire": .warn(noLazyFree),
        "lazyfree-lazy-server-del": .warn(noLazyFree),
        "lazyfree-lazy-user-del": .warn(noLazyFree),
        "lazyfree-lazy-user-flush": .warn(noLazyFree),
        "oom-score-adj": .warn("the OOM killer's score is not adjusted"),
        "oom-score-adj-values": .warn("the OOM killer's score is not adjusted"),
        "disable-thp": .warn("transparent huge pages are left as the kernel has them", behavesAs: "no"),
        "jemalloc-bg-thread": .warn("glibc malloc is used, not jemalloc", behavesAs: "no"),
        "server_cpulist": .warn("threads are not pinned to CPUs"),
        "bio_cpulist": .warn("threads are not pinned to CPUs"),
        "aof_rewrite_cpulist": .warn("threads are not pinned to CPUs"),
        "bgsave_cpulist": .warn("threads are not pinned to CPUs"),
        "no-appendfsync-on-rewrite": .warn("appendfsync is honoured during rewrites too"),
        "aof-timestamp-enabled": .warn("no timestamp annotations are written to the AOF"),
        "aof-disable-auto-gc": .warn("history files are removed after every rewrite"),
        "aof-rewrite-incremental-fsync": .warn("a rewritten AOF is fsynced once, when complete"),
        "shutdown-timeout": .warn("shutdown does not wait for replicas to catch up"),
        "latency-monitor-threshold": .warn(noLatency),
        "latency-tracking": .warn(noLatency, behavesAs: "no"),
        "latency-tracking-info-percentiles": .warn(noLatency),
        "list-max-listpack-size": .warn("lists always use one encoding (reported as quicklist)"),
        "list-compress-depth": .warn("list nodes are never compressed"),
        "hll-sparse-max-bytes": .warn("HyperLogLog commands are not implemented"),
        "stream-node-max-bytes": .warn(noStreams),
        "stream-node-max-entries": .warn(noStreams),
        "active-expire-effort": .warn("the active expiry cycle has one effort level"),
        "activedefrag": .warn(noDefrag),
        "active-defrag-ignore-bytes": .warn(noDefrag),
        "active-defrag-threshold-lower": .warn(noDefrag),
        "active-defrag-threshold-upper": .warn(noDefrag),
        "active-defrag-cycle-min": .warn(noDefrag),
        "active-defrag-cycle-max": .warn(noDefrag),
        "active-defrag-max-scan-fields": .warn(noDefrag),
        "tracking-table-max-keys": .warn("CLIENT TRACKING is not implemented"),
        "propagation-error-behavior": .warn("a replica always ignores errors in its master's stream"),
        "replica-ignore-disk-write-errors": .warn("a replica always stops writing after a disk error"),
        "cluster-announce-tls-port": .warn(noTLS),
        "tls-cert-file": .warn(noTLS),
        "tls-key-file": .warn(noTLS),
        "tls-key-file-pass": .warn(noTLS),
        "tls-client-cert-file": .warn(noTLS),
        "tls-client-key-file": .warn(noTLS),
        "tls-client-key-file-pass": .warn(noTLS),
        "tls-dh-params-file": .warn(noTLS),
        "tls-ca-cert-file": .warn(noTLS),
        "tls-ca-cert-dir": .warn(noTLS),
        "tls-auth-clients": .warn(noTLS),
        "tls-protocols": .warn(noTLS),
        "tls-ciphers": .warn(noTLS),
        "tls-ciphersuites": .warn(noTLS),
        "tls-prefer-server-ciphers": .warn(noTLS),
        "tls-session-caching": .warn(noTLS),
        "tls-session-cache-size": .warn(noTLS),
        "tls-session-cache-timeout": .warn(noTLS),
    ]

    /// Redis 7.0 directives that are not configuration parameters (no CONFIG GET), refused with what is missing.
    public static let unsupportedDirectives: [String: String] = [
        "user": "ACL users ('user') are not supported yet: only requirepass's default user exists",
        "loadmodule": "modules ('loadmodule') are not supported",
    ]

    /// The limitation `value` of `directive` runs into, if any.
    static func limitation(_ directive: Directive, value: String) -> DirectiveLimitation? {
        guard let limitation = byName[directive.name] else { return nil }
        let behavesAs = limitation.behavesAs ?? ConfigStore.display(directive.defaultValue, of: directive)
        return value == behavesAs ? nil : limitation
    }
}
