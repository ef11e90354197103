import Dispatch
import NIOCore
import NIOPosix
import SwredisCluster
import SwredisCommands
import SwredisConfig
import SwredisEngine
import SwredisLog
import SwredisPersistence
import SwredisReplication
import SwredisStorage
import SwredisSystemd

#if canImport(Glibc)
import Glibc
#endif

/// `swredisd server`: the engine behind its listeners, on one event loop that owns all data.
///
/// Startup follows redis-server: log the banner, bind every `bind` address (a `-` prefix marks an address
/// that may be missing), the unix socket, write the pidfile, start the cron (`hz`), tell the service manager
/// we are ready. SIGTERM/SIGINT and SHUTDOWN stop it gracefully.
/// What a server process runs: a data server, or a sentinel, whose module brings an engine with its own command set
/// and starts its own work on the loop once the listeners are up.
public enum ServerRole {
    case data
    /// `started` gets the loop and a function that flushes replies written outside a client's command.
    case sentinel(engine: Engine, started: (EventLoop, @escaping () -> Void) -> Void)
}

public final class EngineServer: @unchecked Sendable, EngineHost {
    public let config: ConfigStore
    public let engine: Engine
    let group: MultiThreadedEventLoopGroup
    var loop: EventLoop { group.next() }
    private var listeners: [Channel] = []
    private var unixListener: Channel?
    /// The client connections and what their handlers ask of the server.
    let clients: ClientRegistry
    private var signalSources: [DispatchSourceSignal] = []
    /// The replica side's connection to its master.
    private var masterLink: MasterLink?
    private let exitPromise: EventLoopPromise<Int32>
    private var notifySystemd = false
    private var shuttingDown = false
    private let role: ServerRole
    private var isSentinel: Bool {
        if case .sentinel = role { return true }
        return false
    }

    public init(config: ConfigStore, configFile: String, role: ServerRole = .data) {
        self.config = config
        self.role = role
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        exitPromise = group.next().makePromise(of: Int32.self)
        let engine: Engine
        switch role {
        case .data: engine = Engine(config: config)
        case .sentinel(let sentinelEngine, _): engine = sentinelEngine
        }
        self.engine = engine
        clients = ClientRegistry(engine: engine, loop: group.next())
        engine.configFile = configFile
        engine.executablePath = EngineServer.executablePath()
        engine.host = self
        config.observeChanges { [weak self] names in self?.configurationChanged(names) }
    }

    /// Starts everything and blocks until shutdown; returns the process exit status.
    public func run() -> Int32 {
        do {
            try start()
        } catch {
            if !(error is StartupError) { serverLog(.warning, "\(error)") }
            exitPromise.succeed(1)
            try? group.syncShutdownGracefully()
            return 1
        }
        // The loop's channels are closed by then; the process exits without waiting for the group to wind down.
        return (try? exitPromise.futureResult.wait()) ?? 1
    }

    // MARK: Startup

    private func start() throws {
        // A replica from the config file logs as one (`pid:S`) from its first line, as in Redis.
        let master = config[.replicaof]
        if !isSentinel, master.count == 2, let masterPort = Int(master[1]) {
            engine.configureReplica(of: master[0], port: masterPort)
        }
        let supervised = config[.supervised]
        notifySystemd = (supervised == "systemd" || supervised == "auto") && ServiceNotifier.isSupervised
        if supervised == "systemd" && !ServiceNotifier.isSupervised {
            serverLog(.warning, "systemd supervision requested or auto-detected, but no socket was found.")
        }
        if notifySystemd {
            serverLog(
                .notice,
                "Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit."
            )
            ServiceNotifier.status("Starting")
        }
        if config[.daemonize] {
            serverLog(
                .notice,
                "daemonize yes is ignored: swredisd always runs in the foreground (systemd and the swredisd supervisor manage the process)."
            )
        }
        let port = config[.port]
        engine.tcpPort = port
        if !isSentinel && config[.clusterEnabled] { try startCluster(port: port) }
        serverLog(.notice, "monotonic clock: POSIX clock_gettime")
        serverLog(.notice, "Running mode=\(engine.mode), port=\(port).")
        // Until the dataset is loaded (the load starts on the loop right after), commands get -LOADING: a client
        // that connects first must never see an empty dataset.
        if !isSentinel { engine.persistence.loading = true }
        try bindListeners(port: port)
        try startClusterBus(port: port)
        try bindUnixSocket()
        writePidfile()
        let loop = self.loop
        engine.runOnEngineThread = { body in loop.execute(body) }
        engine.runOnEngineThreadAfter = { milliseconds, body in
            loop.scheduleTask(in: .milliseconds(Int64(milliseconds))) { body() }
        }
        if case .sentinel(_, let started) = role {
            startCron()
            installSignalHandlers()
            loop.execute {
                started(loop) { [unowned self] in self.clients.flushOtherClients() }
                self.becomeReady()
            }
            return
        }
        serverLog(.notice, "Server initialized")
        masterLink = MasterLink(engine: engine, loop: loop) { [unowned self] in self.clients.flushOtherClients() }
        engine.masterLink = masterLink
        startCron()
        installSignalHandlers()
        loop.execute { self.loadDataset() }
    }

