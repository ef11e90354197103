import SwredisBytes
import XCTest

final class ByteStringTests: XCTestCase {
    func testInlineAndHeapAreEqualByContent() {
        let short = ByteString("key:000000000001")
        let long = ByteString(String(repeating: "x", count: 100))
        XCTAssertEqual(short, ByteString(bytes: Array("key:000000000001".utf8)))
        XCTAssertEqual(long, ByteString(bytes: Array(repeating: UInt8(ascii: "x"), count: 100)))
        XCTAssertNotEqual(ByteString("a"), ByteString("a\0"))
        XCTAssertEqual(ByteString(String(repeating: "y", count: 23)).count, 23)
        XCTAssertEqual(ByteString(String(repeating: "y", count: 24)).count, 24)
        XCTAssertTrue(ByteString("abc") < ByteString("abd"))
        XCTAssertTrue(ByteString("ab") < ByteString("abc"))
        // The inline fast path must agree with memcmp-then-length on every pair, including NUL bytes and
        // strings that cross the inline/heap boundary.
        let samples: [[UInt8]] = [
            [], [0], [0, 0], [1], [0, 1], [255], [97, 0, 98], [97], [97, 98],
            Array(repeating: 120, count: 23), Array(repeating: 120, count: 24),
            Array(repeating: 120, count: 22) + [0], Array(repeating: 0, count: 23), [200, 1, 2, 3, 4, 5, 6, 7, 8],
        ]
        func reference(_ a: [UInt8], _ b: [UInt8]) -> Bool {
            for (x, y) in zip(a, b) where x != y { return x < y }
            return a.count < b.count
        }
        for a in samples {
            for b in samples {
                XCTAssertEqual(ByteString(bytes: a) < ByteString(bytes: b), reference(a, b), "\(a) < \(b)")
            }
        }
    }

    func testCanonicalIntegers() {
        func parse(_ text: String) -> Int? {
            Array(text.utf8).withUnsafeBytes { StringNumbers.parseCanonicalInteger($0) }
        }
        XCTAssertEqual(parse("0"), 0)
        XCTAssertEqual(parse("-9223372036854775808"), Int.min)
        XCTAssertEqual(parse("9223372036854775807"), Int.max)
        XCTAssertNil(parse("9223372036854775808"))
        XCTAssertNil(parse("01"))
        XCTAssertNil(parse("-0"))
        XCTAssertNil(parse("+1"))
        XCTAssertNil(parse(" 1"))
        XCTAssertNil(parse(""))
    }

    func testLongDoubleFormattingMatchesRedis() {
        func incr(_ a: String, _ b: String) -> String {
            let x = Array(a.utf8).withUnsafeBytes { StringNumbers.parseLongDouble($0) }!
            let y = Array(b.utf8).withUnsafeBytes { StringNumbers.parseLongDouble($0) }!
            return StringNumbers.formatLongDouble(x + y)
        }
        XCTAssertEqual(incr("10.5", "0.1"), "10.6")
        XCTAssertEqual(incr("0.1", "0.2"), "0.3")
        XCTAssertEqual(incr("10.6", "3.0e3"), "3010.60000000000000009")
        XCTAssertEqual(incr("5", "-5"), "0")
    }
}
