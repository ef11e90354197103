import NIOCore
import SwredisProtocol
import XCTest

/// The request parser fed whole buffers, one byte at a time, pipelines, and malformed input.
final class RequestParserTests: XCTestCase {
    /// Parses every command in `bytes`; returns the arguments of each, or the protocol error.
    func parseAll(_ bytes: [UInt8]) -> (commands: [[String]], error: String?, leftover: Int) {
        var args = ArgumentList()
        var commands: [[String]] = []
        var offset = 0
        return bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let window = UnsafeRawBufferPointer(rebasing: raw[offset...])
                switch RequestParser.parse(window, into: &args) {
                case .incomplete:
                    return (commands, nil, raw.count - offset)
                case .skip(let consumed):
                    offset += consumed
                case .protocolError(let message):
                    return (commands, message, raw.count - offset)
                case .command(let consumed):
                    var command: [String] = []
                    for index in 0..<args.count {
                        let start = args.spans[index * 2]
                        let length = args.spans[index * 2 + 1]
                        if args.isInline {
                            command.append(String(decoding: args.inlineStorage[start..<start + length], as: UTF8.self))
                        } else {
                            command.append(String(decoding: window[start..<start + length], as: UTF8.self))
                        }
                    }
                    commands.append(command)
                    offset += consumed
                }
            }
            return (commands, nil, 0)
        }
    }

    func testMultibulkWhole() {
        let result = parseAll(Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n".utf8))
        XCTAssertEqual(result.commands, [["SET", "k", "value"]])
        XCTAssertNil(result.error)
    }

    func testByteAtATimeIsIncompleteUntilTheLastByte() {
        let bytes = Array("*2\r\n$4\r\nECHO\r\n$11\r\nhello world\r\n".utf8)
        for cut in 1..<bytes.count {
            let partial = parseAll(Array(bytes[0..<cut]))
            XCTAssertEqual(partial.commands.count, 0, "cut at \(cut)")
            XCTAssertNil(partial.error, "cut at \(cut)")
            XCTAssertEqual(partial.leftover, cut)
        }
        XCTAssertEqual(parseAll(bytes).commands, [["ECHO", "hello world"]])
    }

    func testPipelineOfManyCommandsInOneBuffer() {
        var bytes: [UInt8] = []
        for index in 0..<100 { bytes += Array("*2\r\n$4\r\nINCR\r\n$\(String(index).count)\r\n\(index)\r\n".utf8) }
        bytes += Array("PING\r\n".utf8)
        let result = parseAll(bytes)
        XCTAssertEqual(result.commands.count, 101)
        XCTAssertEqual(result.commands[42], ["INCR", "42"])
        XCTAssertEqual(result.commands.last, ["PING"])
    }

    func testBinarySafeBulk() {
        var bytes = Array("*2\r\n$3\r\nGET\r\n$4\r\n".utf8)
        bytes += [0, 13, 10, 255]
        bytes += Array("\r\n".utf8)
        var args = ArgumentList()
        bytes.withUnsafeBytes { raw in
            XCTAssertEqual(RequestParser.parse(raw, into: &args), .command(consumed: bytes.count))
            XCTAssertEqual(Array(raw[args.spans[2]..<args.spans[2] + args.spans[3]]), [0, 13, 10, 255])
        }
    }

    func testInlineCommandsWithQuotes() {
        let result = parseAll(Array("set \"a b\" 'c\\'d' \"\\x41\\n\"\r\nPING\n\r\n".utf8))
        XCTAssertEqual(result.commands, [["set", "a b", "c'd", "A\n"], ["PING"]])
    }

    func testEmptyAndNegativeMultibulkAreSkipped() {
        let result = parseAll(Array("*0\r\n*-1\r\n\r\nPING\r\n".utf8))
        XCTAssertEqual(result.commands, [["PING"]])
    }

    func testMalformedInputGivesRedisErrors() {
        XCTAssertEqual(parseAll(Array("*abc\r\n".utf8)).error, "Protocol error: invalid multibulk length")
        XCTAssertEqual(parseAll(Array("*01\r\n".utf8)).error, "Protocol error: invalid multibulk length")
        XCTAssertEqual(parseAll(Array("*3000000000\r\n".utf8)).error, "Protocol error: invalid multibulk length")
        XCTAssertEqual(parseAll(Array("*1\r\n+foo\r\n".utf8)).error, "Protocol error: expected '$', got '+'")
        XCTAssertEqual(parseAll(Array("*1\r\n$-3\r\n".utf8)).error, "Protocol error: invalid bulk length")
        XCTAssertEqual(parseAll(Array("*1\r\n$04\r\nPING\r\n".utf8)).error, "Protocol error: invalid bulk length")
        XCTAssertEqual(parseAll(Array("*1\r\n$999999999999\r\n".utf8)).error, "Protocol error: invalid bulk length")
        XCTAssertEqual(parseAll(Array("SET \"a b\r\n".utf8)).error, "Protocol error: unbalanced quotes in request")
        XCTAssertEqual(
            parseAll(Array(repeating: UInt8(ascii: "a"), count: 70 * 1024)).error,
            "Protocol error: too big inline request")
        XCTAssertEqual(
            parseAll(Array("*".utf8) + Array(repeating: UInt8(ascii: "1"), count: 70 * 1024)).error,
            "Protocol error: too big mbulk count string")
    }

    func testCountsAndLengthsAtTheLimitsOfInt64() {
        XCTAssertEqual(
            parseAll(Array("*9223372036854775807\r\n".utf8)).error, "Protocol error: invalid multibulk length")
        XCTAssertEqual(
            parseAll(Array("*9223372036854775808\r\n".utf8)).error, "Protocol error: invalid multibulk length")
        XCTAssertEqual(
            parseAll(Array("*99999999999999999999\r\n".utf8)).error, "Protocol error: invalid multibulk length")
        XCTAssertEqual(
            parseAll(Array("*1\r\n$9223372036854775807\r\n".utf8)).error, "Protocol error: invalid bulk length")
        XCTAssertEqual(
            parseAll(Array("*1\r\n$-9223372036854775808\r\n".utf8)).error, "Protocol error: invalid bulk length")
        XCTAssertEqual(
            parseAll(Array("*1\r\n$9223372036854775808\r\n".utf8)).error, "Protocol error: invalid bulk length")
        var args = ArgumentList()
        let minimum = Array("*-9223372036854775808\r\n".utf8)
        minimum.withUnsafeBytes { raw in
            XCTAssertEqual(RequestParser.parse(raw, into: &args), .skip(consumed: minimum.count))
        }
        // proto-max-bulk-len may be configured up to Int64.max: a length that large waits for its bytes.
        let unlimited = RequestLimits(maxBulkLength: Int.max)
        for length in ["9223372036854775807", "9223372036854775806", "9223372036854775805"] {
            Array("*1\r\n$\(length)\r\nabc".utf8).withUnsafeBytes { raw in
                XCTAssertEqual(RequestParser.parse(raw, into: &args, limits: unlimited), .incomplete, length)
            }
        }
    }

    func testUnauthenticatedLimits() {
        var args = ArgumentList()
        let many = Array("*11\r\n".utf8)
        let limited = RequestLimits(unauthenticated: true)
        many.withUnsafeBytes { raw in
            XCTAssertEqual(
                RequestParser.parse(raw, into: &args, limits: limited),
                .protocolError("Protocol error: invalid multibulk length"))
        }
        let big = Array("*1\r\n$20000\r\n".utf8)
        big.withUnsafeBytes { raw in
            XCTAssertEqual(
                RequestParser.parse(raw, into: &args, limits: limited),
                .protocolError("Protocol error: invalid bulk length"))
            XCTAssertEqual(RequestParser.parse(raw, into: &args), .incomplete)
        }
    }
}
