import NIOCore
import SwredisClient
import SwredisEngine
import SwredisLog
import SwredisProtocol

#if canImport(Glibc)
import Glibc
#endif

/// One connection to the master: the shell of `ReplicaSync`, which decides the phases (the handshake's replies,
/// the `$<length>` / `$EOF:<mark>` header, the RDB written to a temp file, loading it, the stream). This handler
/// reads bytes the way the machine expects them, runs its actions on the socket, the temp file and the engine, and
/// applies the stream command by command in order, forwarded to our own replicas.
final class MasterLinkHandler: ChannelInboundHandler, ClientConnection {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private unowned let engine: Engine
    private let afterBatch: () -> Void
    private var context: ChannelHandlerContext?
    private var sync: ReplicaSync
    private var pending: ByteBuffer?
    /// Set once the socket closed or the link manager let go of this connection: its bytes are no longer read.
    private var detached = false
    private var master: ClientSession?
    private var arguments = ArgumentList()
    private var transfer: TransferFile?
    /// The link's descriptor number (the master's `fd=` in CLIENT LIST).
    private var descriptor = ConnectionDescriptor()

    init(engine: Engine, afterBatch: @escaping () -> Void) {
        self.engine = engine
        self.afterBatch = afterBatch
        let announcedPort = engine.config[.replicaAnnouncePort]
        sync = ReplicaSync(
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
        perform(sync.connected())
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.context = nil
        detach()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    /// Ends this connection's part: the engine caches the stream position and will reconnect.
    func detach() {
        guard !detached else { return }
        perform(sync.closed())
        perform([.closeLink])
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
        engine.replication.lastMasterInteraction = engine.clock.unixMilliseconds()
        process()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        afterBatch()
    }

    /// Consumes what the machine expects from `pending`, as long as a step makes progress.
    private func process() {
        while !detached, var buffer = pending, buffer.readableBytes > 0 {
            let before = buffer.readableBytes
            switch sync.expecting {
            case .reply:
                // A master preparing a full sync sends newlines to keep the link alive before `+FULLRESYNC`.
                while buffer.readableBytesView.first == UInt8(ascii: "\n") { buffer.moveReaderIndex(forwardBy: 1) }
                let reply: RESPToken?
                do {
                    reply = try RESPToken(consuming: &buffer)
                } catch {
                    perform(sync.failed("Protocol error from MASTER during the handshake: \(error)"))
                    return
                }
                pending = buffer
                guard let reply else { return }
                perform(sync.received(reply))
            case .transferHeader:
                guard let line = buffer.readLine() else { return }
                pending = buffer
                perform(sync.receivedTransferHeader(line))
            case .transferBody:
                receiveBulk(&buffer)
                pending = buffer
            case .nothing:
                return
            case .stream:
                applyStream(&buffer)
                pending = buffer
                engine.replication.readOffset = engine.replication.offset + buffer.readableBytes
                return
            }
            if pending?.readableBytes == before { return }
        }
    }

    /// Carries out what the machine asks for.
    private func perform(_ actions: [ReplicaSync.Action]) {
        for action in actions {
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
            case .continueStream(let newID):
                startStreaming(engine.masterAcceptedContinuation(newID: newID))
            case .receiveTransfer(let header):
                openTransfer(header)
            case .transferStarted(let size):
                engine.masterStartsFullSync(size: size)
            case .loadTransfer(let id, let offset):
                load(id: id, offset: offset)
            case .streamAfterLoad:
                guard let master else { break }
                startStreaming(master)
                context?.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
                // The first ACK tells a diskless master that the RDB is in and the stream may start.
                engine.acknowledgeToMaster()
                process()
                afterBatch()
            case .reportLinkLost:
                transfer?.abandon()
                transfer = nil
                engine.masterLinkLost(master)
                master = nil
            case .closeLink:
                detached = true
                context?.close(promise: nil)
            }
        }
    }

    private func openTransfer(_ header: TransferHeader) {
        let framing: TransferFile.Framing
        switch header {
        case .length(let size): framing = .length(size)
        case .endMark(let mark): framing = .endMark(mark)
        case .keepalive, .failure: return
        }
        let path = "temp-\(engine.clock.unixMilliseconds() / 1000).\(getpid()).rdb"
        do {
            transfer = try TransferFile(path: path, framing: framing)
        } catch {
            perform(sync.failed("Opening the temp file needed for MASTER <-> REPLICA synchronization: \(error)"))
        }
    }

    private func receiveBulk(_ buffer: inout ByteBuffer) {
        guard let transfer else { return }
        let outcome: TransferFile.Outcome
        do {
            outcome = try transfer.consume(&buffer)
        } catch {
            perform(
                sync.failed(
                    "Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: \(error)"
                ))
            return
        }
        engine.masterTransferProgress(transfer.received)
        guard case .complete = outcome else { return }
        perform(sync.transferCompleted())
    }

    /// Loads the received RDB. The master's stream waits in its socket (and its output buffer) meanwhile, as with
    /// Redis; the handler stays alive until the load reports back, even if the link was dropped meanwhile.
    private func load(id: String, offset: Int) {
        guard let transfer else { return }
        self.transfer = nil
        context?.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        engine.loadFullSync(temporaryPath: transfer.path, replicationID: id, offset: offset) { master in
            // A small RDB is loaded before `loadFullSync` returns: the stream waits for the next turn of the loop,
            // after the read that completed the transfer has put its leftover bytes in `pending`.
            let resume = {
                self.master = master
                self.perform(self.sync.loadFinished(succeeded: master != nil, linkOpen: !self.detached))
            }
            if let later = self.engine.runOnEngineThread { later(resume) } else { resume() }
        }
    }

    private func startStreaming(_ master: ClientSession) {
        master.connection = self
        self.master = master
    }

    /// Applies every whole command at the front of `buffer`.
    private func applyStream(_ buffer: inout ByteBuffer) {
        guard let master else { return }
        var consumedTotal = 0
        var failure: String?
        buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count && !detached {
                if engine.busyScript != nil {
                    // A busy script on this replica: the stream waits for it, it does not get -BUSY (Redis holds
                    // its master's input the same way).
                    holdUntilScriptEnds()
                    break
                }
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
        if let failure { perform(sync.failed("Protocol error from MASTER: \(failure)")) }
    }

    private var heldForScript = false

    private func holdUntilScriptEnds() {
        guard !heldForScript else { return }
        heldForScript = true
        engine.afterBusyScript.append { [weak self] in
            guard let self else { return }
            self.heldForScript = false
            self.process()
            self.afterBatch()
        }
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
