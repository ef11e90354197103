import Foundation
import SwredisConfig
import XCTest

final class ConfigTests: XCTestCase {
    func load(_ text: String) throws -> ConfigStore {
        let store = ConfigStore()
        var loader = ConfigFileLoader(store: store)
        store.beginLoad()
        try loader.load(text: text, name: "test.conf")
        return store
    }

    func testDirectivesUnitsAndQuotes() throws {
        let store = try load(
            """
            # comment
            port 7000
            maxmemory 64mb
            requirepass "with space"
            appendonly YES
            save 900 1
            save 300 10
            bind 127.0.0.1 -::1
            slave-read-only no
            """)
        XCTAssertEqual(store[.port], 7000)
        XCTAssertEqual(store[.maxmemory], 64 * 1024 * 1024)
        XCTAssertEqual(store[.requirepass], "with space")
        XCTAssertTrue(store[.appendonly])
        XCTAssertEqual(store.savePoints.map { [$0.seconds, $0.changes] }, [[900, 1], [300, 10]])
        XCTAssertEqual(store[.bind], ["127.0.0.1", "-::1"])
        XCTAssertFalse(store[.replicaReadOnly])
    }

    func testOneQuotedArgumentOfAMultiWordDirectiveIsSplit() throws {
        let store = try load("bind \"127.0.0.1 10.0.0.1\"\nreplicaof \"10.0.0.2 6380\"")
        XCTAssertEqual(store[.bind], ["127.0.0.1", "10.0.0.1"])
        XCTAssertEqual(store[.replicaof], ["10.0.0.2", "6380"])
    }

    func testErrorsNameFileLineAndReason() {
        XCTAssertThrowsError(try load("port 7000\nfoo bar\n")) { error in
            let failure = error as! ConfigFileLoader.LoadError
            XCTAssertEqual(failure.line, 2)
            XCTAssertEqual(failure.reason, "Bad directive or wrong number of arguments")
            XCTAssertTrue(failure.fatalBlock.contains("*** FATAL CONFIG FILE ERROR"))
            XCTAssertTrue(failure.fatalBlock.contains("test.conf, at line 2"))
            XCTAssertTrue(failure.fatalBlock.contains(">>> 'foo bar'"))
        }
        XCTAssertThrowsError(try load("maxmemory abc")) {
            XCTAssertEqual(($0 as! ConfigFileLoader.LoadError).reason, "argument must be a memory value")
        }
        XCTAssertThrowsError(try load("port 99999")) {
            XCTAssertEqual(($0 as! ConfigFileLoader.LoadError).reason, "argument must be between 0 and 65535 inclusive")
        }
        XCTAssertThrowsError(try load("appendonly maybe")) {
            XCTAssertEqual(($0 as! ConfigFileLoader.LoadError).reason, "argument must be 'yes' or 'no'")
        }
        XCTAssertThrowsError(try load("port \"7000")) {
            XCTAssertEqual(($0 as! ConfigFileLoader.LoadError).reason, "Unbalanced quotes in configuration line")
        }
    }

    func testIncludeLoopsAreFoundHoweverThePathIsSpelled() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swredis-include-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("a.conf").path
        try "port 7000\ninclude \(directory.path)/./a.conf\n".write(toFile: file, atomically: true, encoding: .utf8)
        let store = ConfigStore()
        var loader = ConfigFileLoader(store: store)
        XCTAssertThrowsError(try loader.load(path: file)) { error in
            XCTAssertEqual((error as? ConfigFileLoader.LoadError)?.reason, "include loop")
        }
    }

    func testLimitationsAreRefusedOrWarnedWithTheirLine() throws {
        XCTAssertThrowsError(try load("port 7000\ntls-cluster yes\n")) { error in
            let failure = error as? ConfigFileLoader.LoadError
            XCTAssertEqual(failure?.line, 2)
            XCTAssertEqual(
                failure?.reason,
                "'tls-cluster yes' is not supported: TLS is not implemented; the cluster bus would be plain text"
            )
        }
        XCTAssertThrowsError(try load("loadmodule /x.so")) { error in
            XCTAssertEqual((error as? ConfigFileLoader.LoadError)?.reason, "modules ('loadmodule') are not supported")
        }
        let store = ConfigStore()
        var loader = ConfigFileLoader(store: store)
        try loader.load(
            text: "cluster-enabled no\nio-threads 1\nlazyfree-lazy-expire yes\nset-proc-title yes\n", name: "w.conf")
        XCTAssertEqual(
            loader.limitationWarnings().map(\.description),
            [
                "w.conf:3: warning: 'lazyfree-lazy-expire yes' has no effect: values are always freed synchronously",
                "w.conf:4: warning: 'set-proc-title yes' has no effect: the process title is not changed",
            ])
        XCTAssertThrowsError(try store.set(name: "tls-port", value: "6390"))
        XCTAssertNoThrow(try store.set(name: "tls-port", value: "0"))
    }

    func testSaveEmptyClearsAndConfigSetReplaces() throws {
        let store = try load("save \"\"")
        XCTAssertTrue(store.savePoints.isEmpty)
        try store.set(name: "save", value: "100 5")
        XCTAssertEqual(store.savePoints.count, 1)
        XCTAssertThrowsError(try store.set(name: "daemonize", value: "yes"))
        XCTAssertThrowsError(try store.set(name: "maxmemory-policy", value: "bogus"))
    }

    func testMemoryValuesThatOverflowAreRefused() {
        for text in [
            "maxmemory 99999999999gb", "maxmemory 8589934592gb", "maxmemory -0",
            "proto-max-bulk-len 9999999999999999999k", "maxmemory -9223372036854775808",
        ] {
            XCTAssertThrowsError(try load(text), text) {
                XCTAssertEqual(($0 as! ConfigFileLoader.LoadError).reason, "argument must be a memory value", text)
            }
        }
        XCTAssertThrowsError(try load("client-output-buffer-limit replica 99999999999gb 0 0")) {
            XCTAssertEqual(
                ($0 as! ConfigFileLoader.LoadError).reason,
                "Error in hard, soft or soft_seconds setting in buffer limit configuration.")
        }
        XCTAssertThrowsError(try load("maxmemory 18446744073709551616")) {
            XCTAssertEqual(
                ($0 as! ConfigFileLoader.LoadError).reason,
                "argument must be between 0 and 9223372036854775807 inclusive")
        }
        XCTAssertThrowsError(try load("port 9223372036854775808")) {
            XCTAssertEqual(($0 as! ConfigFileLoader.LoadError).reason, "argument couldn't be parsed into an integer")
        }
        XCTAssertEqual(try load("maxmemory 8589934591gb")[.maxmemory], 8_589_934_591 << 30)
        XCTAssertEqual(MemoryUnits.parse("9223372036854775807"), Int.max)
        XCTAssertNil(MemoryUnits.parse("9223372036854775807b0"))
    }

    func testMemoryUnits() {
        XCTAssertEqual(MemoryUnits.parse("1k"), 1000)
        XCTAssertEqual(MemoryUnits.parse("1KB"), 1024)
        XCTAssertEqual(MemoryUnits.parse("2gb"), 2 << 30)
        XCTAssertNil(MemoryUnits.parse("abc"))
        XCTAssertNil(MemoryUnits.parse(""))
    }
}