    /// Loads the RDB file on a background thread while clients connect and get `-LOADING`; the service is
    /// ready (sd_notify READY=1) once the data is in. A file that cannot be read stops the server, like Redis.
    private func loadDataset() {
        if config[.appendonly] {
            loadAppendOnly()
            return
        }
        let path = config[.dbfilename]
        guard access(path, F_OK) == 0 else {
            engine.persistence.loading = false
            becomeReady()
            return
        }
        let started = Engine.monotonicMicroseconds()
        let notify = notifySystemd
        DatasetLoader(engine: engine, path: path).loadInBackground(
            into: engine,
            progress: { loaded, total in
                guard notify else { return }
                ServiceNotifier.status("Loading \(path): \(loaded * 100 / max(total, 1))%")
                ServiceNotifier.extendTimeout(microseconds: 10_000_000)
            },
            completion: { self.finishLoading($0, startedAt: started) })
    }

    /// `appendonly yes`: the AOF, not the RDB file, holds the dataset: its RDB base loads in the background,
    /// then its command files replay on the loop in slices (clients get `-LOADING` in between).
    private func loadAppendOnly() {
        let startup: AppendOnlyStartup?
        do {
            startup = try engine.prepareAppendOnlyLoad()
        } catch {
            failStartup(error)
            return
        }
        guard let startup else {
            openAppendOnlyAndBecomeReady(startedAt: nil)
            return
        }
        let started = Engine.monotonicMicroseconds()
        engine.persistence.loading = true
        engine.persistence.loadingStartedAt = Engine.unixMilliseconds()
        guard let base = startup.rdbBase else {
            replay(engine.makeAppendOnlyReplay(startup), startedAt: started)
            return
        }
        DatasetLoader(engine: engine, path: base, keepExpired: true).loadInBackground(into: engine) { result in
            switch result {
            case .success(let loaded):
                serverLog(.notice, "Reading RDB base file on AOF loading...")
                self.engine.install(loaded, startedAt: started)
                self.engine.persistence.loading = true
                self.replay(self.engine.makeAppendOnlyReplay(startup), startedAt: started)
            case .failure(let error):
                self.failStartup(error)
            }
        }
    }

    /// Replays a slice of AOF commands, then yields to the loop and continues.
    private func replay(_ replay: AOFReplay, startedAt: Int) {
        do {
            let finished = try replay.step(budget: 20_000)
            reportAppendOnlyProgress(replay)
            if finished {
                engine.persistence.loading = false
                let seconds = Double(Engine.monotonicMicroseconds() - startedAt) / 1_000_000
                serverLog(.notice, "DB loaded from append only file: \(Engine.formatSeconds(seconds)) seconds")
                openAppendOnlyAndBecomeReady(startedAt: startedAt)
            } else {
                // A task that queues itself with `execute` runs again in the same loop tick (NIO drains every
                // ready task before polling sockets); a 1 ms timer lets clients in between slices.
                loop.scheduleTask(in: .milliseconds(1)) { self.replay(replay, startedAt: startedAt) }
            }
        } catch {
            failStartup(error)
        }
    }

    private var lastProgressReport = 0

    /// INFO loading_* and, under systemd, STATUS= with EXTEND_TIMEOUT_USEC while the AOF replays.
    private func reportAppendOnlyProgress(_ replay: AOFReplay) {
        engine.persistence.loadingLoadedBytes = replay.bytesReplayed
        engine.persistence.loadingTotalBytes = replay.totalBytes
        let now = Engine.monotonicMicroseconds()
        guard notifySystemd, now - lastProgressReport > 200_000 else { return }
        lastProgressReport = now
        ServiceNotifier.status("Loading append only file: \(replay.bytesReplayed * 100 / max(replay.totalBytes, 1))%")
        ServiceNotifier.extendTimeout(microseconds: 10_000_000)
    }

