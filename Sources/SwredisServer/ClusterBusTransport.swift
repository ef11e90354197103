import NIOCore
import NIOPosix
import SwredisCluster
import SwredisLog

/// The cluster bus's sockets on the engine's event loop: the listener on the bus port, one channel per link, and
/// the frames between them and `ClusterService`. Writes to an outbound link still connecting wait for it.
final class ClusterBusTransport: ClusterTransport {
    private let loop: EventLoop
    private unowned(unsafe) let cluster: ClusterService
    private var channels: [ClusterLinkID: Channel] = [:]
    /// Outbound links still connecting, with what was sent to them meanwhile.
    private var connecting: [ClusterLinkID: [[UInt8]]] = [:]
    /// Bytes written to each link that the kernel has not taken yet (queued while connecting included).
    private var unsent: [ClusterLinkID: Int] = [:]
    /// The bus listeners, held for the life of the process.
    private var listeners: [Channel] = []
    /// Writes what a frame made for clients (pub/sub messages from the bus) at once, not at the next cron.
    private let flushClients: () -> Void

    init(loop: EventLoop, cluster: ClusterService, flushClients: @escaping () -> Void) {
        self.loop = loop
        self.cluster = cluster
        self.flushClients = flushClients
    }

    /// Binds the bus port on `host`.
    func bind(host: String, port: Int) throws {
        var bootstrap = ServerBootstrap(group: loop)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
        if host.contains(":") {
            // As for the data port: an IPv6 listener takes IPv6 only, so both families can share the port.
            bootstrap = bootstrap.serverChannelOption(
                ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only), value: 1)
        }
        let channel =
            try bootstrap
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [unowned self] channel in
                let link = cluster.linkAccepted()
                channels[link] = channel
                return channel.eventLoop.makeCompletedFuture { try self.addHandlers(channel, link: link) }
            }
            .bind(host: host, port: port).wait()
        listeners.append(channel)
    }

    private func addHandlers(_ channel: Channel, link: ClusterLinkID) throws {
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ClusterFrameDecoder()))
        try channel.pipeline.syncOperations.addHandler(ClusterLinkHandler(transport: self, link: link))
    }

    func connect(_ link: ClusterLinkID, ip: String, port: Int) {
        connecting[link] = []
        let timeout = Int64(max(cluster.bus.nodeTimeout, 1000))
        ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(timeout))
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { [unowned self] channel in
                channel.eventLoop.makeCompletedFuture { try self.addHandlers(channel, link: link) }
            }
            .connect(host: ip, port: port)
            .whenComplete { [unowned self] result in
                switch result {
                case .success(let channel):
                    guard let queued = connecting.removeValue(forKey: link) else {
                        channel.close(promise: nil)
                        return
                    }
                    channels[link] = channel
                    for bytes in queued { write(bytes, to: channel, link: link) }
                    channel.flush()
                    cluster.linkConnected(link)
                case .failure:
                    unsent[link] = nil
                    guard connecting.removeValue(forKey: link) != nil else { return }
                    cluster.linkClosed(link)
                }
            }
    }

    func send(_ link: ClusterLinkID, _ bytes: [UInt8]) {
        if let channel = channels[link] {
            unsent[link, default: 0] += bytes.count
            write(bytes, to: channel, link: link)
            channel.flush()
        } else if connecting[link] != nil {
            unsent[link, default: 0] += bytes.count
            connecting[link]?.append(bytes)
        }
    }

    /// Writes `bytes`, counted in `unsent` until the channel has handed them to the kernel.
    private func write(_ bytes: [UInt8], to channel: Channel, link: ClusterLinkID) {
        let promise = loop.makePromise(of: Void.self)
        let count = bytes.count
        promise.futureResult.whenComplete { [unowned self] _ in
            guard let left = unsent[link] else { return }
            unsent[link] = left > count ? left - count : nil
        }
        channel.write(ByteBuffer(bytes: bytes), promise: promise)
    }

    func sendBufferBytes(_ link: ClusterLinkID) -> Int {
        unsent[link] ?? 0
    }

    func close(_ link: ClusterLinkID) {
        connecting[link] = nil
        unsent[link] = nil
        channels.removeValue(forKey: link)?.close(promise: nil)
    }

    /// The peer closed the link or it failed: the service hears of it unless it closed the link itself.
    fileprivate func channelEnded(_ link: ClusterLinkID) {
        unsent[link] = nil
        guard channels.removeValue(forKey: link) != nil else { return }
        cluster.linkClosed(link)
    }

    fileprivate func received(_ frame: [UInt8], on link: ClusterLinkID, channel: Channel) {
        cluster.frameReceived(
            frame, on: link, peerIP: channel.remoteAddress?.ipAddress ?? "",
            localIP: channel.localAddress?.ipAddress ?? "")
        flushClients()
    }

    fileprivate func refused(_ link: ClusterLinkID) {
        guard channels[link] != nil else { return }
        cluster.badFrame(on: link)
    }
}

/// Cuts the byte stream into whole frames, refusing a bad signature or length at the first eight bytes (Redis's
/// `clusterReadHandler`).
struct ClusterFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    struct BadFrame: Error {}

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let prefix = buffer.getBytes(at: buffer.readerIndex, length: 8) else { return .needMoreData }
        guard let length = ClusterMessage.frameLength(prefix) else { throw BadFrame() }
        guard let frame = buffer.readBytes(length: length) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}

/// Hands one link's frames and its end to the transport.
final class ClusterLinkHandler: ChannelInboundHandler {
    typealias InboundIn = [UInt8]

    private unowned(unsafe) let transport: ClusterBusTransport
    private let link: ClusterLinkID

    init(transport: ClusterBusTransport, link: ClusterLinkID) {
        self.transport = transport
        self.link = link
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        transport.received(unwrapInboundIn(data), on: link, channel: context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        transport.channelEnded(link)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is ClusterFrameDecoder.BadFrame {
            transport.refused(link)
        } else {
            serverLog(.debug, "I/O error on a cluster bus link: \(error)")
        }
        context.close(promise: nil)
    }
}
