import NIOCore
import SwredisBytes
import SwredisEngine
import SwredisProtocol
import XCTest

/// What waits while a MIGRATE or RESTORE moves a key off the engine thread (`KeyTransfers.swift`).
final class KeyTransferTests: EngineTestCase {
    private func otherClient() -> ClientSession {
        engine.createClient(
            address: "127.0.0.1:2", localAddress: "127.0.0.1:6379", isUnixSocket: false,
            allocator: ByteBufferAllocator())
    }

    /// Whether the command in `words`, sent by the test's client, would wait for the running transfers.
    private func held(_ words: String...) -> Bool {
        var request = "*\(words.count)\r\n"
        for word in words { request += "$\(word.utf8.count)\r\n\(word)\r\n" }
        var args = ArgumentList()
        return Array(request.utf8).withUnsafeBytes { raw in
            guard case .command = RequestParser.parse(raw, into: &args) else {
                XCTFail("parse")
                return false
            }
            return args.spans.withUnsafeBufferPointer { spans in
                engine.isHeldByKeyTransfer(
                    client, Arguments(base: raw.baseAddress!, spans: spans.baseAddress!, count: args.count))
            }
        }
    }

    func testWritesNamingTheKeyOrNoKeyWaitReadsAndOtherKeysDoNot() {
        XCTAssertEqual(run("SADD", "bigset", "a"), ":1\r\n")
        XCTAssertFalse(held("SADD", "bigset", "b"), "nothing is in transfer")
        let caller = otherClient()
        engine.beginKeyTransfer(caller, db: 0, keys: [ByteString("bigset")])
        XCTAssertTrue(held("SADD", "bigset", "b"))
        XCTAssertTrue(held("DEL", "x", "bigset"))
        XCTAssertTrue(held("RENAME", "bigset", "y"))
        XCTAssertTrue(held("EVAL", "return 1", "1", "bigset"))
        XCTAssertTrue(held("EVAL", "return 1", "0"), "a script naming no key may write any")
        XCTAssertTrue(held("FLUSHALL"))
        XCTAssertFalse(held("SCARD", "bigset"))
        XCTAssertFalse(held("SMEMBERS", "bigset"))
        XCTAssertFalse(held("SADD", "other", "b"))
        XCTAssertFalse(held("EVAL_RO", "return 1", "1", "bigset"))
        XCTAssertFalse(held("PING"))
        XCTAssertFalse(held("NOSUCHCOMMAND", "bigset"))
        XCTAssertEqual(run("SELECT", "1"), "+OK\r\n")
        XCTAssertFalse(held("SADD", "bigset", "b"), "another database's key of that name")
        XCTAssertEqual(run("SELECT", "0"), "+OK\r\n")
        XCTAssertEqual(run("MULTI"), "+OK\r\n")
        XCTAssertFalse(held("SADD", "bigset", "b"), "queued, not run")
        XCTAssertEqual(run("SADD", "bigset", "b"), "+QUEUED\r\n")
        XCTAssertTrue(held("EXEC"))
        XCTAssertEqual(run("DISCARD"), "+OK\r\n")
        XCTAssertFalse(held("EXEC"), "EXEC without MULTI only gets its error")
        engine.endKeyTransfer(caller, db: 0, keys: [ByteString("bigset")])
        XCTAssertFalse(held("SADD", "bigset", "b"))
        XCTAssertTrue(engine.keysInTransfer.isEmpty)
    }

    func testTheCallerWaitsForItsTransferOnlyAndKeysStayHeldUntilTheLastTransferEnds() {
        let first = otherClient()
        let second = otherClient()
        engine.beginKeyTransfer(first, db: 0, keys: [ByteString("a"), ByteString("b")])
        engine.beginKeyTransfer(second, db: 0, keys: [ByteString("b")])
        XCTAssertTrue(first.isBlocked)
        XCTAssertEqual(run("CLIENT", "UNBLOCK", String(first.id)), ":0\r\n", "not blocked in Redis's sense")
        XCTAssertEqual(run("CLIENT", "UNBLOCK", String(first.id), "ERROR"), ":0\r\n")
        engine.timeOutBlockedClient(first)
        XCTAssertTrue(first.isBlocked, "no timeout ends a transfer")
        engine.endKeyTransfer(first, db: 0, keys: [ByteString("a"), ByteString("b")])
        XCTAssertFalse(first.isBlocked)
        XCTAssertTrue(second.isBlocked)
        XCTAssertFalse(held("SET", "a", "1"))
        XCTAssertTrue(held("SET", "b", "1"), "still moved by the second transfer")
        engine.removeClient(second)
        engine.endKeyTransfer(second, db: 0, keys: [ByteString("b")])
        XCTAssertFalse(held("SET", "b", "1"))
    }
}