    private func openAppendOnlyAndBecomeReady(startedAt: Int?) {
        engine.persistence.loading = false
        do {
            try engine.openAppendOnlyAfterLoad()
        } catch {
            failStartup(error)
            return
        }
        becomeReady()
    }

    private func failStartup(_ error: Error) {
        engine.persistence.loading = false
        if let error = error as? FileError {
            serverLog(.warning, "Fatal error loading the DB: \(error.reason) (\(error.path)). Exiting.")
        } else {
            logLoadFailure(error)
        }
        exitPromise.succeed(1)
    }

    private func finishLoading(_ result: Result<LoadedDataset, Error>, startedAt: Int) {
        switch result {
        case .success(let loaded):
            engine.install(loaded, startedAt: startedAt)
            engine.adoptReplicationInfo(auxValue: loaded.summary.auxValue)
            becomeReady()
        case .failure(let error as FileError):
            serverLog(.warning, "Fatal error loading the DB: \(error.reason). Exiting.")
            exitPromise.succeed(1)
        case .failure(let error):
            logLoadFailure(error)
            exitPromise.succeed(1)
        }
    }

    /// Redis's wording for an RDB file that cannot be loaded.
    private func logLoadFailure(_ error: Error) {
        guard let error = error as? RDBError else {
            serverLog(.warning, "\(error)")
            serverLog(.warning, "Fatal error loading the DB, check server logs. Exiting.")
            return
        }
        if error.reason.hasPrefix("Wrong signature") {
            serverLog(.warning, error.reason)
            serverLog(.warning, "Fatal error loading the DB: Invalid argument. Exiting.")
            return
        }
        if error.reason.hasPrefix("Unexpected EOF") || error.reason.hasPrefix("Short read") {
            serverLog(.warning, "Short read or OOM loading DB. Unrecoverable error, aborting now.")
        } else {
            serverLog(.warning, error.reason)
        }
        serverLog(.warning, "Internal error in RDB reading offset \(error.offset) -> \(error.reason)")
        serverLog(.warning, "Fatal error loading the DB, check server logs. Exiting.")
    }

    private func becomeReady() {
        engine.startupMemory = ProcessMetrics.allocatedBytes()
        engine.replication.linkEnabled = true
        engine.connectToMaster()
        serverLog(.notice, "Ready to accept connections")
        if notifySystemd { ServiceNotifier.ready(status: "Ready to accept connections") }
    }

