import NIOCore
import SwredisProtocol
import XCTest

/// The reply encoder's bytes, RESP2 and RESP3, including the edges of its single-reservation fast path.
final class ReplyWriterTests: XCTestCase {
    func encoded(protocolVersion: Int = 2, _ write: (inout ReplyWriter) -> Void) -> String {
        var writer = ReplyWriter(buffer: ByteBuffer(), protocolVersion: protocolVersion)
        write(&writer)
        return String(buffer: writer.buffer)
    }

    func testIntegersIncludingTheExtremes() {
        XCTAssertEqual(encoded { $0.integer(0) }, ":0\r\n")
        XCTAssertEqual(encoded { $0.integer(9) }, ":9\r\n")
        XCTAssertEqual(encoded { $0.integer(10) }, ":10\r\n")
        XCTAssertEqual(encoded { $0.integer(-7) }, ":-7\r\n")
        XCTAssertEqual(encoded { $0.integer(Int.max) }, ":9223372036854775807\r\n")
        XCTAssertEqual(encoded { $0.integer(Int.min) }, ":-9223372036854775808\r\n")
    }

    func testBulkStrings() {
        XCTAssertEqual(
            encoded { writer in
                "hello".utf8.withContiguousStorageIfAvailable { writer.bulk(UnsafeRawBufferPointer($0)) }
            }, "$5\r\nhello\r\n")
        XCTAssertEqual(encoded { $0.bulk(UnsafeRawBufferPointer(start: nil, count: 0)) }, "$0\r\n\r\n")
        let long = String(repeating: "x", count: 10_000)
        XCTAssertEqual(encoded { $0.bulk(long) }, "$10000\r\n\(long)\r\n")
        XCTAssertEqual(encoded { $0.bulkDecimal(-12345) }, "$6\r\n-12345\r\n")
        XCTAssertEqual(encoded { $0.bulkDecimal(Int.min) }, "$20\r\n-9223372036854775808\r\n")
        XCTAssertEqual(encoded { $0.bulkDecimal(7) }, "$1\r\n7\r\n")
    }

    func testAggregateHeadersAndIntegralDoubles() {
        XCTAssertEqual(encoded { $0.arrayHeader(0) }, "*0\r\n")
        XCTAssertEqual(encoded { $0.arrayHeader(123) }, "*123\r\n")
        XCTAssertEqual(encoded { $0.mapHeader(2) }, "*4\r\n")
        XCTAssertEqual(encoded(protocolVersion: 3) { $0.mapHeader(2) }, "%2\r\n")
        XCTAssertEqual(encoded { $0.double(integral: -42) }, "$3\r\n-42\r\n")
        XCTAssertEqual(encoded(protocolVersion: 3) { $0.double(integral: -42) }, ",-42\r\n")
    }

    func testErrorsNullsAndBooleansFollowTheProtocol() {
        XCTAssertEqual(encoded { $0.error("ERR a\r\nb") }, "-ERR a  b\r\n")
        XCTAssertEqual(encoded { $0.null() }, "$-1\r\n")
        XCTAssertEqual(encoded(protocolVersion: 3) { $0.null() }, "_\r\n")
        XCTAssertEqual(encoded { $0.nullArray() }, "*-1\r\n")
        XCTAssertEqual(encoded(protocolVersion: 3) { $0.verbatim("ab") }, "=6\r\ntxt:ab\r\n")
        XCTAssertEqual(encoded { $0.boolean(true) }, ":1\r\n")
        XCTAssertEqual(encoded(protocolVersion: 3) { $0.boolean(false) }, "#f\r\n")
    }

    func testManyRepliesGrowTheBufferIntact() {
        let text = encoded { writer in
            for value in 0..<5000 { writer.integer(value) }
        }
        XCTAssertEqual(text, (0..<5000).map { ":\($0)\r\n" }.joined())
    }
}
