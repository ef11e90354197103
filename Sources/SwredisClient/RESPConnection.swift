import NIOCore
import NIOPosix

/// A client connection to a Redis-protocol server: commands go out in order and each reply completes the oldest
/// waiting command (pipelining). Replies that arrive with no command waiting — pub/sub messages on a subscribed
/// link — go to `onPush`. Used by the replica's handshake parsing now, and by Sentinel's links and MIGRATE next.
///
/// All methods run on the channel's event loop; callers on other threads hop there first.
public final class RESPConnection {
    public let channel: Channel
    private let handler: RESPReplyHandler

    init(channel: Channel, handler: RESPReplyHandler) {
        self.channel = channel
        self.handler = handler
    }

    /// Connects to `host:port` on `loop`.
    public static func connect(
        host: String, port: Int, on loop: EventLoop, timeout: TimeAmount = .seconds(10),
        limits: RESPLimits = RESPLimits()
    ) -> EventLoopFuture<RESPConnection> {
        let handler = RESPReplyHandler(limits: limits)
        return ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .connect(host: host, port: port)
            .map { RESPConnection(channel: $0, handler: handler) }
    }

    /// Wraps a channel whose pipeline ends in `handler` (tests use an `EmbeddedChannel`).
    public static func wrapping(_ channel: Channel, handler: RESPReplyHandler) -> RESPConnection {
        RESPConnection(channel: channel, handler: handler)
    }

    /// Sends one command; the future completes with its reply (an error reply is a reply, not a failure) or fails
    /// when the connection closes or the peer sends bytes that are not RESP.
    public func send(_ words: [String]) -> EventLoopFuture<RESPToken> {
        let promise = channel.eventLoop.makePromise(of: RESPToken.self)
        handler.enqueue(promise)
        var buffer = channel.allocator.buffer(capacity: 64)
        RESPCommand.encode(words, into: &buffer)
        channel.writeAndFlush(buffer).whenFailure { promise.fail($0) }
        return promise.futureResult
    }

    /// Called with replies no command waits for (messages of a subscription).
    public var onPush: ((RESPToken) -> Void)? {
        get { handler.onPush }
        set { handler.onPush = newValue }
    }

    public func close() {
        channel.close(promise: nil)
    }
}

/// The inbound half of `RESPConnection`: cuts replies from the stream and completes waiting commands in order.
public final class RESPReplyHandler: ChannelInboundHandler {
    public typealias InboundIn = ByteBuffer

    private let limits: RESPLimits
    private var waiting: [EventLoopPromise<RESPToken>] = []
    private var nextWaiting = 0
    private var received: ByteBuffer?
    var onPush: ((RESPToken) -> Void)?

    public init(limits: RESPLimits = RESPLimits()) {
        self.limits = limits
    }

    func enqueue(_ promise: EventLoopPromise<RESPToken>) {
        waiting.append(promise)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if received == nil { received = incoming } else { received!.writeBuffer(&incoming) }
        guard var buffer = received else { return }
        received = nil
        do {
            while let token = try RESPToken(consuming: &buffer, limits: limits) { deliver(token) }
        } catch {
            failAll(error)
            context.close(promise: nil)
            return
        }
        if buffer.readableBytes > 0 { received = buffer }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        failAll(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func deliver(_ token: RESPToken) {
        if case .push = token.value, let onPush {
            onPush(token)
            return
        }
        guard nextWaiting < waiting.count else {
            onPush?(token)
            return
        }
        let promise = waiting[nextWaiting]
        nextWaiting += 1
        if nextWaiting == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            nextWaiting = 0
        }
        promise.succeed(token)
    }

    private func failAll(_ error: Error) {
        let pending = waiting[nextWaiting...]
        waiting.removeAll()
        nextWaiting = 0
        for promise in pending { promise.fail(error) }
    }
}

/// RESP's request form: an array of bulk strings.
public enum RESPCommand {
    public static func encode(_ words: [String], into buffer: inout ByteBuffer) {
        buffer.writeString(text(words))
    }

    /// Appends the encoding of a command of binary arguments to `bytes`.
    public static func append(_ words: [[UInt8]], to bytes: inout [UInt8]) {
        bytes += Array("*\(words.count)\r\n".utf8)
        for word in words {
            bytes += Array("$\(word.count)\r\n".utf8)
            bytes += word
            bytes += [13, 10]
        }
    }

    /// The encoded bytes as text (the handshake sends several commands in one write).
    public static func text(_ words: [String]) -> String {
        var text = "*\(words.count)\r\n"
        for word in words { text += "$\(word.utf8.count)\r\n\(word)\r\n" }
        return text
    }
}
