import SwredisBytes
import SwredisEngine
import SwredisKeyspace
import XCTest

/// An observer that records the engine's keyspace signals.
final class RecordingObserver: KeyspaceObserver {
    var events: [String] = []
    var wantsModifiedKeys: Bool { true }

    func keyModified(db: Int, key: UnsafeRawBufferPointer) {
        events.append("modified \(db) \(String(decoding: key, as: UTF8.self))")
    }
    func keyStored(db: Int, key: ByteString, value: Value) {
        events.append("stored \(db) \(key.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })")
    }
    func databasesReplaced(_ databases: [Int], swapped: Bool) {
        events.append("replaced \(databases) swapped=\(swapped)")
    }
}

/// What handlers signal through the keyspace observer seam.
final class KeyspaceObserverTests: EngineTestCase {
    var observer: RecordingObserver!

    override func setUp() {
        super.setUp()
        observer = RecordingObserver()
        engine.keyspaceObservers.append(observer)
    }

    func testStoresModificationsAndWholeDatabaseChangesAreSignalled() {
        _ = run("SET", "k", "v")
        _ = run("RPUSH", "list", "a")
        _ = run("ZADD", "src", "1", "a")
        _ = run("ZUNIONSTORE", "dst", "1", "src")
        _ = run("GET", "k")
        _ = run("SWAPDB", "0", "1")
        _ = run("FLUSHDB")
        XCTAssertTrue(observer.events.contains("stored 0 k"), "\(observer.events)")
        XCTAssertTrue(observer.events.contains("modified 0 k"), "\(observer.events)")
        XCTAssertTrue(observer.events.contains("stored 0 list"), "\(observer.events)")
        // ZUNIONSTORE modifies only its destination; its source is read.
        XCTAssertTrue(observer.events.contains("modified 0 dst"), "\(observer.events)")
        XCTAssertEqual(observer.events.filter { $0 == "modified 0 src" }.count, 1, "\(observer.events)")
        XCTAssertEqual(observer.events.suffix(2), ["replaced [0, 1] swapped=true", "replaced [0] swapped=false"])
    }

    func testAWatchBreaksThroughTheSeamAndAReadDoesNotSignal() {
        _ = run("WATCH", "w")
        let before = observer.events.count
        _ = run("GET", "w")
        _ = run("EXISTS", "w")
        XCTAssertEqual(observer.events.count, before)
        _ = run("SET", "w", "1")
        XCTAssertEqual(observer.events.last, "modified 0 w")
        _ = run("MULTI")
        _ = run("GET", "w")
        XCTAssertEqual(run("EXEC"), "*-1\r\n")
    }
}
