import DequeModule
import SwredisBytes
import XCTest

@testable import SwredisKeyspace

final class SnapshotTests: XCTestCase {
    /// A snapshot keeps showing the keyspace as it was, whatever the owner does afterwards: inserts, deletes
    /// (which move the last entry into the hole), overwrites, and in-place changes to collections made through
    /// `prepareForInPlaceWrite`.
    func testSnapshotIsIsolatedFromLaterWrites() {
        var database = Database()
        for index in 0..<1000 {
            database.set(ByteString("k\(index)"), Entry(value: .integer(index), accessClock: 0))
        }
        let list = ListValue(Deque([ByteString("a")]))
        database.set(ByteString("list"), Entry(value: .list(list), accessClock: 0))
        database.setExpire(ByteString("k1"), at: 42)

        var generations = SnapshotGenerations()
        let generation = generations.begin()
        var snapshot = database.snapshot

        for index in stride(from: 0, to: 1000, by: 3) { database.remove(ByteString("k\(index)")) }
        for index in 1000..<1500 {
            database.set(ByteString("k\(index)"), Entry(value: .integer(-index), accessClock: 0))
        }
        database.set(ByteString("k2"), Entry(value: .integer(-2), accessClock: 0))
        database.persist(ByteString("k1"))
        let position = database.keys.index(of: ByteString("list"))!
        database.prepareForInPlaceWrite(at: position, generations: generations)
        guard case .list(let writable) = database.keys.value(at: position).value else {
            return XCTFail("list expected")
        }
        XCTAssertFalse(writable === list, "a collection shared with a snapshot must be copied before an in-place write")
        writable.items.append(ByteString("b"))
        XCTAssertEqual(list.items.count, 1)

        XCTAssertEqual(snapshot.expireTime(of: ByteString("k1")), 42)
        var seen: [ByteString: Int] = [:]
        snapshot.keys.drain { key, entry in
            switch entry.value {
            case .integer(let number): seen[key] = number
            case .list(let items): seen[key] = items.items.count
            default: XCTFail("unexpected value")
            }
        }
        generations.end(generation)
        XCTAssertEqual(seen.count, 1001)
        for index in 0..<1000 { XCTAssertEqual(seen[ByteString("k\(index)")], index) }
        XCTAssertEqual(seen[ByteString("list")], 1)

        // Without a running snapshot, in-place writes keep the same object.
        database.prepareForInPlaceWrite(at: database.keys.index(of: ByteString("list"))!, generations: generations)
        guard case .list(let same) = database.keys.value(at: database.keys.index(of: ByteString("list"))!).value else {
            return XCTFail()
        }
        XCTAssertTrue(same === writable)
        XCTAssertEqual(database.count, 1000 - 334 + 500 + 1)
    }
}
