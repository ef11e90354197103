/// A binary-safe byte string: keys, values, arguments. Never `Swift.String` (Redis data is binary).
///
/// Strings of up to 23 bytes are stored inline (no heap allocation), which covers most keys and small
/// values; longer ones live in a shared, immutable heap buffer. The representation is canonical (a string
/// that fits inline is always inline), so equality and hashing can compare representations directly.
public struct ByteString: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// Longest string kept inline.
    public static let inlineCapacity = 23

    @usableFromInline enum Storage: Sendable {
        /// 23 bytes of data followed by the length in the last byte.
        case small(UInt64, UInt64, UInt64)
        case large(HeapBytes)
    }

    @usableFromInline var storage: Storage

    /// The empty string.
    public static let empty = ByteString()

    @inlinable public init() {
        storage = .small(0, 0, 0)
    }

    /// Copies `bytes`.
    @inlinable public init(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count <= ByteString.inlineCapacity {
            var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
            withUnsafeMutableBytes(of: &words) { raw in
                if let base = bytes.baseAddress, bytes.count > 0 {
                    raw.baseAddress!.copyMemory(from: base, byteCount: bytes.count)
                }
                raw[23] = UInt8(truncatingIfNeeded: bytes.count)
            }
            storage = .small(words.0, words.1, words.2)
        } else {
            storage = .large(HeapBytes(copying: bytes))
        }
    }

    public init<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        let array = Array(bytes)
        self = array.withUnsafeBytes { ByteString($0) }
    }

    public init(_ text: String) {
        var text = text
        self = text.withUTF8 { ByteString(UnsafeRawBufferPointer($0)) }
    }

    /// Number of bytes.
    @inlinable public var count: Int {
        switch storage {
        case .small(_, _, let high): return Int(truncatingIfNeeded: high >> 56)
        case .large(let heap): return heap.count
        }
    }

    @inlinable public var isEmpty: Bool { count == 0 }

    /// Gives temporary access to the bytes.
    @inlinable public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch storage {
        case .small(let a, let b, let c):
            var words = (a, b, c)
            let length = Int(truncatingIfNeeded: c >> 56)
            return try Swift.withUnsafeBytes(of: &words) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
        case .large(let heap):
            return try body(UnsafeRawBufferPointer(start: heap.pointer, count: heap.count))
        }
    }

    /// The bytes as an array.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Compares with raw bytes without building a `ByteString`.
    @inlinable public func equals(_ other: UnsafeRawBufferPointer) -> Bool {
        withUnsafeBytes { mine in
            guard mine.count == other.count else { return false }
            if mine.count == 0 { return true }
            return memcmp(mine.baseAddress!, other.baseAddress!, mine.count) == 0
        }
    }

    @inlinable public static func == (lhs: ByteString, rhs: ByteString) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.small(let a0, let a1, let a2), .small(let b0, let b1, let b2)):
            return a0 == b0 && a1 == b1 && a2 == b2
        case (.large(let a), .large(let b)):
            if a === b { return true }
            return a.count == b.count && memcmp(a.pointer, b.pointer, a.count) == 0
        default:
            return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// Byte-wise ordering, as Redis compares strings (memcmp, then length).
    public static func < (lhs: ByteString, rhs: ByteString) -> Bool {
        // Two inline strings: compare the zero-padded words most-significant byte first, then the lengths.
        if case .small(let a0, let a1, let a2) = lhs.storage, case .small(let b0, let b1, let b2) = rhs.storage {
            if a0 != b0 { return a0.bigEndian < b0.bigEndian }
            if a1 != b1 { return a1.bigEndian < b1.bigEndian }
            let lengthMask: UInt64 = 0x00FF_FFFF_FFFF_FFFF
            let (a, b) = (a2 & lengthMask, b2 & lengthMask)
            if a != b { return a.bigEndian < b.bigEndian }
            return a2 >> 56 < b2 >> 56
        }
        return lhs.withUnsafeBytes { a in
            rhs.withUnsafeBytes { b in
                let common = min(a.count, b.count)
                if common > 0 {
                    let order = memcmp(a.baseAddress!, b.baseAddress!, common)
                    if order != 0 { return order < 0 }
                }
                return a.count < b.count
            }
        }
    }

    /// The bytes decoded as UTF-8 (invalid sequences replaced), for logs and messages.
    public var description: String {
        withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// The stable 64-bit hash the keyspace tables use.
    @inlinable public var tableHash: UInt64 {
        withUnsafeBytes { KeyHash.hash($0) }
    }
}

/// Immutable heap storage for strings longer than the inline capacity.
public final class HeapBytes: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let count: Int

    public init(copying bytes: UnsafeRawBufferPointer) {
        count = bytes.count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        if let base = bytes.baseAddress { pointer.copyMemory(from: base, byteCount: bytes.count) }
    }

    deinit {
        pointer.deallocate()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
