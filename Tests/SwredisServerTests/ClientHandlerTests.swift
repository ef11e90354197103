import NIOCore
import NIOEmbedded
import SwredisCommands
import SwredisConfig
import SwredisEngine
import XCTest

@testable import SwredisServer

/// `ClientHandler` on NIO's `EmbeddedChannel`: no sockets, and time moves only when the test advances the loop.
final class ClientHandlerTests: XCTestCase {
    private var loop: EmbeddedEventLoop!
    private var engine: Engine!
    private var clients: ClientRegistry!

    override func setUp() {
        loop = EmbeddedEventLoop()
        engine = Engine(config: ConfigStore())
        clients = ClientRegistry(engine: engine, loop: loop)
    }

    /// A connection from 127.0.0.1; with `stalled`, the socket takes no bytes (a client that stopped reading).
    private func connect(stalled: Bool = false) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(loop: loop)
        if stalled { try channel.pipeline.syncOperations.addHandler(StalledSocket()) }
        try channel.pipeline.syncOperations.addHandler(ClientHandler(clients: clients))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        return channel
    }

    private func send(_ channel: EmbeddedChannel, _ bytes: String) throws {
        try channel.writeInbound(ByteBuffer(string: bytes))
        loop.run()
    }

    private func command(_ words: String...) -> String {
        "*\(words.count)\r\n" + words.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
    }

    /// Every write the client was sent, in order.
    private func written(_ channel: EmbeddedChannel) throws -> [String] {
        var writes: [String] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { writes.append(String(buffer: buffer)) }
        return writes
    }

    func testPipelinedCommandsGetOneWritePerReadAndASplitCommandWaits() throws {
        let channel = try connect()
        let partial = command("GET", "k")
        try send(channel, command("PING") + command("SET", "k", "v") + String(partial.dropLast(3)))
        XCTAssertEqual(try written(channel), ["+PONG\r\n+OK\r\n"])
        try send(channel, String(partial.suffix(3)))
        XCTAssertEqual(try written(channel), ["$1\r\nv\r\n"])
        XCTAssertEqual(engine.clients.count, 1)
        try channel.close().wait()
        XCTAssertEqual(engine.clients.count, 0)
    }

    func testClientPauseWriteHoldsWritesInOrderUntilUnpause() throws {
        let admin = try connect()
        let paused = try connect()
        try send(admin, command("CLIENT", "PAUSE", "100000", "WRITE"))
        XCTAssertEqual(try written(admin), ["+OK\r\n"])
        try send(paused, command("PING") + command("SET", "k", "v") + command("GET", "k"))
        loop.advanceTime(by: .seconds(2))
        XCTAssertEqual(try written(paused), ["+PONG\r\n"], "the GET waits behind the held SET")
        try send(admin, command("GET", "k"))
        XCTAssertEqual(try written(admin), ["$-1\r\n"], "reads of other clients go on")
        try send(admin, command("CLIENT", "UNPAUSE"))
        XCTAssertEqual(try written(admin), ["+OK\r\n"])
        loop.advanceTime(by: .milliseconds(Int64(ClientHandler.pausedPollMilliseconds)))
        XCTAssertEqual(try written(paused).joined(), "+OK\r\n$1\r\nv\r\n")
    }

    func testASubscriberThatStopsReadingIsClosedAtItsHardLimit() throws {
        try engine.config.set(name: "client-output-buffer-limit", value: "pubsub 4096 0 0")
        engine.config.announceChanges(["client-output-buffer-limit"])
        let subscriber = try connect(stalled: true)
        let publisher = try connect()
        try send(subscriber, command("SUBSCRIBE", "news"))
        try send(publisher, command("PUBLISH", "news", String(repeating: "x", count: 1000)))
        XCTAssertEqual(try written(publisher), [":1\r\n"])
        XCTAssertTrue(subscriber.isActive, "1000 bytes are under the 4096-byte limit")
        try send(publisher, command("PUBLISH", "news", String(repeating: "y", count: 5000)))
        XCTAssertEqual(try written(publisher), [":1\r\n"])
        XCTAssertFalse(subscriber.isActive, "over the hard limit the subscriber is disconnected")
        try send(publisher, command("PUBLISH", "news", "z"))
        XCTAssertEqual(try written(publisher), [":0\r\n"])
    }

    func testAProtocolErrorIsAnsweredThenTheConnectionCloses() throws {
        let channel = try connect()
        try send(channel, "*1\r\n$x\r\n")
        XCTAssertEqual(try written(channel), ["-ERR Protocol error: invalid bulk length\r\n", ""])
        XCTAssertFalse(channel.isActive)
    }
}

/// A socket whose peer reads nothing: writes are held and never complete.
private final class StalledSocket: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    private var held: [EventLoopPromise<Void>?] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        held.append(promise)
    }

    func flush(context: ChannelHandlerContext) {}
}
