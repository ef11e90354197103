import SwredisProtocol
import XCTest

final class AppendOnlyBufferTests: XCTestCase {
    private func append(_ buffer: AppendOnlyBuffer, database: Int, _ arguments: String...) {
        buffer.beginCommand(database: database, count: arguments.count)
        for argument in arguments {
            var bytes = Array(argument.utf8)
            bytes.withUnsafeBytes { buffer.appendArgument($0) }
        }
    }

    func testFramesCommandsWithASelectOnlyWhenTheDatabaseChanges() {
        let buffer = AppendOnlyBuffer()
        append(buffer, database: 0, "SET", "k", "0123456789")
        append(buffer, database: 0, "DEL", "k")
        append(buffer, database: 12, "INCR", "n")
        XCTAssertEqual(
            String(decoding: buffer.bytes, as: UTF8.self),
            "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n0123456789\r\n"
                + "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n")
    }

    func testANewFileRepeatsTheSelect() {
        let buffer = AppendOnlyBuffer()
        append(buffer, database: 3, "DEL", "a")
        buffer.removeWritten()
        XCTAssertTrue(buffer.isEmpty)
        append(buffer, database: 3, "DEL", "a")
        XCTAssertFalse(String(decoding: buffer.bytes, as: UTF8.self).contains("SELECT"))
        buffer.removeWritten()
        buffer.forgetSelectedDatabase()
        append(buffer, database: 3, "DEL", "a")
        XCTAssertTrue(String(decoding: buffer.bytes, as: UTF8.self).hasPrefix("*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n"))
    }
}
