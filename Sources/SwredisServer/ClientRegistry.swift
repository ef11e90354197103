import NIOCore
import SwredisConfig
import SwredisEngine
import SwredisPersistence
import SwredisStorage

/// What a `ClientHandler` asks of the server, built from an engine and its event loop only (so handlers are
/// tested on an `EmbeddedChannel`): admission (maxclients, protected mode), the registry of live connections,
/// CLIENT PAUSE, the query and output buffer limits, and the work that follows a read — the AOF group commit, the
/// output other clients received, the replication stream.
final class ClientRegistry {
    let engine: Engine
    let loop: EventLoop
    var config: ConfigStore { engine.config }
    /// Live connections by client id.
    private(set) var handlersBySession: [Int: ClientHandler] = [:]
    /// Unix ms, refreshed by the cron; good enough for idle times.
    var cachedMilliseconds = Engine.unixMilliseconds()
    var queryBufferLimit: Int { config[.clientQueryBufferLimit] }
    /// `client-output-buffer-limit` per class, refreshed on CONFIG SET.
    private(set) var outputLimits = OutputLimits(ClientBufferLimits(words: []))
    private var handlersAwaitingAppendOnly: [ClientHandler] = []
    private var replicationFlushScheduled = false

    struct OutputLimits {
        let normal: (hard: Int, soft: Int, seconds: Int)
        let pubsub: (hard: Int, soft: Int, seconds: Int)
        let replica: (hard: Int, soft: Int, seconds: Int)

        init(_ limits: ClientBufferLimits) {
            normal = limits.limit("normal")
            pubsub = limits.limit("pubsub")
            replica = limits.limit("slave")
        }
    }

    init(engine: Engine, loop: EventLoop) {
        self.engine = engine
        self.loop = loop
        outputLimits = OutputLimits(ClientBufferLimits(words: engine.config[.clientOutputBufferLimit]))
        engine.config.observeChanges { [unowned self] names in
            guard names.contains(WordsSetting.clientOutputBufferLimit.rawValue) else { return }
            self.outputLimits = OutputLimits(ClientBufferLimits(words: self.config[.clientOutputBufferLimit]))
        }
    }

    // MARK: AOF group commit

    /// Replies of this tick wait until the AOF holds the writes they acknowledge: handlers queue here and one
    /// task after the tick's reads writes (and, with `always`, fsyncs) the AOF once, then flushes them all.
    func flushAfterAppendOnly(_ handler: ClientHandler) {
        handlersAwaitingAppendOnly.append(handler)
        guard handlersAwaitingAppendOnly.count == 1 else { return }
        loop.execute {
            self.engine.flushAppendOnly()
            let handlers = self.handlersAwaitingAppendOnly
            self.handlersAwaitingAppendOnly.removeAll(keepingCapacity: true)
            for handler in handlers { handler.flushNow() }
        }
    }

    // MARK: Clients

    func register(_ handler: ClientHandler, for session: ClientSession) {
        handlersBySession[session.id] = handler
    }

    func unregister(_ session: ClientSession) {
        handlersBySession.removeValue(forKey: session.id)
    }

    /// Sends this turn's replication stream, then flushes clients that received output from another client's
    /// command (MONITOR, pub/sub, served blocked clients).
    func flushOtherClients() {
        scheduleReplicationFlush()
        guard !engine.clientsWithPendingWrites.isEmpty else { return }
        let sessions = engine.clientsWithPendingWrites
        engine.clientsWithPendingWrites.removeAll(keepingCapacity: true)
        for session in sessions { handlersBySession[session.id]?.flushPendingReplies() }
    }

    /// The stream goes to replicas once per loop turn, after every ready client was served (Redis does it in
    /// `beforeSleep`): one write per replica for all of the turn's commands.
    private func scheduleReplicationFlush() {
        guard !replicationFlushScheduled, engine.hasPendingReplicationStream else { return }
        replicationFlushScheduled = true
        loop.execute {
            self.replicationFlushScheduled = false
            self.engine.flushReplicationStream()
        }
    }

    /// Whether a CLIENT PAUSE currently holds this client's commands.
    func isPaused(for session: ClientSession) -> Bool {
        let now = engine.clock.unixMilliseconds()
        guard engine.pauseUntil > now else {
            engine.pauseUntil = 0
            return false
        }
        return true
    }

    /// Whether writes are held now: by CLIENT PAUSE WRITE, or by a manual cluster failover.
    func holdsWrites(for session: ClientSession) -> Bool {
        if engine.pauseUntil > 0 && engine.pauseWritesOnly && isPaused(for: session) { return true }
        guard engine.failoverPauseUntil > engine.clock.unixMilliseconds() else {
            engine.failoverPauseUntil = 0
            return false
        }
        return true
    }

    /// The end of the pause that holds clients longest (for the retry timer).
    var pausedUntil: Int { max(engine.pauseUntil, engine.failoverPauseUntil) }

    static func isUnixChannel(_ channel: Channel) -> Bool {
        if case .unixDomainSocket = channel.localAddress { return true }
        return false
    }

    /// The reply sent before closing a connection the server refuses (protected mode, maxclients), or nil.
    func admissionError(remote: SocketAddress?, isUnix: Bool) -> String? {
        if engine.clients.count >= config[.maxclients] {
            engine.stats.rejectedConnections += 1
            return "-ERR max number of clients reached\r\n"
        }
        if config[.protectedMode] && engine.requirePass.isEmpty && !isUnix && !ClientRegistry.isLoopback(remote) {
            engine.stats.rejectedConnections += 1
            return ProtectedMode.deniedReply
        }
        return nil
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    /// `ip:port`, `[ipv6]:port`, or the socket path for unix connections.
    static func format(_ address: SocketAddress?, unix: Bool) -> String {
        guard let address else { return unix ? "/unknown" : "?:0" }
        if unix { return address.pathname ?? "" }
        let ip = address.ipAddress ?? "?"
        let port = address.port ?? 0
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
