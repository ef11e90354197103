import SwredisConfig

#if canImport(Glibc)
import Glibc
#endif

/// Where a sentinel keeps its state (myid, epochs, votes, known replicas and sentinels, the current master
/// address): rewritten into its own config file, as redis-sentinel does, or — under the supervisor, whose declared
/// files are never written — into a state file read after the declared one.
public enum SentinelPersistence {
    /// The config file itself (operator lines and comments kept; `sentinel` lines replaced in place).
    case configFile(path: String, store: ConfigStore)
    /// A file of `sentinel` lines only, replaced whole.
    case stateFile(path: String)

    /// Every `sentinel` option the state owns: old lines of these are replaced or removed, never left stale.
    static let ownedKeys: Set<String> = Set(
        [
            "myid", "deny-scripts-reconfig", "resolve-hostnames", "announce-hostnames", "monitor",
            "down-after-milliseconds", "failover-timeout", "parallel-syncs", "notification-script",
            "client-reconfig-script", "auth-pass", "auth-user", "master-reboot-down-after-period", "config-epoch",
            "leader-epoch", "known-replica", "known-slave", "known-sentinel", "rename-command", "current-epoch",
            "announce-ip", "announce-port", "sentinel-user", "sentinel-pass",
        ].map { "sentinel " + $0 })

    public struct SaveError: Error, CustomStringConvertible {
        public let description: String
    }

    func save(core: SentinelCore, globals: SentinelGlobals) throws {
        let lines = SentinelConfiguration.rewriteLines(core: core, globals: globals)
        switch self {
        case .configFile(let path, let store):
            var rewriter = ConfigRewriter(store: store, path: path)
            rewriter.sentinelLines = lines
            rewriter.sentinelKeys = Self.ownedKeys
            do {
                try rewriter.rewrite()
            } catch {
                throw SaveError(description: "\(error)")
            }
        case .stateFile(let path):
            let text =
                "# swredis sentinel state: written by the sentinel, read after its declared file. Do not edit.\n"
                + lines.joined(separator: "\n") + "\n"
            var rewriter = ConfigRewriter(store: ConfigStore(), path: path)
            rewriter.sentinelLines = nil
            do {
                try rewriter.writeAtomically(text)
            } catch {
                throw SaveError(description: "\(error)")
            }
        }
    }
}
