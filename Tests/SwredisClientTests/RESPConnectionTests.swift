import NIOCore
import NIOEmbedded
import SwredisClient
import XCTest

final class RESPConnectionTests: XCTestCase {
    private func connection() throws -> (EmbeddedChannel, RESPConnection) {
        let handler = RESPReplyHandler()
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        return (channel, RESPConnection.wrapping(channel, handler: handler))
    }

    func testPipelinedRepliesCompleteCommandsInOrderAcrossReads() throws {
        let (channel, connection) = try connection()
        let first = connection.send(["SET", "k", "v"])
        let second = connection.send(["GET", "k"])
        let third = connection.send(["NOPE"])
        let written = try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) }
        XCTAssertEqual(written, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
        try channel.writeInbound(ByteBuffer(string: "+OK\r\n$1\r"))
        XCTAssertEqual(try first.wait().string, "OK")
        try channel.writeInbound(ByteBuffer(string: "\nv\r\n-ERR unknown command 'NOPE'\r\n"))
        XCTAssertEqual(try second.wait().string, "v")
        XCTAssertEqual(try third.wait().errorMessage, "ERR unknown command 'NOPE'")
        _ = try channel.finish()
    }

    func testUnrequestedRepliesGoToThePushCallback() throws {
        let (channel, connection) = try connection()
        var pushed: [String] = []
        connection.onPush = { token in
            if case .array(let items) = token.value { pushed.append(items.compactMap(\.string).joined(separator: " ")) }
        }
        try channel.writeInbound(ByteBuffer(string: "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n"))
        XCTAssertEqual(pushed, ["message ch hello"])
        _ = try channel.finish()
    }

    func testBytesThatAreNotRESPFailWaitingCommandsAndClose() throws {
        let (channel, connection) = try connection()
        let reply = connection.send(["PING"])
        try channel.writeInbound(ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\n"))
        XCTAssertThrowsError(try reply.wait())
        XCTAssertFalse(channel.isActive)
    }

    func testClosingFailsWaitingCommands() throws {
        let (channel, connection) = try connection()
        let reply = connection.send(["PING"])
        try channel.close().wait()
        XCTAssertThrowsError(try reply.wait())
    }
}
