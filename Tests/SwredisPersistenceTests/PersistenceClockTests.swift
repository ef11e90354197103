import Foundation
import SwredisConfig
import SwredisEngine
import SwredisPersistence
import XCTest

/// The persistence timers read the engine's clock, so a test moves time instead of sleeping.
final class PersistenceClockTests: XCTestCase {
    private var directory = ""
    private var previousDirectory = ""

    override func setUpWithError() throws {
        previousDirectory = FileManager.default.currentDirectoryPath
        directory = NSTemporaryDirectory() + "swredis-clock-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(directory))
    }

    override func tearDown() {
        _ = FileManager.default.changeCurrentDirectoryPath(previousDirectory)
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testASavePointIsReachedWhenTheEngineClockPassesIt() throws {
        let engine = Engine(config: ConfigStore())
        try engine.config.set(name: "save", value: "10 1")
        engine.lastSaveTime = engine.clock.unixMilliseconds() / 1000
        engine.dirty = 1

        engine.persistenceCron()
        XCTAssertFalse(FileManager.default.fileExists(atPath: "dump.rdb"), "10 seconds have not passed")

        engine.clock.advance(milliseconds: 11_000)
        engine.persistenceCron()
        XCTAssertTrue(FileManager.default.fileExists(atPath: "dump.rdb"))
        XCTAssertEqual(engine.dirty, 0)
        XCTAssertEqual(engine.lastSaveTime, engine.clock.unixMilliseconds() / 1000)
    }
}
