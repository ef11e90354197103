import NIOCore
import SwredisCommands
import SwredisConfig
import SwredisEngine
import SwredisPersistence
import SwredisProtocol
import XCTest

/// The engine driven directly (no sockets): parse a request, execute it, read the reply bytes.
class EngineTestCase: XCTestCase {
    var engine: Engine!
    var client: ClientSession!

    override func setUp() {
        engine = Engine(config: ConfigStore())
        client = engine.createClient(
            address: "127.0.0.1:1", localAddress: "127.0.0.1:6379",
            isUnixSocket: false, allocator: ByteBufferAllocator())
    }

    /// Runs one command given as words and returns the raw reply.
    func run(_ words: String...) -> String {
        var request = "*\(words.count)\r\n"
        for word in words { request += "$\(word.utf8.count)\r\n\(word)\r\n" }
        var args = ArgumentList()
        let bytes = Array(request.utf8)
        bytes.withUnsafeBytes { raw in
            guard case .command = RequestParser.parse(raw, into: &args) else { return XCTFail("parse") }
            args.spans.withUnsafeBufferPointer { spans in
                engine.execute(client, Arguments(base: raw.baseAddress!, spans: spans.baseAddress!, count: args.count))
            }
        }
        let reply = client.reply.buffer.readString(length: client.reply.buffer.readableBytes) ?? ""
        client.reply.buffer.clear()
        return reply
    }
}

/// Commands run through `execute` without sockets.
final class EngineTests: EngineTestCase {
    func testStringsAndCounters() {
        XCTAssertEqual(run("SET", "k", "v"), "+OK\r\n")
        XCTAssertEqual(run("get", "k"), "$1\r\nv\r\n")
        XCTAssertEqual(run("INCR", "k"), "-ERR value is not an integer or out of range\r\n")
        XCTAssertEqual(run("INCRBY", "n", "9223372036854775807"), ":9223372036854775807\r\n")
        XCTAssertEqual(run("INCR", "n"), "-ERR increment or decrement would overflow\r\n")
        XCTAssertEqual(run("SET", "k", "v", "NX", "XX"), "-ERR syntax error\r\n")
        XCTAssertEqual(run("SET", "k", "w", "GET"), "$1\r\nv\r\n")
        XCTAssertEqual(run("APPEND", "k", "xyz"), ":4\r\n")
        XCTAssertEqual(run("GETRANGE", "k", "1", "-1"), "$3\r\nxyz\r\n")
    }

    func testDispatchErrors() {
        XCTAssertEqual(run("GET"), "-ERR wrong number of arguments for 'get' command\r\n")
        XCTAssertEqual(run("NOPE", "a"), "-ERR unknown command 'NOPE', with args beginning with: 'a' \r\n")
        XCTAssertEqual(run("CONFIG", "NOPE"), "-ERR unknown subcommand 'NOPE'. Try CONFIG HELP.\r\n")
        XCTAssertEqual(run("CONFIG", "GET"), "-ERR wrong number of arguments for 'config|get' command\r\n")
    }

    func testAuthentication() throws {
        try engine.config.set(name: "requirepass", value: "secret")
        engine.config.announceChanges(["requirepass"])
        client.authenticated = false
        XCTAssertEqual(run("GET", "k"), "-NOAUTH Authentication required.\r\n")
        XCTAssertEqual(run("AUTH", "wrong"), "-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        XCTAssertEqual(run("AUTH", "default", "secret"), "+OK\r\n")
        XCTAssertEqual(run("GET", "k"), "$-1\r\n")
    }

    func testExpiryIsLazyAndTTLReports() {
        XCTAssertEqual(run("SET", "t", "1", "PX", "1"), "+OK\r\n")
        engine.clock.advance(milliseconds: 5)
        XCTAssertEqual(run("GET", "t"), "$-1\r\n")
        XCTAssertEqual(run("TTL", "t"), ":-2\r\n")
        XCTAssertEqual(run("SET", "p", "1"), "+OK\r\n")
        XCTAssertEqual(run("TTL", "p"), ":-1\r\n")
        XCTAssertEqual(
            run("EXPIRE", "p", "100", "NX", "XX"),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n")
        XCTAssertEqual(run("EXPIRE", "p", "100"), ":1\r\n")
        XCTAssertEqual(run("TTL", "p"), ":100\r\n")
    }

    func testTimeMovesOnlyWhenTheTestClockAdvances() {
        XCTAssertEqual(run("SET", "k", "v", "EX", "100"), "+OK\r\n")
        XCTAssertEqual(run("TTL", "k"), ":100\r\n")
        engine.clock.advance(milliseconds: 40_000)
        XCTAssertEqual(run("TTL", "k"), ":60\r\n")
        XCTAssertEqual(run("EXPIRE", "k", "10", "GT"), ":0\r\n", "60 s left is more than 10")
        engine.clock.advance(milliseconds: 59_000)
        let left = Int(run("PTTL", "k").dropFirst().prefix { $0 != "\r\n" }) ?? -1
        XCTAssertTrue((900...1000).contains(left), "about one second left: \(left) ms")
        XCTAssertEqual(run("GET", "k"), "$1\r\nv\r\n")
        engine.clock.advance(milliseconds: 1000)
        XCTAssertEqual(run("GET", "k"), "$-1\r\n")
        XCTAssertEqual(run("EXISTS", "k"), ":0\r\n")
    }

    func testInfoHasRedisFields() {
        let info = run("INFO")
        XCTAssertTrue(info.contains("redis_version:7.0.15\r\n"))
        XCTAssertTrue(info.contains("redis_mode:standalone\r\n"))
        XCTAssertTrue(info.contains("connected_clients:1\r\n"))
        XCTAssertTrue(info.contains("# Keyspace\r\n"))
    }
}
