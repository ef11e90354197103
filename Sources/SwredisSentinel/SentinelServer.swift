import NIOCore
import SwredisCommands
import SwredisConfig
import SwredisEngine
import SwredisLog
import SwredisServer

#if canImport(Glibc)
import Glibc
#endif

/// `swredisd sentinel CONF`: a server whose engine answers the sentinel command set, with `SentinelController`
/// running the monitoring on the same event loop. Run by hand it keeps its state in CONF, as redis-sentinel does.
public final class SentinelServer {
    let controller: SentinelController
    let server: EngineServer

    public enum StartupError: Error {
        /// A `sentinel` line that cannot be applied (printed as Redis's FATAL CONFIG FILE ERROR block).
        case configuration(SentinelConfiguration.LineError)
        /// Logged, then the process exits with status 1.
        case message(String)
    }

    /// A sentinel's defaults before its file is read: port 26379, no protected mode (a sentinel must be reachable),
    /// no snapshots.
    public static func applyDefaults(to store: ConfigStore) {
        store.restore("port", .integer(26379))
        store.restore("protected-mode", .bool(false))
        store.restore("save", .words([]))
        store.restore("appendonly", .bool(false))
    }

    /// `stateFile`: under the supervisor, where the state goes (the declared `configFile` is never written).
    public init(
        config: ConfigStore, configFile: String, stateFile: String?, readsStandardInput: Bool,
        configuration: SentinelConfiguration
    ) throws {
        if readsStandardInput { throw StartupError.message("Sentinel config from STDIN not allowed.") }
        guard !configFile.isEmpty else {
            throw StartupError.message("Sentinel needs config file on disk to save state. Exiting...")
        }
        let written = stateFile ?? configFile
        let writable =
            access(written, F_OK) == 0 ? access(written, W_OK) == 0 : access(Self.directory(of: written), W_OK) == 0
        guard writable else {
            throw StartupError.message(
                "Sentinel config file \(written) is not writable: \(String(cString: strerror(errno))). Exiting...")
        }
        let now = SentinelController.now()
        let generatedID = configuration.myID == nil
        var core = SentinelCore(
            myID: configuration.myID ?? Self.randomID(), listeningPort: config[.port], now: now)
        do {
            try configuration.apply(to: &core, now: now)
        } catch {
            throw StartupError.configuration(error)
        }
        let controller = SentinelController(
            core: core, globals: configuration.globals,
            persistence: stateFile.map { .stateFile(path: $0) } ?? .configFile(path: configFile, store: config))
        let password = config[.requirepass]
        controller.ownPassword = password.isEmpty ? nil : password
        self.controller = controller
        let engine = Engine(config: config, commands: try SentinelCommands.specs(controller))
        engine.mode = "sentinel"
        controller.engine = engine
        server = EngineServer(
            config: config, configFile: configFile,
            role: .sentinel(
                engine: engine,
                started: { loop, flush in
                    if generatedID { controller.flush() }
                    controller.start(on: loop, flush: flush)
                }))
    }

    public func run() -> Int32 {
        server.run()
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func randomID() -> String {
        (0..<40).map { _ in String(UInt8.random(in: 0..<16), radix: 16) }.joined()
    }
}
