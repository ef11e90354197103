import SwredisConfig
import XCTest

/// Findings of the `config` fuzz target (Sources/swredis-fuzz); the inputs are in tests/fuzz-corpus/config/regression-*.
final class ConfigFuzzRegressionTests: XCTestCase {
    /// regression-empty-memory-value: an empty memory value read as 0 without the bounds check, so
    /// `CONFIG SET client-query-buffer-limit ""` stored 0 (below its 1mb minimum) and CONFIG GET then showed a value
    /// CONFIG SET refuses. Redis's memtoull reads "" as 0 and the bounds check refuses it.
    func testEmptyMemoryValueIsBoundsChecked() throws {
        let store = ConfigStore()
        XCTAssertThrowsError(try store.set(name: "client-query-buffer-limit", value: "")) {
            XCTAssertEqual(
                "\($0)",
                "CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - argument must be between 1048576 and 9223372036854775807 inclusive"
            )
        }
        XCTAssertEqual(store[.clientQueryBufferLimit], 1024 * 1024 * 1024)
        try store.set(name: "maxmemory", value: "")
        XCTAssertEqual(store[.maxmemory], 0)

        let file = ConfigStore()
        var loader = ConfigFileLoader(store: file)
        file.beginLoad()
        XCTAssertThrowsError(try loader.load(text: "proto-max-bulk-len \"\"\n", name: "test.conf")) {
            XCTAssertEqual(
                ($0 as! ConfigFileLoader.LoadError).reason,
                "argument must be between 1048576 and 9223372036854775807 inclusive")
        }
    }
}