    private func makeBootstrap(ipv6Only: Bool = false) -> ServerBootstrap {
        let keepalive = config[.tcpKeepalive]
        var bootstrap = ServerBootstrap(group: group)
        if ipv6Only {
            // Like Redis: an IPv6 listener takes IPv6 only, so `bind * ::*` can hold both families on one port.
            bootstrap = bootstrap.serverChannelOption(
                ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only), value: 1)
        }
        return
            bootstrap
            .serverChannelOption(ChannelOptions.backlog, value: Int32(clamping: config[.tcpBacklog]))
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.so_keepalive), value: keepalive > 0 ? 1 : 0)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            .childChannelOption(
                ChannelOptions.recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 16 * 1024, maximum: 1024 * 1024)
            )
            .childChannelInitializer { [unowned self] channel in
                if keepalive > 0, !ClientRegistry.isUnixChannel(channel) {
                    _ = try? channel.syncOptions?.setOption(
                        ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_KEEPIDLE)),
                        value: keepalive)
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ClientHandler(clients: clients))
                }
            }
    }

    private func bindListeners(port: Int) throws {
        guard port != 0 else { return }
        for (host, optional) in bindAddresses {
            do {
                let channel = try makeBootstrap(ipv6Only: host.contains(":")).bind(host: host, port: port).wait()
                listeners.append(channel)
            } catch {
                let reason = EngineServer.describe(error)
                if optional
                    && (reason.contains("Address family not supported")
                        || reason.contains("Cannot assign requested address")
                        || reason.contains("protocol not supported"))
                {
                    serverLog(.notice, "Skipping optional bind address \(host):\(port): \(reason)")
                    continue
                }
                serverLog(
                    .warning,
                    "Warning: Could not create server TCP listening socket \(host == "0.0.0.0" ? "*" : host):\(port): \(reason)"
                )
                serverLog(.warning, "Failed listening on port \(port) (TCP), aborting.")
                throw StartupError.listen
            }
        }
        if listeners.isEmpty {
            serverLog(.warning, "Failed listening on port \(port) (TCP), aborting.")
            throw StartupError.listen
        }
    }

    /// The `bind` addresses (all interfaces when none is set), wildcards spelt out, each marked optional when a `-`
    /// prefix says it may be missing. The cluster bus listens on the same ones.
    var bindAddresses: [(host: String, optional: Bool)] {
        (config[.bind].isEmpty ? ["*", "-::*"] : config[.bind]).map { entry in
            let optional = entry.hasPrefix("-")
            let host = optional ? String(entry.dropFirst()) : entry
            return (host == "*" ? "0.0.0.0" : host == "::*" ? "::" : host, optional)
        }
    }

    private func bindUnixSocket() throws {
        let path = config[.unixsocket]
        guard !path.isEmpty else { return }
        do {
            unixListener = try makeBootstrap().bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).wait()
        } catch {
            serverLog(.warning, "Failed opening Unix socket: \(EngineServer.describe(error))")
            throw StartupError.listen
        }
        let permissions = config[.unixsocketperm]
        if permissions != 0 { chmod(path, mode_t(permissions)) }
        serverLog(.notice, "The server is now ready to accept connections at \(path)")
    }

    enum StartupError: Error, CustomStringConvertible {
        case listen
        /// nodes.conf could not be read or written (logged already).
        case clusterConfig
        var description: String { "startup aborted" }
    }

    static func describe(_ error: Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        return "\(error)"
    }

    private func writePidfile() {
        let path = config[.pidfile]
        guard !path.isEmpty else { return }
        let text = "\(getpid())\n"
        guard let file = fopen(path, "w") else {
            serverLog(.warning, "Failed to write PID file: \(String(cString: strerror(errno)))")
            return
        }
        fputs(text, file)
        fclose(file)
    }

    // MARK: Cron

    private func startCron() {
        let hz = max(1, min(500, config[.hz]))
        let period = Int64(1000 / hz)
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(period), delay: .milliseconds(period)) {
            [unowned self] _ in
            self.cron(periodMilliseconds: Int(period))
        }
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [unowned self] _ in
            self.engine.trackInstantaneousMetrics()
        }
        loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [unowned self] _ in
            guard !self.shuttingDown, self.engine.busyScript == nil else { return }
            self.engine.replicationCron()
            self.clients.flushOtherClients()
            self.reportReplicationStatus()
            LogSink.shared.reopenIfMoved()
        }
    }

    private func cron(periodMilliseconds: Int) {
        clients.cachedMilliseconds = engine.clock.unixMilliseconds()
        // A busy script's run is still one command: nothing may expire, save or rewrite under it (Redis runs no
        // timer while it serves events from inside a script).
        guard engine.busyScript == nil else { return }
        if engine.activeExpireEnabled {
            engine.activeExpireCycle(budgetMicroseconds: periodMilliseconds * 250)
        }
        let timeout = config[.timeout]
        if timeout > 0 {
            let limit = clients.cachedMilliseconds - timeout * 1000
            for (_, handler) in clients.handlersBySession {
                guard let session = handler.session, !session.isMonitor, !session.isBlocked, !session.isSubscriber,
                    session.replicaLink == nil,
                    session.lastInteraction < limit
                else { continue }
                serverLog(.verbose, "Closing idle client")
                handler.closeNow()
            }
        }
        if engine.pauseUntil > 0 && engine.pauseUntil <= clients.cachedMilliseconds { engine.pauseUntil = 0 }
        if engine.failoverPauseUntil > 0 && engine.failoverPauseUntil <= clients.cachedMilliseconds {
            engine.failoverPauseUntil = 0
        }
        engine.persistenceCron()
        engine.appendOnlyCron()
        engine.flushAppendOnly()
        // Expired and evicted events (and the DELs for replicas) go out now, not at the next client's command.
        clients.flushOtherClients()
    }

    private var lastReplicationStatus = ""

    /// Under a service manager STATUS= follows the role (a failover changes it) and a replica's link; the swredisd
    /// supervisor shows it per instance beside the declared role.
    private func reportReplicationStatus() {
        guard notifySystemd, !isSentinel else { return }
        var status: String
        if let host = engine.replication.masterHost {
            let link = engine.replication.linkState == .connected ? "link up" : "link down"
            status = "Ready to accept connections; replica of \(host):\(engine.replication.masterPort), \(link)"
        } else {
            status = "Ready to accept connections; master"
        }
        if let cluster = engine.cluster as? ClusterService { status += "; " + clusterStatus(cluster) }
        guard status != lastReplicationStatus else { return }
        lastReplicationStatus = status
        ServiceNotifier.status(status)
    }

    // MARK: Shutdown

    private func installSignalHandlers() {
        // An operator's `pkill -HUP swredisd` (the supervisor's reload signal) must not end an engine: ignored, as
        // redis-server does. SIGUSR1 (`pkill -USR1 swredisd`, logrotate) reopens the log file.
        signal(SIGHUP, SIG_IGN)
        signal(SIGUSR1, SIG_IGN)
        let reopen = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: .global())
        reopen.setEventHandler {
            LogSink.shared.reopen()
            serverLog(.notice, "Received SIGUSR1: log file reopened")
        }
        reopen.resume()
        signalSources.append(reopen)
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [unowned self] in
                self.loop.execute {
                    serverLog(
                        .warning,
                        signalNumber == SIGTERM
                            ? "Received SIGTERM scheduling shutdown..." : "Received SIGINT scheduling shutdown...")
                    self.shutdownOnSignal(signalNumber == SIGTERM ? .shutdownOnSigterm : .shutdownOnSigint)
                }
            }
            source.resume()
            signalSources.append(source)
        }
    }

    public func requestShutdown(save: Bool?, now: Bool, force: Bool) -> String? {
        serverLog(.warning, "User requested shutdown...")
        guard engine.prepareForShutdown(save: save, force: force) else {
            return "ERR Errors trying to SHUTDOWN. Check logs."
        }
        return shutdown(reason: "command")
    }

    /// SIGTERM/SIGINT: `shutdown-on-sigterm` / `shutdown-on-sigint` choose whether to save and whether a failed
    /// save may be ignored; when the save fails otherwise, the server keeps running, as Redis does.
    private func shutdownOnSignal(_ directive: StringSetting) {
        if engine.busyScript != nil {
            // Saving now would write half a script's effects: the shutdown waits for the script (SHUTDOWN NOSAVE
            // or SCRIPT KILL ends it sooner).
            serverLog(.warning, "Received a shutdown signal while a script is busy: shutting down when it ends.")
            engine.afterBusyScript.append { [weak self] in self?.shutdownOnSignal(directive) }
            return
        }
        let flags = config[directive].split(separator: " ").map(String.init)
        let save: Bool? = flags.contains("save") ? true : flags.contains("nosave") ? false : nil
        guard engine.prepareForShutdown(save: save, force: flags.contains("force")) else {
            serverLog(
                .warning,
                "SIGTERM received but errors trying to shut down the server, check the logs for more information")
            return
        }
        shutdown(reason: "signal")
    }

    @discardableResult
    private func shutdown(reason: String) -> String? {
        guard !shuttingDown else { return nil }
        shuttingDown = true
        if notifySystemd { ServiceNotifier.stopping() }
        let pidfile = config[.pidfile]
        if !pidfile.isEmpty {
            serverLog(.notice, "Removing the pid file.")
            unlink(pidfile)
        }
        let unixPath = config[.unixsocket]
        if !unixPath.isEmpty {
            serverLog(.notice, "Removing the unix socket file.")
            unlink(unixPath)
        }
        for handler in clients.handlersBySession.values { handler.closeNow() }
        let closing = (listeners + [unixListener].compactMap { $0 }).map { $0.close() }
        EventLoopFuture.andAllComplete(closing, on: loop).whenComplete { _ in
            serverLog(.warning, "\(self.isSentinel ? "Sentinel" : "Redis") is now ready to exit, bye bye...")
            self.exitPromise.succeed(0)
        }
        return nil
    }

    public func clientBlocked(_ client: ClientSession, deadline: Int?) {
        clients.handlersBySession[client.id]?.blocked(deadline: deadline)
    }

    public func clientUnblocked(_ client: ClientSession) {
        clients.handlersBySession[client.id]?.unblocked()
    }

    /// CONFIG SET changed `names`: the directives the server layer caches take effect.
    private func configurationChanged(_ names: Set<String>) {
        if names.contains(StringSetting.loglevel.rawValue),
            let level = RedisLogFormat.Level(name: config[.loglevel])
        {
            LogSink.shared.threshold = level
        }
    }

    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return "" }
        return String(cString: buffer)
    }
}

/// The reply Redis sends to non-loopback clients in protected mode before closing the connection.
enum ProtectedMode {
    static let deniedReply =
        "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"
}
