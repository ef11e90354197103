import SwredisBytes

/// A problem found while reading an RDB file or DUMP payload: where, and what.
public struct RDBError: Error, CustomStringConvertible, Sendable {
    /// Byte offset into the file (or payload) where reading failed.
    public let offset: Int
    public let reason: String

    public init(offset: Int, _ reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(reason) (at offset \(offset))" }
}

/// A string as stored: bytes in the file (or in a decompressed buffer), or an integer-encoded number.
public enum StoredString {
    case bytes(UnsafeRawBufferPointer)
    case integer(Int)

    /// The string's bytes as a `ByteString` (integers formatted in decimal).
    public var byteString: ByteString {
        switch self {
        case .bytes(let bytes): return ByteString(bytes)
        case .integer(let number):
            var digits = StringNumbers.Digits(number)
            return digits.withBytes { ByteString($0) }
        }
    }

    /// Calls `body` with the string's bytes.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .bytes(let bytes): return try body(bytes)
        case .integer(let number):
            var digits = StringNumbers.Digits(number)
            return try digits.withBytes(body)
        }
    }
}

/// Reads RDB primitives from memory (an mmapped file or a payload) with bounds checks on every step:
/// truncated or corrupt input throws `RDBError`, never reads outside the buffer.
struct RDBCursor {
    let bytes: UnsafeRawBufferPointer
    var position: Int

    init(_ bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var remaining: Int { bytes.count - position }

    func error(_ reason: String) -> RDBError {
        RDBError(offset: position, reason)
    }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw error("Unexpected EOF reading RDB file") }
        let value = bytes[position]
        position += 1
        return value
    }

    mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else { throw error("Unexpected EOF reading RDB file") }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
        position += count
        return slice
    }

    mutating func littleEndian<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let raw = try take(MemoryLayout<T>.size)
        return T(littleEndian: raw.loadUnaligned(as: T.self))
    }

    mutating func bigEndian<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let raw = try take(MemoryLayout<T>.size)
        return T(bigEndian: raw.loadUnaligned(as: T.self))
    }

    /// A length prefix; `special` is set when the prefix announces a special string encoding instead.
    mutating func lengthOrEncoding() throws -> (value: Int, special: Bool) {
        let first = try byte()
        switch first >> 6 {
        case RDBFormat.Length.sixBit:
            return (Int(first & 0x3f), false)
        case RDBFormat.Length.fourteenBit:
            return (Int(first & 0x3f) << 8 | Int(try byte()), false)
        case RDBFormat.Length.encoded:
            return (Int(first & 0x3f), true)
        default:
            if first == RDBFormat.Length.thirtyTwoBit { return (Int(try bigEndian(UInt32.self)), false) }
            if first == RDBFormat.Length.sixtyFourBit {
                let value = try bigEndian(UInt64.self)
                guard value <= UInt64(Int.max) else { throw error("Length out of range") }
                return (Int(value), false)
            }
            throw error("Unknown length encoding \(first) in rdbLoadLen()")
        }
    }

    mutating func length() throws -> Int {
        let (value, special) = try lengthOrEncoding()
        guard !special else { throw error("Unexpected string encoding where a length was expected") }
        return value
    }

    /// A length used to size a collection: also bounded by the bytes left, so a corrupt count cannot make
    /// the loader reserve absurd amounts of memory.
    mutating func count(minimumBytesEach: Int = 1) throws -> Int {
        let value = try length()
        guard value <= remaining / max(minimumBytesEach, 1) else {
            throw error("Collection length \(value) exceeds the data left")
        }
        return value
    }

    /// Reads one string and passes it to `body` (decompressing LZF strings into a temporary buffer).
    mutating func string<R>(_ body: (StoredString) throws -> R) throws -> R {
        let (value, special) = try lengthOrEncoding()
        guard special else { return try body(.bytes(try take(value))) }
        switch value {
        case RDBFormat.StringEncoding.int8: return try body(.integer(Int(Int8(bitPattern: try byte()))))
        case RDBFormat.StringEncoding.int16: return try body(.integer(Int(try littleEndian(Int16.self))))
        case RDBFormat.StringEncoding.int32: return try body(.integer(Int(try littleEndian(Int32.self))))
        case RDBFormat.StringEncoding.lzf:
            let compressedLength = try length()
            let expandedLength = try length()
            let compressed = try take(compressedLength)
            guard let expanded = LZF.decompress(compressed, expectedLength: expandedLength) else {
                throw error("Invalid LZF compressed string")
            }
            return try expanded.withUnsafeBytes { try body(.bytes($0)) }
        default:
            throw error("Unknown RDB string encoding type \(value)")
        }
    }

    mutating func byteString() throws -> ByteString {
        try string { $0.byteString }
    }

    /// A binary double (ZSET_2 scores).
    mutating func binaryDouble() throws -> Double {
        Double(bitPattern: try littleEndian(UInt64.self))
    }

    /// A double in the old text form: a length byte (253 nan, 254 +inf, 255 -inf) then ASCII digits.
    mutating func textDouble() throws -> Double {
        let length = try byte()
        switch length {
        case 253: return .nan
        case 254: return .infinity
        case 255: return -.infinity
        default:
            let text = try take(Int(length))
            guard let value = StringNumbers.parseRangeDouble(text) else { throw error("Invalid double value") }
            return value
        }
    }
}
