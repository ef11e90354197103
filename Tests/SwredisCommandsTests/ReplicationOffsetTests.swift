import Foundation
import SwredisBytes
import SwredisConfig
import SwredisEngine
import SwredisKeyspace
import SwredisPersistence
import XCTest

@testable import SwredisCommands

/// Replication offsets and RDB metadata taken from peers and files, at the limits of Int64.
final class ReplicationOffsetTests: XCTestCase {
    private let replicationID = String(repeating: "a", count: 40)

    /// An RDB string of fewer than 64 bytes.
    private func string(_ text: String) -> [UInt8] {
        [UInt8(text.utf8.count)] + Array(text.utf8)
    }

    /// Writes an RDB file holding `body` (zero checksum) and loads it the way the server does at startup.
    private func load(_ body: [UInt8]) throws -> LoadedDataset {
        let path = NSTemporaryDirectory() + "swredis-offsets-\(UUID().uuidString).rdb"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = Array("REDIS0010".utf8) + body + [0xff] + [UInt8](repeating: 0, count: 8)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(file)))
        let engine = Engine(config: ConfigStore())
        return try Engine.loadRDB(path: path, limits: engine.collectionLimits, databaseCount: 16, lfu: false)
    }

    private func replicationAux(offset: String) -> [UInt8] {
        var body: [UInt8] = [0xfa] + string("repl-stream-db") + string("0")
        body += [0xfa] + string("repl-id") + string(replicationID)
        body += [0xfa] + string("repl-offset") + string(offset)
        return body
    }

    func testRDBReplicationOffsetOfInt64MaxIsNotAdopted() throws {
        let engine = Engine(config: ConfigStore())
        engine.adoptReplicationInfo(auxValue: try load(replicationAux(offset: "9223372036854775807")).summary.auxValue)
        XCTAssertEqual(engine.replication.offset, 0)
        XCTAssertEqual(engine.replication.secondOffset, -1)
        XCTAssertNil(engine.replication.backlog)

        engine.adoptReplicationInfo(auxValue: try load(replicationAux(offset: "4611686018427387904")).summary.auxValue)
        XCTAssertEqual(engine.replication.offset, ReplicationState.maximumOffset)
        XCTAssertEqual(engine.replication.secondOffset, ReplicationState.maximumOffset + 1)
        XCTAssertEqual(engine.replication.replicationID2, replicationID)
        XCTAssertEqual(engine.replication.backlog?.endOffset, ReplicationState.maximumOffset)
    }

    func testBacklogAnswersPSYNCOffsetsAtTheLimitsOfInt64() {
        var backlog = ReplicationBacklog(capacity: 16 * 1024, endOffset: ReplicationState.maximumOffset)
        Array("PING".utf8).withUnsafeBytes { backlog.append($0) }
        XCTAssertEqual(backlog.endOffset, ReplicationState.maximumOffset + 4)
        XCTAssertTrue(backlog.contains(offset: ReplicationState.maximumOffset + 1))
        XCTAssertFalse(backlog.contains(offset: Int.max))
        XCTAssertFalse(backlog.contains(offset: Int.min))
    }

    func testRDBIdleTimeOfInt64MaxLoads() throws {
        let idle: [UInt8] = [0xf8, 0x81] + withUnsafeBytes(of: UInt64(Int64.max).bigEndian) { Array($0) }
        let loaded = try load(idle + [0] + string("k") + string("v"))
        XCTAssertEqual(loaded.databases[0].count, 1)
        XCTAssertNotNil(loaded.databases[0].keys[ByteString("k")])
    }
}
