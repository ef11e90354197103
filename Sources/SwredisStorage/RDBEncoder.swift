import SwredisBytes
import SwredisKeyspace

/// Encodes RDB records into a buffer, as Redis's `rdbSave*` functions do, and hands full buffers to an
/// output (a file) while keeping the running CRC-64. Also produces DUMP payloads (no output: the bytes stay
/// in `buffer`).
///
/// Values are written in the plain object types (string, list, set, hash, zset with binary scores), which
/// every Redis from 2.x to 7.x loads and converts to its compact encodings itself.
public struct RDBEncoder {
    /// Bytes encoded and not yet handed to the output.
    public private(set) var buffer: [UInt8] = []
    /// Running checksum of everything handed out so far plus `buffer` once finished.
    var crc = CRC64()
    /// Bytes already handed to the output.
    public private(set) var flushedBytes = 0
    let compression: Bool
    let output: ((UnsafeRawBufferPointer) throws -> Void)?
    static let flushThreshold = 256 * 1024

    /// An encoder that keeps everything in `buffer` (DUMP).
    public init(compression: Bool) {
        self.compression = compression
        self.output = nil
        buffer.reserveCapacity(256)
    }

    /// An encoder that hands each full buffer to `output` (a file writer).
    public init(compression: Bool, output: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.compression = compression
        self.output = output
        buffer.reserveCapacity(RDBEncoder.flushThreshold + 64 * 1024)
    }

    /// Total bytes produced.
    public var totalBytes: Int { flushedBytes + buffer.count }

    mutating func flushIfFull() throws {
        if buffer.count >= RDBEncoder.flushThreshold { try flush() }
    }

