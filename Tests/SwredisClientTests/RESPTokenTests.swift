import NIOCore
import SwredisClient
import XCTest

final class RESPTokenTests: XCTestCase {
    private func tokens(_ text: String, limits: RESPLimits = RESPLimits()) throws -> [RESPToken] {
        var buffer = ByteBuffer(string: text)
        var found: [RESPToken] = []
        while let token = try RESPToken(consuming: &buffer, limits: limits) { found.append(token) }
        XCTAssertEqual(buffer.readableBytes, 0, "left over: \(String(buffer: buffer))")
        return found
    }

    private func parseError(_ text: String, limits: RESPLimits = RESPLimits()) -> RESPParsingError? {
        var buffer = ByteBuffer(string: text)
        do {
            _ = try RESPToken(consuming: &buffer, limits: limits)
            return nil
        } catch {
            return error as? RESPParsingError
        }
    }

    func testScalarsOfBothProtocols() throws {
        let found = try tokens(
            "+OK\r\n-ERR no\r\n:-42\r\n$3\r\nfoo\r\n$-1\r\n_\r\n#t\r\n,1.5\r\n(123456789012345678901\r\n")
        XCTAssertEqual(found.map(\.string), ["OK", nil, nil, "foo", nil, nil, nil, nil, nil])
        XCTAssertEqual(found[1].errorMessage, "ERR no")
        XCTAssertEqual(found[2].integer, -42)
        XCTAssertEqual(found[4].value, .null)
        XCTAssertEqual(found[5].value, .null)
        XCTAssertEqual(found[6].value, .boolean(true))
        XCTAssertEqual(found[7].value, .double(1.5))
        XCTAssertEqual(found[8].value, .bigNumber(ByteBuffer(string: "123456789012345678901")))
    }

    func testAggregatesIterateTheirElementsAsTokens() throws {
        let found = try tokens("*3\r\n$1\r\na\r\n*1\r\n:7\r\n+x\r\n%1\r\n+k\r\n$1\r\nv\r\n*-1\r\n")
        XCTAssertEqual(found.count, 3)
        guard case .array(let elements) = found[0].value else { return XCTFail("\(found[0].value)") }
        let items = Array(elements)
        XCTAssertEqual(items.count, 3)
        XCTAssertEqual(items[0].string, "a")
        guard case .array(let inner) = items[1].value else { return XCTFail("nested") }
        XCTAssertEqual(inner.map(\.integer), [7])
        XCTAssertEqual(items[2].string, "x")
        guard case .map(let pairs) = found[1].value else { return XCTFail("map") }
        XCTAssertEqual(pairs.map(\.string), ["k", "v"])
        XCTAssertEqual(found[2].value, .null)
    }

    func testIncompleteInputWaitsAndLeavesTheBufferAlone() throws {
        let whole = "*2\r\n$5\r\nhello\r\n:1\r\n"
        for cut in 0..<whole.utf8.count {
            var buffer = ByteBuffer(bytes: Array(whole.utf8.prefix(cut)))
            XCTAssertNil(try RESPToken(consuming: &buffer), "cut at \(cut)")
            XCTAssertEqual(buffer.readableBytes, cut)
        }
        XCTAssertEqual(try tokens(whole).count, 1)
    }

    func testLengthsAndCountsFromAPeerAreChecked() {
        XCTAssertEqual(parseError("$-2\r\n"), .badLength)
        XCTAssertEqual(parseError("$9223372036854775807\r\n"), .badLength)
        XCTAssertEqual(parseError("$99999999999999999999\r\n"), .badLength)
        XCTAssertEqual(parseError("*-9223372036854775808\r\n"), .badLength)
        XCTAssertEqual(parseError("%4611686018427387904\r\n"), .badLength)
        XCTAssertEqual(parseError(":12x\r\n"), .badNumber)
        XCTAssertEqual(parseError(":9223372036854775808\r\n"), .badNumber)
        XCTAssertEqual(parseError("#x\r\n"), .badBoolean)
        XCTAssertEqual(parseError("$3\r\nabcXY"), .missingCRLF)
        XCTAssertEqual(parseError("+OK\n"), .missingCRLF)
        XCTAssertEqual(parseError("?\r\n"), .unknownType(UInt8(ascii: "?")))
        XCTAssertEqual(parseError(String(repeating: "*1\r\n", count: 100) + ":1\r\n"), .tooDeep)
        var small = RESPLimits()
        small.maximumLineLength = 8
        XCTAssertEqual(parseError("+" + String(repeating: "a", count: 100), limits: small), .lineTooLong)
        small.maximumBulkLength = 4
        XCTAssertEqual(parseError("$5\r\nhello\r\n", limits: small), .badLength)
        var extreme = RESPLimits()
        extreme.maximumElements = .max
        XCTAssertEqual(parseError("%9223372036854775807\r\n", limits: extreme), .badLength)
        XCTAssertEqual(try tokens(":-9223372036854775808\r\n").first?.integer, .min)
    }
}
