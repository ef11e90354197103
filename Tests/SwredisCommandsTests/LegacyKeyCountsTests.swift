import SwredisEngine
import XCTest

/// The key counts cluster routing reads as Redis's getkeys procedures do (C's `atoi`).
final class LegacyKeyCountsTests: XCTestCase {
    private func atoi(_ text: String) -> Int32 {
        Array(text.utf8).withUnsafeBytes { LegacyKeyCounts.atoi($0) }
    }

    func testAtoiReadsAsGlibcDoes() {
        XCTAssertEqual(atoi("2"), 2)
        XCTAssertEqual(atoi("+2"), 2)
        XCTAssertEqual(atoi(" \t2x"), 2)
        XCTAssertEqual(atoi("-7"), -7)
        XCTAssertEqual(atoi(""), 0)
        XCTAssertEqual(atoi("x2"), 0)
        XCTAssertEqual(atoi("+"), 0)
        XCTAssertEqual(atoi("4294967297"), 1, "cut to 32 bits")
        XCTAssertEqual(atoi("9223372036854775807"), -1)
        XCTAssertEqual(atoi("9223372036854775808"), -1, "saturated at LONG_MAX, then cut")
        XCTAssertEqual(atoi("-9223372036854775808"), 0)
        XCTAssertEqual(atoi("-99999999999999999999999"), 0, "saturated at LONG_MIN, then cut")
    }
}