    /// Hands buffered bytes to the output.
    public mutating func flush() throws {
        guard let output, !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { bytes in
            crc.update(bytes)
            try output(bytes)
        }
        flushedBytes += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    // MARK: Primitives

    mutating func appendByte(_ byte: UInt8) {
        buffer.append(byte)
    }

    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    /// A length in Redis's 6/14/32/64-bit forms.
    public mutating func appendLength(_ length: Int) {
        if length < 1 << 6 {
            buffer.append(UInt8(length))
        } else if length < 1 << 14 {
            buffer.append(UInt8(length >> 8) | 0x40)
            buffer.append(UInt8(length & 0xff))
        } else if length <= Int(UInt32.max) {
            buffer.append(RDBFormat.Length.thirtyTwoBit)
            withUnsafeBytes(of: UInt32(length).bigEndian) { buffer.append(contentsOf: $0) }
        } else {
            buffer.append(RDBFormat.Length.sixtyFourBit)
            withUnsafeBytes(of: UInt64(length).bigEndian) { buffer.append(contentsOf: $0) }
        }
    }

    /// An integer in the smallest of the int8/int16/int32 string encodings; false if it does not fit.
    mutating func appendEncodedInteger(_ value: Int) -> Bool {
        if value >= Int(Int8.min) && value <= Int(Int8.max) {
            buffer.append(0xC0 | UInt8(RDBFormat.StringEncoding.int8))
            buffer.append(UInt8(bitPattern: Int8(value)))
        } else if value >= Int(Int16.min) && value <= Int(Int16.max) {
            buffer.append(0xC0 | UInt8(RDBFormat.StringEncoding.int16))
            appendLittleEndian(Int16(value))
        } else if value >= Int(Int32.min) && value <= Int(Int32.max) {
            buffer.append(0xC0 | UInt8(RDBFormat.StringEncoding.int32))
            appendLittleEndian(Int32(value))
        } else {
            return false
        }
        return true
    }

    /// A string as `rdbSaveRawString` writes it: integer-encoded when it is a small canonical integer,
    /// LZF-compressed when longer than 20 bytes and compression helps, raw otherwise.
    public mutating func appendString(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count <= 11, let number = StringNumbers.parseCanonicalInteger(bytes), appendEncodedInteger(number) {
            return
        }
        if compression && bytes.count > 20, let compressed = LZF.compress(bytes, limit: bytes.count - 4) {
            buffer.append(0xC0 | UInt8(RDBFormat.StringEncoding.lzf))
            appendLength(compressed.count)
            appendLength(bytes.count)
            buffer.append(contentsOf: compressed)
            return
        }
        appendLength(bytes.count)
        buffer.append(contentsOf: bytes)
    }

    public mutating func appendString(_ string: ByteString) {
        string.withUnsafeBytes { appendString($0) }
    }

    /// An integer value: int-encoded when it fits 32 bits, otherwise its decimal digits.
    public mutating func appendIntegerString(_ number: Int) {
        if appendEncodedInteger(number) { return }
        var digits = StringNumbers.Digits(number)
        digits.withBytes { bytes in
            appendLength(bytes.count)
            buffer.append(contentsOf: bytes)
        }
    }

    mutating func appendString(_ text: String) {
        var text = text
        text.withUTF8 { appendString(UnsafeRawBufferPointer($0)) }
    }

    // MARK: Records

    /// `REDIS0010` and the AUX fields Redis writes first.
    public mutating func appendHeader(aux: [(String, String)]) {
        buffer.append(contentsOf: Array(RDBFormat.magic.utf8))
        for (field, value) in aux {
            appendByte(RDBFormat.Opcode.aux)
            appendString(field)
            appendString(value)
        }
    }

    /// A FUNCTION2 record: the library's whole code.
    public mutating func appendFunctionLibrary(_ code: [UInt8]) {
        appendByte(RDBFormat.Opcode.function2)
        code.withUnsafeBytes { appendString($0) }
    }

    /// SELECTDB and RESIZEDB for a database section.
    public mutating func appendDatabaseStart(_ index: Int, keys: Int, expires: Int) {
        appendByte(RDBFormat.Opcode.selectDB)
        appendLength(index)
        appendByte(RDBFormat.Opcode.resizeDB)
        appendLength(keys)
        appendLength(expires)
    }

    /// One key: its expiry, its LRU idle time or LFU counter when the policy keeps them, type, name, value.
    public mutating func appendKey(
        _ key: ByteString, _ value: Value, expireAt: Int?, idleSeconds: Int? = nil,
        frequency: UInt8? = nil
    ) throws {
        if let expireAt {
            appendByte(RDBFormat.Opcode.expireTimeMilliseconds)
            appendLittleEndian(Int64(expireAt))
        }
        if let idleSeconds {
            appendByte(RDBFormat.Opcode.idle)
            appendLength(idleSeconds)
        }
        if let frequency {
            appendByte(RDBFormat.Opcode.frequency)
            appendByte(frequency)
        }
        appendByte(RDBEncoder.valueType(of: value).rawValue)
        appendString(key)
        try appendValue(value)
    }

    /// The end marker and the checksum (zero when `checksum` is false); flushes everything.
    public mutating func appendEnd(checksum: Bool) throws {
        appendByte(RDBFormat.Opcode.eof)
        buffer.withUnsafeBytes { crc.update($0) }
        let sum = checksum ? crc.value : 0
        // The trailer itself is not part of the checksum: hand it out without updating the CRC again.
        if let output {
            try buffer.withUnsafeBytes { try output($0) }
            flushedBytes += buffer.count
            buffer.removeAll(keepingCapacity: true)
            try withUnsafeBytes(of: sum.littleEndian) { try output($0) }
            flushedBytes += 8
        } else {
            appendLittleEndian(sum)
        }
    }

    // MARK: Values

    /// The type byte a value is written with.
    public static func valueType(of value: Value) -> RDBFormat.ValueType {
        switch value {
        case .string, .integer: return .string
        case .list: return .list
        case .set: return .set
        case .zset: return .zset2
        case .hash: return .hash
        }
    }

    /// A value's payload (without the type byte). Large collections flush as they go.
    public mutating func appendValue(_ value: Value) throws {
        switch value {
        case .string(let bytes):
            appendString(bytes)
        case .integer(let number):
            appendIntegerString(number)
        case .list(let list):
            appendLength(list.items.count)
            for element in list.items {
                appendString(element)
                try flushIfFull()
            }
        case .set(let set):
            appendLength(set.count)
            if let table = set.table {
                try table.forEach { member, _ in
                    appendString(member)
                    try flushIfFull()
                }
            } else {
                for number in set.integers {
                    appendIntegerString(number)
                    try flushIfFull()
                }
            }
        case .zset(let zset):
            appendLength(zset.count)
            try zset.scores.forEach { member, score in
                appendString(member)
                appendLittleEndian(score.bitPattern)
                try flushIfFull()
            }
        case .hash(let hash):
            appendLength(hash.count)
            if let table = hash.table {
                try table.forEach { field, value in
                    appendString(field)
                    appendString(value)
                    try flushIfFull()
                }
            } else {
                for pair in hash.pairs {
                    appendString(pair.field)
                    appendString(pair.value)
                }
            }
        }
    }

    /// A DUMP payload: type, value, RDB version (2 bytes little endian) and CRC-64 of all that.
    public static func dumpPayload(_ value: Value, compression: Bool) -> [UInt8] {
        var encoder = RDBEncoder(compression: compression)
        encoder.appendByte(valueType(of: value).rawValue)
        try? encoder.appendValue(value)
        encoder.appendDumpFooter()
        return encoder.buffer
    }

    /// A DUMP payload's footer: the RDB version (2 bytes little endian) and the CRC-64 of everything before it.
    mutating func appendDumpFooter() {
        appendLittleEndian(UInt16(RDBFormat.version))
        let sum = buffer.withUnsafeBytes { CRC64.checksum($0) }
        appendLittleEndian(sum)
    }
}
