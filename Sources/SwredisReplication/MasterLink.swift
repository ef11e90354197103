import NIOCore
import NIOPosix
import SwredisEngine
import SwredisLog

/// The replica's connection to its master (the network half of Redis's `syncWithMaster`): one TCP client
/// channel on the engine's event loop, replaced on every reconnection. The engine decides when to connect
/// (`Engine.connectToMaster`, retried by the replication cron); `MasterLinkHandler` runs the handshake, receives
/// the RDB and applies the stream.
public final class MasterLink: MasterLinkController {
    private unowned let engine: Engine
    private let loop: EventLoop
    /// Called after the handler applied a batch of the stream (to flush our own replicas and clients).
    private let afterBatch: () -> Void
    private var channel: Channel?
    private var handler: MasterLinkHandler?

    public init(engine: Engine, loop: EventLoop, afterBatch: @escaping () -> Void) {
        self.engine = engine
        self.loop = loop
        self.afterBatch = afterBatch
    }

    public func connect(host: String, port: Int) {
        disconnect()
        let handler = MasterLinkHandler(engine: engine, afterBatch: afterBatch)
        self.handler = handler
        let timeout = Int64(max(1, engine.config[.replTimeout]))
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(timeout))
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(
                ChannelOptions.recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 64 * 1024, maximum: 1024 * 1024)
            )
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .connect(host: host, port: port)
            .whenComplete { [weak self] result in
                guard let self, self.handler === handler else {
                    if case .success(let channel) = result { channel.close(promise: nil) }
                    return
                }
                switch result {
                case .success(let channel):
                    self.channel = channel
                case .failure(let error):
                    serverLog(.warning, "Error condition on socket for SYNC: \(MasterLink.describe(error))")
                    self.handler = nil
                    handler.detach()
                }
            }
    }

    public func disconnect() {
        handler?.detach()
        handler = nil
        channel?.close(promise: nil)
        channel = nil
    }

    public func sendToMaster(_ bytes: String) {
        handler?.send(bytes)
    }

    static func describe(_ error: Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if error is ChannelError { return "Connection timed out" }
        return "\(error)"
    }
}
