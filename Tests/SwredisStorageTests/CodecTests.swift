import DequeModule
import SwredisBytes
import SwredisKeyspace
import XCTest

@testable import SwredisStorage

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
                XCTAssertEqual(
                    packed.withUnsafeBytes { LZF.decompress($0, expectedLength: length) }, random, "length \(length)")
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
        for index in 0..<200 {
            hash.set(ByteString("f\(index)"), ByteString("v\(index)"), maxEntries: 128, maxValue: 64)
        }
        let set = SetValue()
        for member in ["1", "2", "300000", "-5"] {
            _ = Array(member.utf8).withUnsafeBytes { set.add($0, maxIntsetEntries: 512) }
        }
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
            XCTAssertEqual(
                DatasetDigest.valueDigest(decoded, hasExpire: false),
                DatasetDigest.valueDigest(value, hasExpire: false), "\(value.typeName)")
            var corrupted = payload
            corrupted[1] ^= 0xff
            XCTAssertThrowsError(
                try corrupted.withUnsafeBytes { try DumpPayload.decode($0, limits: CollectionLimits()) })
        }
    }

    func testTruncatedFileNeverReadsPastTheEnd() throws {
        var encoder = RDBEncoder(compression: true)
        encoder.appendHeader(aux: [("redis-ver", "7.0.15")])
        encoder.appendDatabaseStart(0, keys: 2, expires: 1)
        try encoder.appendKey(
            ByteString("k"), .string(ByteString(String(repeating: "ab", count: 40))), expireAt: 9_999_999_999_999)
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
            XCTAssertThrowsError(
                try prefix.withUnsafeBytes {
                    try RDBReader.read($0, limits: CollectionLimits(), databases: 16) { _ in }
                }, "cut \(cut)")
        }
        var flipped = file
        flipped[20] ^= 0x01
        XCTAssertThrowsError(
            try flipped.withUnsafeBytes { try RDBReader.read($0, limits: CollectionLimits(), databases: 16) { _ in } })
    }

    // MARK: Corrupt headers: lengths past Int64 or past the data

    /// An RDB file holding `body` after the header, with the end marker and a zero checksum (not verified).
    private func rdbFile(_ body: [UInt8]) -> [UInt8] {
        Array("REDIS0010".utf8) + body + [0xff] + [UInt8](repeating: 0, count: 8)
    }

    /// The reason `RDBReader` gives for refusing `file`, or nil when it reads.
    private func readFailure(_ file: [UInt8]) -> String? {
        do {
            _ = try file.withUnsafeBytes { try RDBReader.read($0, limits: CollectionLimits(), databases: 16) { _ in } }
            return nil
        } catch let error as RDBError {
            return error.reason
        } catch {
            return "\(error)"
        }
    }

    /// The reason a packed-blob reader gives for refusing `blob`.
    private func packedFailure(_ blob: [UInt8], _ read: (UnsafeRawBufferPointer) throws -> Void) -> String? {
        do {
            try blob.withUnsafeBytes { try read($0) }
            return nil
        } catch let error as RDBError {
            return error.reason
        } catch {
            return "\(error)"
        }
    }

    /// A length in the 64-bit form (`0x81` then 8 bytes big endian).
    private func length64(_ value: UInt64) -> [UInt8] {
        [0x81] + withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    private func littleEndian32(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    private let key: [UInt8] = [0x01, UInt8(ascii: "k")]

    func testRDBLengthsOf2To63AndBeyondTheDataAreRefused() {
        XCTAssertEqual(
            readFailure(rdbFile([1] + key + length64(1 << 63))).map { $0.hasPrefix("Length out of range (key 'k'") },
            true)
        XCTAssertEqual(
            readFailure(rdbFile([1] + key + length64(.max))).map { $0.hasPrefix("Length out of range (key 'k'") }, true)
        XCTAssertEqual(
            readFailure(rdbFile([2] + key + length64(1 << 62))).map {
                $0.hasPrefix("Collection length 4611686018427387904 exceeds the data left")
            }, true)
        XCTAssertEqual(
            readFailure(rdbFile([0] + key + length64(1 << 62))).map {
                $0.hasPrefix("Unexpected EOF reading RDB file (key 'k'")
            }, true)
        XCTAssertEqual(readFailure(rdbFile([0] + length64(UInt64(Int64.max)))), "Unexpected EOF reading RDB file")
        XCTAssertEqual(
            readFailure(rdbFile([0xfe] + length64(UInt64(Int64.max)))),
            "FATAL: Data file was created with a Redis server configured to handle more than 16 databases. Exiting")
    }

    func testLZFStringsClaimingAbsurdLengthsAreRefusedBeforeAllocating() {
        let compressed: [UInt8] = [0x00, 0x41]
        for expanded in [length64(1 << 62), length64(UInt64(Int64.max)), [0x80, 0x17, 0xd7, 0x84, 0x00]] {
            let file = rdbFile([0] + key + [0xc3, 0x02] + expanded + compressed)
            XCTAssertEqual(readFailure(file).map { $0.hasPrefix("Invalid LZF compressed string (key 'k'") }, true)
        }
        XCTAssertEqual(
            readFailure(rdbFile([0] + key + [0xc3] + length64(1 << 62) + [0x01] + compressed))
                .map { $0.hasPrefix("Unexpected EOF reading RDB file (key 'k'") }, true)
        XCTAssertNil(compressed.withUnsafeBytes { LZF.decompress($0, expectedLength: Int.max) })
        XCTAssertNil(compressed.withUnsafeBytes { LZF.decompress($0, expectedLength: 400_000_000) })
        // The densest valid stream (one literal, then back references of 264 bytes) is still accepted.
        let dense: [UInt8] = [0x00, 0x41] + Array([[UInt8]](repeating: [0xe0, 0xff, 0x00], count: 10).joined())
        XCTAssertEqual(
            dense.withUnsafeBytes { LZF.decompress($0, expectedLength: 2641) }, [UInt8](repeating: 0x41, count: 2641))
    }

    func testPackedEntriesLongerThanTheirBlobAreRefused() {
        func ziplist(_ entries: [UInt8]) -> [UInt8] {
            littleEndian32(UInt32(11 + entries.count)) + littleEndian32(10) + [1, 0] + entries + [0xff]
        }
        func listpack(_ entries: [UInt8]) -> [UInt8] {
            littleEndian32(UInt32(7 + entries.count)) + [1, 0] + entries + [0xff]
        }
        let ziplistRead: (UnsafeRawBufferPointer) throws -> Void = { try PackedEncodings.ziplist($0) { _ in } }
        let listpackRead: (UnsafeRawBufferPointer) throws -> Void = { try PackedEncodings.listpack($0) { _ in } }
        XCTAssertEqual(
            packedFailure(ziplist([0x00, 0x80, 0xff, 0xff, 0xff, 0xff]), ziplistRead), "Unexpected EOF reading RDB file"
        )
        XCTAssertEqual(packedFailure(ziplist([0x00, 0x7f, 0xff]), ziplistRead), "Unexpected EOF reading RDB file")
        XCTAssertEqual(
            packedFailure(ziplist([0xfe, 0xff, 0xff, 0xff, 0xff, 0x3f]), ziplistRead), "Unexpected EOF reading RDB file"
        )
        XCTAssertEqual(
            packedFailure(littleEndian32(.max) + littleEndian32(10) + [0, 0, 0xff], ziplistRead),
            "Ziplist integrity check failed (size)")
        XCTAssertEqual(
            packedFailure(listpack([0xf0] + littleEndian32(.max)), listpackRead), "Unexpected EOF reading RDB file")
        XCTAssertEqual(packedFailure(listpack([0xef, 0xff]), listpackRead), "Unexpected EOF reading RDB file")
        XCTAssertEqual(
            packedFailure(littleEndian32(.max) + [0, 0, 0xff], listpackRead), "Listpack integrity check failed (size)")
        XCTAssertEqual(
            packedFailure(
                littleEndian32(8) + littleEndian32(.max) + [UInt8](repeating: 0, count: 8),
                { try PackedEncodings.intset($0) { _ in } }), "Intset integrity check failed")
        XCTAssertEqual(
            packedFailure(
                [0x01, 254] + littleEndian32(.max) + [0x41, 0xff], { try PackedEncodings.zipmap($0) { _, _ in } }),
            "Unexpected EOF reading RDB file")
        // The same through the RDB reader: a ziplist-encoded list whose one entry runs past the blob.
        let blob = ziplist([0x00, 0x80, 0xff, 0xff, 0xff, 0xff])
        XCTAssertEqual(
            readFailure(rdbFile([10] + key + [UInt8(blob.count)] + blob))
                .map { $0.hasPrefix("Unexpected EOF reading RDB file (key 'k', type list") }, true)
    }

    func testIdleTimesExpiriesAndResizeHintsAtTheLimitsOfInt64() throws {
        let value: [UInt8] = [0x01, UInt8(ascii: "v")]
        // RESIZEDB claiming 2^62 keys and expires, after the 9-byte header and its own 19 bytes.
        var body: [UInt8] = [0xfb] + length64(1 << 62) + length64(1 << 62)
        body += [0xf8] + length64(UInt64(Int64.max))
        body += [0] + key + value
        body += [0xfc] + withUnsafeBytes(of: Int64.min.littleEndian) { Array($0) }
        body += [0, 0x01, UInt8(ascii: "e")] + value
        body += [0xfd] + withUnsafeBytes(of: Int32.min.littleEndian) { Array($0) }
        body += [0, 0x01, UInt8(ascii: "s")] + value
        let file = rdbFile(body)
        var hints: [(Int, Int)] = []
        var records: [RDBKeyRecord] = []
        _ = try file.withUnsafeBytes { bytes in
            try RDBReader.read(
                bytes, limits: CollectionLimits(), databases: 16,
                onResize: { _, keys, expires in
                    hints.append((keys, expires))
                }
            ) { records.append($0) }
        }
        let left = file.count - 28
        XCTAssertEqual(hints.map { [$0.0, $0.1] }, [[left / 3, left / 8]])
        XCTAssertEqual(records.map(\.idleSeconds), [RDBReader.maximumIdleSeconds, nil, nil])
        XCTAssertEqual(records.map(\.expireAt), [nil, Int(Int64.min), Int(Int32.min) * 1000])
    }

    func testDumpPayloadsWithAbsurdLengthsAreBadData() {
        func payload(_ body: [UInt8]) -> [UInt8] {
            let signed = body + [10, 0]
            return signed
                + withUnsafeBytes(of: signed.withUnsafeBytes { CRC64.checksum($0) }.littleEndian) { Array($0) }
        }
        let bodies: [[UInt8]] = [
            [1] + length64(1 << 63), [1] + length64(1 << 62), [0] + length64(1 << 62),
            [0, 0xc3, 0x02] + length64(1 << 62) + [0x00, 0x41],
        ]
        for body in bodies {
            XCTAssertThrowsError(
                try payload(body).withUnsafeBytes { try DumpPayload.decode($0, limits: CollectionLimits()) }
            ) {
                XCTAssertEqual(($0 as? RDBError)?.reason, "Bad data format")
            }
        }
    }

    func testManifestSequencesThatCannotBeIncrementedAreRefused() throws {
        XCTAssertThrowsError(try AOFManifest.parse("file a.base.rdb seq 9223372036854775807 type b\n")) {
            XCTAssertEqual("\($0)", "Invalid AOF manifest file format (line 1)")
        }
        XCTAssertThrowsError(
            try AOFManifest.parse("file a.1.incr.aof seq 1 type i\nfile a.2.incr.aof seq 9223372036854775807 type i\n")
        ) {
            XCTAssertEqual("\($0)", "Invalid AOF manifest file format (line 2)")
        }
        XCTAssertThrowsError(try AOFManifest.parse("file a.base.rdb seq 9223372036854775808 type b\n"))
        let manifest = try AOFManifest.parse("file a.base.rdb seq 9223372036854775806 type b\n")
        XCTAssertEqual(manifest.nextBaseSequence, Int.max)
    }
}
