import NIOCore
import XCTest

@testable import SwredisReplication

/// The full-sync payload framings: `$<length>` and a diskless master's `$EOF:<40-byte mark>`, fed in every split.
final class TransferFileTests: XCTestCase {
    let mark = Array("0123456789abcdef0123456789abcdef01234567".utf8)
    var path: String { "/tmp/swredis-transfer-\(getpid()).rdb" }

    /// Feeds `wire` in chunks of `chunk` bytes; returns the file's bytes and what was left after completion.
    func receive(_ wire: [UInt8], framing: TransferFile.Framing, chunk: Int) throws -> (file: [UInt8]?, left: Int) {
        let file = try TransferFile(path: path, framing: framing)
        defer { unlink(path) }
        var offset = 0
        var left = 0
        var complete = false
        while offset < wire.count, !complete {
            let end = min(wire.count, offset + chunk)
            var buffer = ByteBufferAllocator().buffer(bytes: wire[offset..<end])
            complete = try file.consume(&buffer) == .complete
            left = buffer.readableBytes + (wire.count - end)
            offset = end
        }
        guard complete else { return (nil, left) }
        let handle = try XCTUnwrap(fopen(path, "rb"))
        defer { fclose(handle) }
        var bytes = [UInt8](repeating: 0, count: wire.count + 1)
        let count = fread(&bytes, 1, bytes.count, handle)
        return (Array(bytes[..<count]), left)
    }

    func testAnEndMarkEndsThePayloadWhateverTheReadsSplitAndAPrefixOfTheMarkIsPayload() throws {
        // The payload itself holds the mark's first 39 bytes, which must not end the transfer.
        let payload = Array("REDIS0010".utf8) + Array(mark.prefix(39)) + [0xFF, 0, 1, 2, 3]
        for chunk in [1, 2, 3, 7, 39, 40, 41, 64, 1000] {
            let result = try receive(payload + mark, framing: .endMark(mark), chunk: chunk)
            XCTAssertEqual(result.file, payload, "chunk \(chunk)")
        }
        // Without the full mark the transfer is never complete.
        let cut = try receive(payload + mark.prefix(39), framing: .endMark(mark), chunk: 5)
        XCTAssertNil(cut.file)
    }

    func testALengthEndsThePayloadAndLeavesTheStreamThatFollows() throws {
        let payload = Array("REDIS0010 payload".utf8)
        let stream = Array("*1\r\n$4\r\nPING\r\n".utf8)
        for chunk in [1, 5, 17, 18, 100] {
            let result = try receive(payload + stream, framing: .length(payload.count), chunk: chunk)
            XCTAssertEqual(result.file, payload, "chunk \(chunk)")
            XCTAssertEqual(result.left, stream.count, "chunk \(chunk)")
        }
    }
}
