/// Number parsing and formatting with Redis's rules (`string2ll`, `string2ld`, `%.17g`), on raw bytes.
public enum StringNumbers {
    /// Parses a canonical decimal integer: no leading zeros, no '+', no spaces, fits in 64 bits.
    /// "-0" is rejected, as by Redis's string2ll-based encoding check.
    public static func parseCanonicalInteger(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let count = bytes.count
        guard count > 0, count <= 20 else { return nil }
        if count == 1 && bytes[0] == 48 { return 0 }
        var index = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") {
            negative = true
            index = 1
            guard count > 1 else { return nil }
        }
        guard bytes[index] >= 49 && bytes[index] <= 57 else { return nil }
        var magnitude: UInt64 = 0
        while index < count {
            let digit = bytes[index] &- 48
            guard digit <= 9 else { return nil }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { return nil }
            magnitude = sum
            index += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int.min : -Int(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int(magnitude)
    }

    /// Parses a decimal floating point number as Redis's `string2ld`/`strtold` would accept for INCRBYFLOAT:
    /// no leading or trailing spaces, not NaN.
    public static func parseDouble(_ bytes: UnsafeRawBufferPointer) -> Double? {
        guard bytes.count > 0, bytes.count < 5120 else { return nil }
        let first = bytes[0]
        let last = bytes[bytes.count - 1]
        // Like Redis's string2d/string2ld, the whole argument must be the number: no spaces, no NUL inside.
        if isSpace(first) || isSpace(last) || bytes.contains(0) { return nil }
        return withCString(bytes) { pointer -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = strtod(pointer, &end)
            guard let end, end.pointee == 0, end != pointer else { return nil }
            if errno == ERANGE && (value.isInfinite || value == 0) { return nil }
            return value.isNaN ? nil : value
        }
    }

    /// Calls `body` with `bytes` as a NUL-terminated C string in temporary (usually stack) memory, so number
    /// parsing on the hot path (ZADD scores) allocates nothing.
    @inline(__always)
    static func withCString<R>(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeMutablePointer<CChar>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { buffer in
            let base = buffer.baseAddress!
            if let source = bytes.baseAddress, bytes.count > 0 {
                UnsafeMutableRawPointer(base).copyMemory(from: source, byteCount: bytes.count)
            }
            base[bytes.count] = 0
            return body(base)
        }
    }

    /// A range bound's number as Redis's `zslParseRange` reads it: plain `strtod` on a C string (leading spaces
    /// and an empty string, which reads as 0, are accepted; a NUL byte ends the text), NaN refused.
    public static func parseRangeDouble(_ bytes: UnsafeRawBufferPointer) -> Double? {
        // The copy is NUL-terminated, and strtod stops at an embedded NUL like Redis's C string does.
        return withCString(bytes) { pointer -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(pointer, &end)
            guard let end, end.pointee == 0, !value.isNaN else { return nil }
            return value
        }
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 32 || (byte >= 9 && byte <= 13)
    }

    /// Parses a long double the way Redis's `string2ld` does (INCRBYFLOAT): no surrounding spaces, not NaN.
    public static func parseLongDouble(_ bytes: UnsafeRawBufferPointer) -> Float80? {
        guard bytes.count > 0, bytes.count < 5120 else { return nil }
        if isSpace(bytes[0]) || isSpace(bytes[bytes.count - 1]) || bytes.contains(0) { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.withCString { pointer -> Float80? in
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = strtold(pointer, &end)
            guard let end, end.pointee == 0, end != UnsafeMutablePointer(mutating: pointer) else { return nil }
            if errno == ERANGE || value.isNaN { return nil }
            return value
        }
    }

    /// Formats a long double the way Redis replies to INCRBYFLOAT (`ld2string` in human mode):
    /// `%.17Lf`, trailing zeros and a trailing dot removed, "-0" shown as "0".
    public static func formatLongDouble(_ value: Float80) -> String {
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        var buffer = [CChar](repeating: 0, count: 5200)
        let length = buffer.withUnsafeMutableBufferPointer { pointer in
            withVaList([value]) { vsnprintf(pointer.baseAddress, 5200, "%.17Lf", $0) }
        }
        var bytes = buffer[0..<Int(max(0, min(length, 5199)))].map { UInt8(bitPattern: $0) }
        if bytes.contains(UInt8(ascii: ".")) {
            while bytes.last == UInt8(ascii: "0") { bytes.removeLast() }
            if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        }
        if bytes == [UInt8(ascii: "-"), UInt8(ascii: "0")] { bytes = [UInt8(ascii: "0")] }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Number of characters in the decimal form of `value`.
    public static func digitCount(_ value: Int) -> Int {
        var digits = Digits(value)
        return digits.withBytes { $0.count }
    }

    /// The decimal digits of an integer, without allocating.
    public struct Digits {
        @usableFromInline var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
        @usableFromInline var start: Int

        @inlinable public init(_ value: Int) {
            var magnitude = value.magnitude
            var position = 24
            withUnsafeMutableBytes(of: &storage) { raw in
                repeat {
                    position -= 1
                    raw[position] = UInt8(truncatingIfNeeded: 48 + magnitude % 10)
                    magnitude /= 10
                } while magnitude > 0
                if value < 0 {
                    position -= 1
                    raw[position] = UInt8(ascii: "-")
                }
            }
            start = position
        }

        @inlinable public mutating func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            let from = start
            return try withUnsafeBytes(of: &storage) { try body(UnsafeRawBufferPointer(rebasing: $0[from..<24])) }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
