import XCTest
import DequeModule
import SwredisBytes
import SwredisKeyspace
@testable import SwredisPersistence

final class CodecTests: XCTestCase {
    func testCRC64CheckValue() {
        let sum = Array("123456789".utf8).withUnsafeBytes { CRC64.checksum($0) }
        XCTAssertEqual(sum, 0xe9c6_d914_c4b8_d9ca)
        // Incremental updates over odd splits give the same result as one pass (slice-by-8 tail handling).
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = data.withUnsafeBytes { CRC64.checksum($0) }
        var crc = CRC64()
        data.withUnsafeBytes { bytes in
            crc.update(UnsafeRawBufferPointer(rebasing: bytes[0..<13]))
            crc.update(UnsafeRawBufferPointer(rebasing: bytes[13..<500]))
            crc.update(UnsafeRawBufferPointer(rebasing: bytes[500...]))
        }
        XCTAssertEqual(crc.value, whole)
    }

    func testLZFRoundTripsAndRefusesIncompressible() {
        let repetitive = Array(String(repeating: "abcabcabcabd-0123456789", count: 40).utf8)
        let compressed = repetitive.withUnsafeBytes { LZF.compress($0, limit: repetitive.count - 4) }
        XCTAssertNotNil(compressed)
        XCTAssertLessThan(compressed?.count ?? .max, repetitive.count / 4)
        let expanded = compressed?.withUnsafeBytes { LZF.decompress($0, expectedLength: repetitive.count) }
        XCTAssertEqual(expanded, repetitive)

        var generator = SplitMix64(seed: 7)
        for length in [4, 5, 21, 33, 100, 1000, 70_000] {
            let random = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next() % 4) }
            if let packed = random.withUnsafeBytes({ LZF.compress($0, limit: length - 1) }) {
                XCTAssertEqual(packed.withUnsafeBytes { LZF.decompress($0, expectedLength: length) }, random, "length \(length)")
            }
        }
        let noise = (0..<200).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        XCTAssertNil(noise.withUnsafeBytes { LZF.compress($0, limit: noise.count - 4) })
    }

    func testLZFDecompressRejectsCorruptInput() {
        // A back reference before the start of the output.
        XCTAssertNil([UInt8]([0x20, 0x05]).withUnsafeBytes { LZF.decompress($0, expectedLength: 3) })
        // A literal run longer than the input.
        XCTAssertNil([UInt8]([0x05, 0x41]).withUnsafeBytes { LZF.decompress($0, expectedLength: 6) })
        // Output length mismatch.
        XCTAssertNil([UInt8]([0x00, 0x41]).withUnsafeBytes { LZF.decompress($0, expectedLength: 2) })
    }

    func testDumpPayloadRoundTripsEveryType() throws {
        let hash = HashValue()
        for index in 0..<200 { hash.set(ByteString("f\(index)"), ByteString("v\(index)"), maxEntries: 128, maxValue: 64) }
        let set = SetValue()
        for member in ["1", "2", "300000", "-5"] { _ = Array(member.utf8).withUnsafeBytes { set.add($0, maxIntsetEntries: 512) } }
        let zset = SortedSetValue()
        zset.set(ByteString("a"), .infinity, maxCompactEntries: 128, maxCompactValue: 64)
        zset.set(ByteString("b"), -1.5, maxCompactEntries: 128, maxCompactValue: 64)
        let values: [Value] = [
            .string(ByteString("")), .string(ByteString(String(repeating: "x", count: 100))), .integer(-129),
            .integer(Int.min), .integer(4_294_967_296), .list(ListValue(Deque(["a", "b", ""].map { ByteString($0) }))),
            .hash(hash), .set(set), .zset(zset),
        ]
        for value in values {
            let payload = RDBEncoder.dumpPayload(value, compression: true)
            let decoded = try payload.withUnsafeBytes { try DumpPayload.decode($0, limits: CollectionLimits()) }
            XCTAssertEqual(DatasetDigest.valueDigest(decoded, hasExpire: false), DatasetDigest.valueDigest(value, hasExpire: false), "\(value.typeName)")
            var corrupted = payload
            corrupted[1] ^= 0xff
            XCTAssertThrowsError(try corrupted.withUnsafeBytes { try DumpPayload.decode($0, limits: CollectionLimits()) })
        }
    }

    func testTruncatedFileNeverReadsPastTheEnd() throws {
        var encoder = RDBEncoder(compression: true)
        encoder.appendHeader(aux: [("redis-ver", "7.0.15")])
        encoder.appendDatabaseStart(0, keys: 2, expires: 1)
        try encoder.appendKey(ByteString("k"), .string(ByteString(String(repeating: "ab", count: 40))), expireAt: 9_999_999_999_999)
        try encoder.appendKey(ByteString("l"), .list(ListValue(Deque([ByteString("x")]))), expireAt: nil)
        try encoder.appendEnd(checksum: true)
        let file = encoder.buffer
        var keys = 0
        let summary = try file.withUnsafeBytes { bytes in
            try RDBReader.read(bytes, limits: CollectionLimits(), databases: 16) { _ in keys += 1 }
        }
        XCTAssertEqual(summary.keys, 2)
        XCTAssertEqual(summary.auxValue("redis-ver"), ByteString("7.0.15"))
        for cut in 0..<file.count {
            let prefix = Array(file[..<cut])
            XCTAssertThrowsError(try prefix.withUnsafeBytes { try RDBReader.read($0, limits: CollectionLimits(), databases: 16) { _ in } }, "cut \(cut)")
        }
        var flipped = file
        flipped[20] ^= 0x01
        XCTAssertThrowsError(try flipped.withUnsafeBytes { try RDBReader.read($0, limits: CollectionLimits(), databases: 16) { _ in } })
    }
}
