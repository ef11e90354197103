import SwredisBytes
import SwredisKeyspace
import XCTest

final class HashTableTests: XCTestCase {
    func testInsertLookupRemoveThroughGrowthAndShrink() {
        var table = HashTable<Int>()
        for index in 0..<10000 { XCTAssertTrue(table.set(ByteString("k\(index)"), index)) }
        XCTAssertEqual(table.count, 10000)
        XCTAssertFalse(table.set(ByteString("k5"), -5))
        XCTAssertEqual(table[ByteString("k5")], -5)
        for index in stride(from: 0, to: 10000, by: 2) { XCTAssertNotNil(table.remove(ByteString("k\(index)"))) }
        XCTAssertEqual(table.count, 5000)
        for index in 0..<10000 {
            XCTAssertEqual(table[ByteString("k\(index)")] != nil, index % 2 == 1, "k\(index)")
        }
        for index in stride(from: 1, to: 10000, by: 2) { table.remove(ByteString("k\(index)")) }
        XCTAssertTrue(table.isEmpty)
        XCTAssertLessThanOrEqual(table.capacity, 16)
    }

    func testLookupByRawBytesMatchesStoredKeys() {
        var table = HashTable<Int>()
        let long = String(repeating: "z", count: 200)
        table.set(ByteString(long), 1)
        let found = Array(long.utf8).withUnsafeBytes { table.index(of: $0) }
        XCTAssertNotNil(found)
    }

    /// SCAN's guarantee: keys present for the whole scan come back at least once, even while the table
    /// grows and shrinks between calls.
    func testScanReturnsEveryStableKeyAcrossResizes() {
        var table = HashTable<Int>()
        for index in 0..<500 { table.set(ByteString("stable\(index)"), index) }
        var seen = Set<ByteString>()
        var cursor: UInt64 = 0
        var step = 0
        repeat {
            cursor = table.scan(cursor: cursor, count: 10) { key, _ in seen.insert(key) }
            step += 1
            if step == 5 { for index in 0..<3000 { table.set(ByteString("grow\(index)"), index) } }
            if step == 40 { for index in 0..<3000 { table.remove(ByteString("grow\(index)")) } }
        } while cursor != 0 && step < 100_000
        for index in 0..<500 { XCTAssertTrue(seen.contains(ByteString("stable\(index)")), "stable\(index) missed") }
    }

    func testRandomIndexAlwaysHitsAnEntry() {
        var table = HashTable<Int>()
        XCTAssertNil(table.randomIndex())
        for index in 0..<50 { table.set(ByteString("r\(index)"), index) }
        var seen = Set<Int>()
        for _ in 0..<2000 {
            guard let position = table.randomIndex() else { return XCTFail("no index") }
            seen.insert(table.value(at: position))
        }
        XCTAssertGreaterThan(seen.count, 40)
    }

    func testGlobPatterns() {
        XCTAssertTrue(GlobPattern.matches("h?llo", "hello"))
        XCTAssertTrue(GlobPattern.matches("h*llo", "heeeello"))
        XCTAssertTrue(GlobPattern.matches("h[ae]llo", "hallo"))
        XCTAssertFalse(GlobPattern.matches("h[^e]llo", "hello"))
        XCTAssertTrue(GlobPattern.matches("h[a-b]llo", "hbllo"))
        XCTAssertTrue(GlobPattern.matches("h\\*llo", "h*llo"))
        XCTAssertFalse(GlobPattern.matches("h\\*llo", "hello"))
        XCTAssertTrue(GlobPattern.matches("MAXMEMORY*", "maxmemory-policy", nocase: true))
        XCTAssertFalse(GlobPattern.matches("a*a*a*a*a*a*a*a*a*a*a*b", String(repeating: "a", count: 60)))
    }

    func testDigestOfEmptyDatasetIsZero() {
        XCTAssertEqual(DatasetDigest.hex(DatasetDigest.compute([Database()])), String(repeating: "0", count: 40))
        XCTAssertEqual(
            Array("abc".utf8).withUnsafeBytes { DatasetDigest.hex(SHA1.hash($0)) },
            "a9993e364706816aba3e25717850c26c9cd0d89d")
    }
}
