import NIOCore
import SwredisEngine
import SwredisPersistence
import XCTest

@testable import SwredisCommands

final class ReplicationBacklogTests: XCTestCase {
    private func held(_ backlog: ReplicationBacklog, from offset: Int) -> [UInt8] {
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        backlog.copy(from: offset, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    private func append(_ backlog: inout ReplicationBacklog, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { backlog.append($0) }
    }

    func testOffsetsStartAfterTheCreationOffset() {
        var backlog = ReplicationBacklog(capacity: 16 * 1024, endOffset: 100)
        XCTAssertEqual(backlog.firstOffset, 101)
        XCTAssertTrue(backlog.contains(offset: 101))
        XCTAssertFalse(backlog.contains(offset: 100))
        append(&backlog, Array("hello".utf8))
        XCTAssertEqual(backlog.endOffset, 105)
        XCTAssertEqual(held(backlog, from: 101), Array("hello".utf8))
        XCTAssertEqual(held(backlog, from: 104), Array("lo".utf8))
        XCTAssertEqual(held(backlog, from: 106), [])
        XCTAssertFalse(backlog.contains(offset: 107))
    }

    func testWrapsAroundKeepingTheNewestBytes() {
        var backlog = ReplicationBacklog(capacity: 16 * 1024, endOffset: 0)
        var everything: [UInt8] = []
        for round in 0..<50 {
            let chunk = (0..<(700 + round * 13)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ round) }
            append(&backlog, chunk)
            everything += chunk
        }
        XCTAssertEqual(backlog.historyLength, backlog.capacity)
        XCTAssertEqual(backlog.endOffset, everything.count)
        XCTAssertFalse(backlog.contains(offset: backlog.firstOffset - 1))
        XCTAssertEqual(held(backlog, from: backlog.firstOffset), Array(everything.suffix(backlog.capacity)))
        XCTAssertEqual(held(backlog, from: everything.count - 99), Array(everything.suffix(100)))
    }

    func testAnAppendLargerThanTheRingKeepsItsTail() {
        var backlog = ReplicationBacklog(capacity: 16 * 1024, endOffset: 10)
        let big = (0..<40_000).map { UInt8(truncatingIfNeeded: $0) }
        append(&backlog, big)
        XCTAssertEqual(backlog.endOffset, 40_010)
        XCTAssertEqual(held(backlog, from: backlog.firstOffset), Array(big.suffix(16 * 1024)))
    }

    func testResizeKeepsRecentHistory() {
        var backlog = ReplicationBacklog(capacity: 64 * 1024, endOffset: 0)
        let data = (0..<50_000).map { UInt8(truncatingIfNeeded: $0 / 7) }
        append(&backlog, data)
        let smaller = backlog.resized(to: 20_000)
        XCTAssertEqual(smaller.endOffset, 50_000)
        XCTAssertEqual(smaller.historyLength, 20_000)
        XCTAssertEqual(held(smaller, from: smaller.firstOffset), Array(data.suffix(20_000)))
    }
}
