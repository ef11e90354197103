import NIOCore
import SwredisClient
import SwredisCommands
import SwredisEngine
import SwredisLog
import SwredisPersistence
import SwredisProtocol

/// One client connection: reads bytes, parses commands in place from the read buffer, runs them on the
/// engine, and writes all replies of one read batch with a single write (flushed on read-complete).
///
/// Runs on the engine's event loop, so it calls the engine directly without locks.
final class ClientHandler: ChannelInboundHandler, ClientConnection {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let clients: ClientRegistry
    private var engine: Engine { clients.engine }
    private(set) var session: ClientSession?
    private var context: ChannelHandlerContext?
    /// Bytes received but not yet parsed into a whole command.
    private var pending: ByteBuffer?
    private var arguments = ArgumentList()
    private var closing = false
    /// Set while a CLIENT PAUSE holds this client's commands back.
    private var pausedRetryScheduled = false
    /// Fires when a blocked command's timeout passes.
    private var blockTimeout: Scheduled<Void>?
    /// Reply bytes handed to the channel but not yet written to the socket (a slow reader's backlog).
    private var unwrittenBytes = 0
    /// Set once the socket options of a replica connection were applied.
    private var replicaSocketConfigured = false
    /// Since when (Unix ms) the backlog is over the soft limit of the client's class, if it is.
    private var overSoftLimitSince: Int?
    /// The socket's descriptor number, found from its cookie (read once the channel is active).
    private var descriptor = ConnectionDescriptor()

    init(clients: ClientRegistry) {
        self.clients = clients
    }

    var queryBufferLength: Int { pending?.readableBytes ?? 0 }

