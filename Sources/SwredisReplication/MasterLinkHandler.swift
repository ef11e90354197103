import NIOCore
import SwredisClient
import SwredisEngine
import SwredisLog
import SwredisProtocol

#if canImport(Glibc)
import Glibc
#endif

/// One connection to the master, through its phases: the handshake (PING, AUTH, REPLCONF, PSYNC, one reply
/// at a time), the RDB of a full sync (`$<length>` or diskless `$EOF:<mark>` framing) written to a temp file,
/// loading it, then the stream, applied command by command in order and forwarded to our own replicas.
final class MasterLinkHandler: ChannelInboundHandler, ClientConnection {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        /// PING, AUTH, REPLCONF and PSYNC, driven by `handshake`.
        case handshake
        case bulkHeader
        case bulk
        case loading
        case streaming
        case closed
    }

    private unowned let engine: Engine
    private let afterBatch: () -> Void
    private var context: ChannelHandlerContext?
    private var phase = Phase.handshake
    private var handshake: ReplicaHandshake
    private var pending: ByteBuffer?
    /// Set once the link manager let go of this connection: its events no longer reach the engine.
    private var detached = false
    private var master: ClientSession?
    private var arguments = ArgumentList()
    private var transfer: TransferFile?
    private var fullSync: (id: String, offset: Int)?
    /// The link's descriptor number (the master's `fd=` in CLIENT LIST).
    private var descriptor = ConnectionDescriptor()

    init(engine: Engine, afterBatch: @escaping () -> Void) {
        self.engine = engine
        self.afterBatch = afterBatch
        let announcedPort = engine.config[.replicaAnnouncePort]
        handshake = ReplicaHandshake(
            settings: ReplicaHandshake.Settings(
                password: engine.config[.masterauth], user: engine.config[.masteruser],
                listeningPort: announcedPort > 0 ? announcedPort : engine.tcpPort,
                announcedAddress: engine.config[.replicaAnnounceIp]))
    }

    var queryBufferLength: Int { pending?.readableBytes ?? 0 }
    var fileDescriptor: Int32 { descriptor.number() }

    // MARK: Lifecycle

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        guard !detached else { return }
        SocketDescriptors.readCookie(of: context.channel) { self.descriptor.record(cookie: $0) }
        engine.masterLinkHandshakeStarted()
        perform(handshake.connected())
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.context = nil
        guard !detached else { return }
        detach()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    /// Ends this connection's part: the engine caches the stream position and will reconnect.
    func detach() {
        guard !detached else { return }
        detached = true
        transfer?.abandon()
        transfer = nil
        let wasLoading: Bool
        if case .loading = phase { wasLoading = true } else { wasLoading = false }
        phase = .closed
        if !wasLoading { engine.masterLinkLost(master) }
        master = nil
        context?.close(promise: nil)
    }

    private func fail(_ message: String) {
        serverLog(.warning, message)
        detach()
    }

    func send(_ text: String) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    // MARK: ClientConnection (the engine's master session)

    func closeAfterFlush() { closeNow() }
    func closeNow() { detach() }

    func sendRaw(_ buffer: ByteBuffer, written: (() -> Void)?) {
        guard let context else {
            written?()
            return
        }
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in written?() }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !detached else { return }
        var incoming = unwrapInboundIn(data)
        if pending == nil { pending = incoming } else { pending!.writeBuffer(&incoming) }
        engine.replication.lastMasterInteraction = Engine.unixMilliseconds()
        process()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        afterBatch()
    }

    /// Consumes what the current phase can use from `pending`, moving through phases as they complete.
    private func process() {
        while !detached, var buffer = pending, buffer.readableBytes > 0 {
            let before = buffer.readableBytes
            switch phase {
            case .handshake:
                // A master preparing a full sync sends newlines to keep the link alive before `+FULLRESYNC`.
                while buffer.readableBytesView.first == UInt8(ascii: "\n") { buffer.moveReaderIndex(forwardBy: 1) }
                let reply: RESPToken?
                do {
                    reply = try RESPToken(consuming: &buffer)
                } catch {
                    fail("Protocol error from MASTER during the handshake: \(error)")
                    return
                }
                pending = buffer
                guard let reply else { return }
                perform(handshake.received(reply))
            case .bulkHeader:
                guard let line = buffer.readLine() else { return }
                pending = buffer
                handleBulkHeader(line)
            case .bulk:
                receiveBulk(&buffer)
                pending = buffer
            case .loading, .closed:
                return
            case .streaming:
                applyStream(&buffer)
                pending = buffer
                engine.replication.readOffset = engine.replication.offset + buffer.readableBytes
                return
            }
            if pending?.readableBytes == before { return }
        }
    }

    /// Carries out what the handshake asks for.
    private func perform(_ actions: [ReplicaHandshake.Action]) {
        for action in actions where !detached {
            switch action {
            case .send(let commands):
                send(commands.map(RESPCommand.text).joined())
            case .log(let level, let message):
                serverLog(level, message)
            case .requestPSYNC:
                if let request = engine.partialResyncRequest {
                    serverLog(.notice, "Trying a partial resynchronization (request \(request.id):\(request.offset)).")
                    send(RESPCommand.text(["PSYNC", request.id, String(request.offset)]))
                } else {
                    serverLog(.notice, "Partial resynchronization not possible (no cached master)")
                    send(RESPCommand.text(["PSYNC", "?", "-1"]))
                }
            case .fullResync(let id, let offset):
                fullSync = (id, offset)
                phase = .bulkHeader
            case .continueStream(let newID):
                startStreaming(engine.masterAcceptedContinuation(newID: newID))
                serverLog(.notice, "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
            case .fail(let message):
                fail(message)
            }
        }
    }

    private func handleBulkHeader(_ line: String) {
        let path = "temp-\(Engine.unixMilliseconds() / 1000).\(getpid()).rdb"
        let framing: TransferFile.Framing
        switch TransferHeader.parse(line) {
        case .keepalive:
            return
        case .failure(let message):
            fail(message)
            return
        case .endMark(let mark):
            framing = .endMark(mark)
            serverLog(.notice, "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk")
        case .length(let size):
            framing = .length(size)
            serverLog(.notice, "MASTER <-> REPLICA sync: receiving \(size) bytes from master to disk")
        }
        do {
            transfer = try TransferFile(path: path, framing: framing)
        } catch {
            fail("Opening the temp file needed for MASTER <-> REPLICA synchronization: \(error)")
            return
        }
        if case .length(let size) = framing {
            engine.masterStartsFullSync(size: size)
        } else {
            engine.masterStartsFullSync(size: 0)
        }
        phase = .bulk
    }

    private func receiveBulk(_ buffer: inout ByteBuffer) {
        guard let transfer else { return }
        let outcome: TransferFile.Outcome
        do {
            outcome = try transfer.consume(&buffer)
        } catch {
            fail(
                "Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: \(error)"
            )
            return
        }
        engine.masterTransferProgress(transfer.received)
        guard case .complete = outcome else { return }
        self.transfer = nil
        guard let fullSync else { return }
        phase = .loading
        // The master's stream waits in its socket (and its output buffer) while we load, as with Redis.
        context?.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        // The handler stays alive until the load reports back, even if the link was dropped meanwhile.
        engine.loadFullSync(temporaryPath: transfer.path, replicationID: fullSync.id, offset: fullSync.offset) {
            master in
            guard let master else {
                if !self.detached {
                    self.phase = .closed
                    self.detach()
                }
                return
            }
            guard !self.detached else {
                // The link was dropped while loading: the data is in, the stream resumes on the next link.
                self.engine.masterLinkLost(master)
                return
            }
            self.startStreaming(master)
            self.context?.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
            // The first ACK tells a diskless master that the RDB is in and the stream may start.
            self.engine.acknowledgeToMaster()
            self.process()
            self.afterBatch()
        }
    }

    private func startStreaming(_ master: ClientSession) {
        master.connection = self
        self.master = master
        phase = .streaming
    }

    /// Applies every whole command at the front of `buffer`.
    private func applyStream(_ buffer: inout ByteBuffer) {
        guard let master else { return }
        var consumedTotal = 0
        var failure: String?
        buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count && !detached {
                let window = UnsafeRawBufferPointer(rebasing: bytes[offset...])
                switch RequestParser.parse(window, into: &arguments, limits: RequestLimits()) {
                case .incomplete:
                    consumedTotal = offset
                    return
                case .skip(let consumed):
                    engine.applySkippedMasterBytes(UnsafeRawBufferPointer(rebasing: window[..<consumed]))
                    offset += consumed
                case .protocolError(let message):
                    failure = message
                    consumedTotal = bytes.count
                    return
                case .command(let consumed):
                    run(master, source: window, consumed: consumed)
                    offset += consumed
                }
            }
            consumedTotal = offset
        }
        buffer.moveReaderIndex(forwardBy: min(consumedTotal, buffer.readableBytes))
        if let failure { fail("Protocol error from MASTER: \(failure)") }
    }

    private func run(_ master: ClientSession, source: UnsafeRawBufferPointer, consumed: Int) {
        let count = arguments.count
        let raw = UnsafeRawBufferPointer(rebasing: source[..<consumed])
        if arguments.isInline {
            let storage = arguments.inlineStorage
            storage.withUnsafeBytes { inline in
                arguments.spans.withUnsafeBufferPointer { spans in
                    guard let base = inline.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                        let spanBase = spans.baseAddress
                    else { return }
                    engine.applyFromMaster(master, Arguments(base: base, spans: spanBase, count: count), raw: raw)
                }
            }
        } else {
            arguments.spans.withUnsafeBufferPointer { spans in
                guard let base = source.baseAddress, let spanBase = spans.baseAddress else { return }
                engine.applyFromMaster(master, Arguments(base: base, spans: spanBase, count: count), raw: raw)
            }
        }
    }

}

extension ByteBuffer {
    /// Reads one `\n`-terminated line (without `\r\n`), or nil when it is not complete.
    mutating func readLine() -> String? {
        guard let newline = readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let length = newline - readerIndex
        guard var line = readString(length: length) else { return nil }
        moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        return line
    }
}
