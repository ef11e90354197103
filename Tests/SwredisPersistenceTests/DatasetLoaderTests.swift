import Dispatch
import Foundation
import SwredisBytes
import SwredisCommands
import SwredisConfig
import SwredisEngine
import SwredisPersistence
import XCTest

/// The one dataset loader: at once and on a background thread, with and without keys whose time has passed.
final class DatasetLoaderTests: XCTestCase {
    private var path = ""

    /// An RDB (version 10, zero checksum) with `live` -> `1` and `gone` -> `2` that expired in 2001.
    override func setUpWithError() throws {
        func string(_ text: String) -> [UInt8] { [UInt8(text.utf8.count)] + Array(text.utf8) }
        let expired = withUnsafeBytes(of: UInt64(1_000_000_000_000).littleEndian) { Array($0) }
        var body: [UInt8] = [0xfe, 0x00]
        body += [0x00] + string("live") + string("1")
        body += [0xfc] + expired + [0x00] + string("gone") + string("2")
        let file = Array("REDIS0010".utf8) + body + [0xff] + [UInt8](repeating: 0, count: 8)
        path = NSTemporaryDirectory() + "swredis-loader-\(UUID().uuidString).rdb"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(file)))
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func testLoadingNowDropsExpiredKeysUnlessAskedToKeepThem() throws {
        let engine = Engine(config: ConfigStore())
        let loaded = try DatasetLoader(engine: engine, path: path).load()
        XCTAssertEqual(loaded.databases[0].count, 1)
        XCTAssertEqual(loaded.expiredKeys, 1)
        let kept = try DatasetLoader(engine: engine, path: path, keepExpired: true).load()
        XCTAssertEqual(kept.databases[0].count, 2)
        XCTAssertEqual(kept.databases.count, 16, "one database per `databases`")
    }

    func testBackgroundLoadMarksTheEngineLoadingAndReportsOnTheEngineThread() throws {
        let engine = Engine(config: ConfigStore())
        let engineThread = DispatchQueue(label: "engine")
        let onEngineThread = DispatchSpecificKey<Bool>()
        engineThread.setSpecific(key: onEngineThread, value: true)
        engine.runOnEngineThread = { engineThread.async(execute: $0) }
        let done = expectation(description: "loaded")
        var installedKeys = -1
        engineThread.sync {
            DatasetLoader(engine: engine, path: path).loadInBackground(into: engine) { result in
                XCTAssertEqual(DispatchQueue.getSpecific(key: onEngineThread), true)
                XCTAssertFalse(engine.persistence.loading)
                if case .success(let dataset) = result {
                    engine.install(dataset, startedAt: Engine.monotonicMicroseconds())
                    installedKeys = engine.databases[0].count
                }
                done.fulfill()
            }
            XCTAssertTrue(engine.persistence.loading, "clients get -LOADING until the result is in")
        }
        wait(for: [done], timeout: 10)
        XCTAssertEqual(installedKeys, 1)
        XCTAssertEqual(engine.persistence.lastLoadKeysExpired, 1)
    }

    func testATruncatedFileFailsInTheBackgroundToo() throws {
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: bytes.prefix(bytes.count - 12)))
        let engine = Engine(config: ConfigStore())
        engine.runOnEngineThread = { DispatchQueue.global().async(execute: $0) }
        let done = expectation(description: "failed")
        DatasetLoader(engine: engine, path: path).loadInBackground(into: engine) { result in
            if case .success = result { XCTFail("a truncated RDB loaded") }
            done.fulfill()
        }
        wait(for: [done], timeout: 10)
        XCTAssertThrowsError(try DatasetLoader(engine: engine, path: path).load())
    }
}