    // MARK: Lifecycle

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        let channel = context.channel
        let isUnix = ClientRegistry.isUnixChannel(channel)
        let remote = ClientRegistry.format(channel.remoteAddress, unix: isUnix)
        let local = ClientRegistry.format(channel.localAddress, unix: isUnix)
        if let refusal = clients.admissionError(remote: channel.remoteAddress, isUnix: isUnix) {
            var buffer = context.channel.allocator.buffer(capacity: refusal.utf8.count)
            buffer.writeString(refusal)
            closing = true
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in context.close(promise: nil) }
            return
        }
        let session = engine.createClient(
            address: remote, localAddress: local,
            isUnixSocket: isUnix, allocator: channel.allocator)
        session.connection = self
        session.isLocalConnection = isUnix || ClientRegistry.isLoopback(channel.remoteAddress)
        self.session = session
        clients.register(self, for: session)
        SocketDescriptors.readCookie(of: channel) { self.descriptor.record(cookie: $0) }
        serverLog(.verbose, "Accepted \(remote)")
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let session {
            engine.removeClient(session)
            clients.unregister(session)
            serverLog(.verbose, "Client closed connection id=\(session.id) addr=\(session.address)")
        }
        session = nil
        pending = nil
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        serverLog(
            .verbose, "Error on client connection \(session.map { "id=\($0.id) addr=\($0.address)" } ?? ""): \(error)")
        context.close(promise: nil)
    }

    // MARK: Reading and executing

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session, !closing else { return }
        var incoming = unwrapInboundIn(data)
        reclaimReplyBuffer(session)
        engine.stats.netInputBytes += incoming.readableBytes
        engine.stats.readsProcessed += 1
        if session.isBlocked {
            // A blocked client's further commands wait until it is served (Redis stops reading them too).
            if pending == nil { pending = incoming } else { pending!.writeBuffer(&incoming) }
            return
        }
        if pending == nil {
            processBuffer(&incoming, session)
            if incoming.readableBytes > 0 && !closing { pending = incoming }
        } else {
            pending!.writeBuffer(&incoming)
            var buffer = pending!
            pending = nil
            processBuffer(&buffer, session)
            if buffer.readableBytes > 0 && !closing { pending = buffer }
        }
        if let pending, pending.readableBytes > clients.queryBufferLimit {
            serverLog(
                .warning,
                "Closing client that reached max query buffer length: id=\(session.id) addr=\(session.address) (qbuf initial bytes: \"\")"
            )
            closeNow()
            return
        }
        writeReplies(session)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !engine.appendOnlyBuffer.isEmpty {
            clients.flushAfterAppendOnly(self)
        } else {
            context.flush()
        }
        clients.flushOtherClients()
    }

    /// Flushes what was written to the channel (after the AOF took this tick's writes).
    func flushNow() {
        context?.flush()
    }

    /// Parses and executes every complete command at the front of `buffer`, consuming what it ran.
    private func processBuffer(_ buffer: inout ByteBuffer, _ session: ClientSession) {
        var consumedTotal = 0
        engine.beginReadBatch()
        defer { engine.endReadBatch() }
        buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count && !session.closeAfterReply && !session.isBlocked {
                if engine.pauseUntil > 0 && !engine.pauseWritesOnly && clients.isPaused(for: session) {
                    schedulePausedRetry()
                    break
                }
                let window = UnsafeRawBufferPointer(rebasing: bytes[offset...])
                let outcome = RequestParser.parse(window, into: &arguments, limits: engine.requestLimits(for: session))
                switch outcome {
                case .incomplete:
                    consumedTotal = offset
                    return
                case .skip(let consumed):
                    // A replica's empty lines are keepalives while it loads our RDB.
                    if session.replicaLink != nil { engine.replicaKeepalive(session) }
                    offset += consumed
                case .protocolError(let message):
                    serverLog(
                        .verbose, "Protocol error (\(message)) from client: id=\(session.id) addr=\(session.address)")
                    session.error("ERR \(message)")
                    session.closeAfterReply = true
                    consumedTotal = bytes.count
                    return
                case .command(let consumed):
                    if (engine.pauseUntil > 0 || engine.failoverPauseUntil > 0) && clients.holdsWrites(for: session)
                        && heldByWritePause(session, source: window)
                    {
                        // Held here, unconsumed, so the commands behind it keep their order.
                        schedulePausedRetry()
                        consumedTotal = offset
                        return
                    }
                    if !engine.keysInTransfer.isEmpty && !session.isMaster && heldByKeyTransfer(session, source: window)
                    {
                        schedulePausedRetry()
                        consumedTotal = offset
                        return
                    }
                    run(session, source: window)
                    offset += consumed
                }
                session.lastInteraction = clients.cachedMilliseconds
            }
            consumedTotal = offset
        }
        buffer.moveReaderIndex(forwardBy: min(consumedTotal, buffer.readableBytes))
    }

    /// Whether the parsed command must wait for a MIGRATE or RESTORE moving one of its keys.
    private func heldByKeyTransfer(_ session: ClientSession, source: UnsafeRawBufferPointer) -> Bool {
        withParsedArguments(source) { engine.isHeldByKeyTransfer(session, $0) }
    }

    /// Whether the parsed command is one a `CLIENT PAUSE WRITE` holds back.
    private func heldByWritePause(_ session: ClientSession, source: UnsafeRawBufferPointer) -> Bool {
        withParsedArguments(source) { engine.isHeldByWritePause(session, $0) }
    }

    private func run(_ session: ClientSession, source: UnsafeRawBufferPointer) {
        withParsedArguments(source) { engine.execute(session, $0) }
    }

    /// The parsed command's arguments as a view into `source` (or into the inline command's own storage).
    private func withParsedArguments<Result>(_ source: UnsafeRawBufferPointer, _ body: (Arguments) -> Result) -> Result
    {
        let count = arguments.count
        if arguments.isInline {
            let storage = arguments.inlineStorage
            return storage.withUnsafeBytes { inline in
                arguments.spans.withUnsafeBufferPointer { spans in
                    body(
                        Arguments(
                            base: inline.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, spans: spans.baseAddress!,
                            count: count))
                }
            }
        }
        return arguments.spans.withUnsafeBufferPointer { spans in
            body(Arguments(base: source.baseAddress!, spans: spans.baseAddress!, count: count))
        }
    }

    /// The engine parked this client: arm its timeout.
    func blocked(deadline: Int?) {
        guard let deadline, let context else { return }
        let delay = max(0, deadline - engine.clock.unixMilliseconds())
        // A client may ask for a deadline centuries away, past what a timer can hold: wake up at most daily and
        // re-arm until the deadline is reached.
        blockTimeout = context.eventLoop.scheduleTask(
            in: .milliseconds(Int64(min(delay, Self.longestTimerMilliseconds)))
        ) {
            [weak self] in
            guard let self, let session = self.session, session.isBlocked else { return }
            if deadline > self.engine.clock.unixMilliseconds() {
                self.blocked(deadline: deadline)
            } else {
                self.clients.engine.timeOutBlockedClient(session)
            }
        }
    }

    /// The longest single timer armed for a client (a day); longer waits re-arm.
    static let longestTimerMilliseconds = 86_400_000

    /// The engine served or released this client: send its reply and run the commands that waited.
    func unblocked() {
        blockTimeout?.cancel()
        blockTimeout = nil
        guard let context else { return }
        // Resume on a later turn of the loop: the engine may be in the middle of another client's command.
        context.eventLoop.execute { [weak self] in
            self?.runPendingCommands()
            self?.clients.flushOtherClients()
        }
    }

    /// Runs the commands that waited in `pending` (while blocked or paused), then writes and flushes.
    private func runPendingCommands() {
        guard let session, let context else { return }
        if var buffer = pending {
            pending = nil
            processBuffer(&buffer, session)
            if buffer.readableBytes > 0 { pending = buffer }
        }
        writeReplies(session)
        engine.flushAppendOnly()
        context.flush()
    }

    /// How often a client held by CLIENT PAUSE looks again.
    static let pausedPollMilliseconds = 50
    /// How often a client held by a key transfer looks again (transfers last tens to hundreds of ms).
    static let transferPollMilliseconds = 2

    private func schedulePausedRetry() {
        guard !pausedRetryScheduled, let context else { return }
        pausedRetryScheduled = true
        // Polled, not slept through: CLIENT UNPAUSE (or a shorter pause replacing this one) releases the client
        // within this interval, and a pause until the end of time needs no timer that long.
        let delay =
            engine.keysInTransfer.isEmpty
            ? min(max(1, clients.pausedUntil - clients.cachedMilliseconds), Self.pausedPollMilliseconds)
            : Self.transferPollMilliseconds
        context.eventLoop.scheduleTask(in: .milliseconds(Int64(delay))) { [weak self] in
            self?.pausedRetryScheduled = false
            self?.runPendingCommands()
        }
    }

    // MARK: Writing

    /// Hands the session's accumulated replies to the channel (flushed later) and closes if asked to.
    func writeReplies(_ session: ClientSession) {
        guard let context else { return }
        let readable = session.reply.buffer.readableBytes
        if readable > 0 {
            engine.stats.netOutputBytes += readable
            engine.stats.writesProcessed += 1
            unwrittenBytes += readable
            let promise = context.eventLoop.makePromise(of: Void.self)
            // Captured strongly: the channel completes every write promise, and a weak capture would slow every
            // retain and release of this handler (see Engine's init).
            promise.futureResult.whenComplete { _ in self.unwrittenBytes -= readable }
            context.write(wrapOutboundOut(session.reply.buffer), promise: promise)
            // The channel holds its own reference to the bytes; mark them consumed here and reuse the
            // storage for the next batch once the channel has written and released it.
            session.reply.buffer.moveReaderIndex(forwardBy: readable)
        }
        if session.closeAfterReply && !closing {
            closing = true
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }

    /// `client-output-buffer-limit` for the client's class (normal or pubsub): over the hard limit, or over
    /// the soft limit for longer than its seconds, the client is disconnected so it can't exhaust memory.
    private func exceedsOutputLimits(_ session: ClientSession) -> Bool {
        let limit =
            session.replicaLink != nil
            ? clients.outputLimits.replica
            : session.isSubscriber ? clients.outputLimits.pubsub : clients.outputLimits.normal
        if limit.hard > 0 && unwrittenBytes > limit.hard { return true }
        guard limit.soft > 0 && unwrittenBytes > limit.soft else {
            overSoftLimitSince = nil
            return false
        }
        let now = engine.clock.unixMilliseconds()
        guard let since = overSoftLimitSince else {
            overSoftLimitSince = now
            return limit.seconds == 0
        }
        return (now - since) / 1000 >= limit.seconds
    }

    /// Makes the reply buffer empty again before a new batch. When the previous write has gone out the storage
    /// is uniquely ours and `clear()` reuses it without allocating; an oversized buffer is replaced.
    private func reclaimReplyBuffer(_ session: ClientSession) {
        guard session.reply.buffer.readableBytes == 0, session.reply.buffer.writerIndex > 0 else { return }
        if session.reply.buffer.capacity > 64 * 1024, let context {
            session.reply.buffer = context.channel.allocator.buffer(capacity: 16 * 1024)
        } else {
            session.reply.buffer.clear()
        }
    }

    /// Writes and flushes replies produced outside this client's own commands (MONITOR feed).
    func flushPendingReplies() {
        guard let session, let context else { return }
        writeReplies(session)
        engine.flushAppendOnly()
        context.flush()
        // Only what the socket could not take counts against the limit: a subscriber that keeps up never holds
        // more than what one flush leaves behind.
        if exceedsOutputLimits(session) {
            serverLog(
                .warning,
                "Client id=\(session.id) addr=\(session.address) scheduled to be closed ASAP for overcoming of output buffer limits."
            )
            closeNow()
            return
        }
        // A subscriber or MONITOR that never sends a command of its own would otherwise keep every byte it was sent.
        reclaimReplyBuffer(session)
    }

    var fileDescriptor: Int32 { descriptor.number() }

    func sendRaw(_ buffer: ByteBuffer, written: (() -> Void)?) {
        guard let context, let session, !closing else {
            written?()
            return
        }
        writeReplies(session)
        if !replicaSocketConfigured && session.replicaLink != nil {
            replicaSocketConfigured = true
            // repl-disable-tcp-nodelay: fewer, bigger packets to replicas at the cost of some lag (Redis's option).
            if clients.config[.replDisableTcpNodelay] {
                _ = context.channel.setOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 0)
            }
        }
        let count = buffer.readableBytes
        unwrittenBytes += count
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in
            self.unwrittenBytes -= count
            written?()
        }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
        if session.replicaLink?.state == .online && exceedsOutputLimits(session) {
            serverLog(
                .warning,
                "Client \(engine.clientInfoLine(session)) scheduled to be closed ASAP for overcoming of output buffer limits."
            )
            closeNow()
        }
    }

    func closeAfterFlush() {
        session?.closeAfterReply = true
        if let session { writeReplies(session) }
    }

    func closeNow() {
        closing = true
        context?.close(promise: nil)
    }
}
