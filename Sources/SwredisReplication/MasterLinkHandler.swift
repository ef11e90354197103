import NIOCore
import SwredisCommands
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
        case ping
        /// Replies to the pipelined AUTH and REPLCONF commands, in order.
        case replies([HandshakeStep])
        case psync
        case bulkHeader
        case bulk
        case loading
        case streaming
        case closed
    }

    private enum HandshakeStep { case auth, listeningPort, address, capabilities }

    private unowned let engine: Engine
    private let afterBatch: () -> Void
    private var context: ChannelHandlerContext?
    private var phase = Phase.ping
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
    }

    var queryBufferLength: Int { pending?.readableBytes ?? 0 }
    var fileDescriptor: Int32 { descriptor.number() }

    // MARK: Lifecycle

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        guard !detached else { return }
        SocketDescriptors.readCookie(of: context.channel) { self.descriptor.record(cookie: $0) }
        serverLog(.notice, "Non blocking connect for SYNC fired the event.")
        engine.masterLinkHandshakeStarted()
        send("*1\r\n$4\r\nPING\r\n")
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
            case .ping, .replies, .psync, .bulkHeader:
                guard let line = buffer.readLine() else { return }
                pending = buffer
                handleLine(line)
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

    private func handleLine(_ line: String) {
        switch phase {
        case .ping:
            if line.hasPrefix("-") && !line.hasPrefix("-NOAUTH") && !line.hasPrefix("-NOPERM")
                && !line.hasPrefix("-ERR operation not permitted")
            {
                fail("Error reply to PING from master: '\(line)'")
                return
            }
            serverLog(.notice, "Master replied to PING, replication can continue...")
            sendHandshake()
        case .replies(var steps):
            let step = steps.removeFirst()
            if line.hasPrefix("-") {
                switch step {
                case .auth:
                    fail("Unable to AUTH to MASTER: \(line)")
                    return
                case .listeningPort:
                    serverLog(.notice, "(Non critical) Master does not understand REPLCONF listening-port: \(line)")
                case .address:
                    serverLog(.notice, "(Non critical) Master does not understand REPLCONF ip-address: \(line)")
                case .capabilities:
                    serverLog(.notice, "(Non critical) Master does not understand REPLCONF capa: \(line)")
                }
            }
            if steps.isEmpty { sendPSYNC() } else { phase = .replies(steps) }
        case .psync:
            // A master preparing a full sync sends newlines to keep the link alive before `+FULLRESYNC`.
            if !line.isEmpty { handlePSYNCReply(line) }
        case .bulkHeader:
            handleBulkHeader(line)
        default:
            break
        }
    }

    private func sendHandshake() {
        var steps: [HandshakeStep] = []
        var text = ""
        let password = engine.config.string("masterauth")
        if !password.isEmpty {
            let user = engine.config.string("masteruser")
            text += user.isEmpty ? command(["AUTH", password]) : command(["AUTH", user, password])
            steps.append(.auth)
        }
        let announcedPort = engine.config.int("replica-announce-port")
        text += command(["REPLCONF", "listening-port", String(announcedPort > 0 ? announcedPort : engine.tcpPort)])
        steps.append(.listeningPort)
        let announcedAddress = engine.config.string("replica-announce-ip")
        if !announcedAddress.isEmpty {
            text += command(["REPLCONF", "ip-address", announcedAddress])
            steps.append(.address)
        }
        text += command(["REPLCONF", "capa", "eof", "capa", "psync2"])
        steps.append(.capabilities)
        phase = .replies(steps)
        send(text)
    }

    private func sendPSYNC() {
        phase = .psync
        if let request = engine.partialResyncRequest {
            serverLog(.notice, "Trying a partial resynchronization (request \(request.id):\(request.offset)).")
            send(command(["PSYNC", request.id, String(request.offset)]))
        } else {
            serverLog(.notice, "Partial resynchronization not possible (no cached master)")
            send(command(["PSYNC", "?", "-1"]))
        }
    }

    private func handlePSYNCReply(_ line: String) {
        let words = line.split(separator: " ").map(String.init)
        if let reply = ReplicationState.parseFullResync(line) {
            serverLog(.notice, "Full resync from master: \(reply.id):\(reply.offset)")
            fullSync = reply
            phase = .bulkHeader
            return
        }
        if words.first == "+CONTINUE" {
            serverLog(.notice, "Successful partial resynchronization with master.")
            let newID = words.count > 1 && words[1].utf8.count == 40 ? words[1] : nil
            startStreaming(engine.masterAcceptedContinuation(newID: newID))
            serverLog(.notice, "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
            return
        }
        if line.hasPrefix("-NOMASTERLINK") || line.hasPrefix("-LOADING") {
            fail("Master is currently unable to PSYNC but should be in the future: \(line)")
        } else {
            fail("Unexpected reply to PSYNC from master: \(line)")
        }
    }

    private func handleBulkHeader(_ line: String) {
        // Masters send newlines while they prepare the RDB, to keep the link alive.
        if line.isEmpty { return }
        if line.hasPrefix("-") {
            fail("MASTER aborted replication with an error: \(line.dropFirst())")
            return
        }
        guard line.hasPrefix("$") else {
            fail(
                "Bad protocol from MASTER, the first byte is not '$' (we received '\(line)'), are you sure the host and port are right?"
            )
            return
        }
        let path = "temp-\(Engine.unixMilliseconds() / 1000).\(getpid()).rdb"
        let framing: TransferFile.Framing
        if line.hasPrefix("$EOF:") && line.utf8.count == 45 {
            framing = .endMark(Array(line.utf8.dropFirst(5)))
            serverLog(.notice, "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk")
        } else if let size = Int(line.dropFirst()), size >= 0 {
            framing = .length(size)
            serverLog(.notice, "MASTER <-> REPLICA sync: receiving \(size) bytes from master to disk")
        } else {
            fail("Bad protocol from MASTER: bad bulk length '\(line)'")
            return
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

    private func command(_ words: [String]) -> String {
        var text = "*\(words.count)\r\n"
        for word in words { text += "$\(word.utf8.count)\r\n\(word)\r\n" }
        return text
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
