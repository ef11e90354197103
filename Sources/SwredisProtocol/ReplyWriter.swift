import NIOCore
import SwredisBytes

/// Encodes replies in RESP2 or RESP3 into an outbound `ByteBuffer`.
///
/// Handlers write through this type only, so the protocol a client negotiated with HELLO is applied in one
/// place: maps become flat arrays in RESP2, doubles become bulk strings, nulls become `$-1`/`*-1`.
public struct ReplyWriter {
    /// The buffer replies are appended to; the connection flushes it once per read batch.
    public var buffer: ByteBuffer
    /// 2 or 3, as negotiated with HELLO.
    public var protocolVersion: Int

    public init(buffer: ByteBuffer, protocolVersion: Int = 2) {
        self.buffer = buffer
        self.protocolVersion = protocolVersion
    }

    @inlinable public var isRESP3: Bool { protocolVersion >= 3 }

    // MARK: Simple types

    /// `+OK`.
    @inlinable public mutating func ok() {
        buffer.writeStaticString("+OK\r\n")
    }

    /// `+<text>` for status replies; the text must not contain CR or LF.
    @inlinable public mutating func simple(_ text: String) {
        buffer.writeInteger(UInt8(ascii: "+"))
        buffer.writeString(text)
        buffer.writeStaticString("\r\n")
    }

    /// `-<text>`. The text must start with the error code (`ERR`, `WRONGTYPE`, ...).
    public mutating func error(_ text: String) {
        buffer.writeInteger(UInt8(ascii: "-"))
        // Errors travel on one line: Redis replaces newlines so the protocol stays intact.
        for byte in text.utf8 {
            buffer.writeInteger(byte == 13 || byte == 10 ? UInt8(ascii: " ") : byte)
        }
        buffer.writeStaticString("\r\n")
    }

    /// `:<n>`.
    @inlinable public mutating func integer(_ value: Int) {
        writeFrame(UInt8(ascii: ":"), value)
    }

    /// Null bulk string: `$-1` in RESP2, `_` in RESP3.
    @inlinable public mutating func null() {
        if isRESP3 { buffer.writeStaticString("_\r\n") } else { buffer.writeStaticString("$-1\r\n") }
    }

    /// Null array: `*-1` in RESP2, `_` in RESP3.
    @inlinable public mutating func nullArray() {
        if isRESP3 { buffer.writeStaticString("_\r\n") } else { buffer.writeStaticString("*-1\r\n") }
    }

    /// RESP3 boolean; RESP2 gets `:1` / `:0`.
    public mutating func boolean(_ value: Bool) {
        if isRESP3 {
            buffer.writeStaticString(value ? "#t\r\n" : "#f\r\n")
        } else {
            buffer.writeStaticString(value ? ":1\r\n" : ":0\r\n")
        }
    }

    // MARK: Bulk strings

    @inlinable public mutating func bulk(_ bytes: UnsafeRawBufferPointer) {
        writeFrame(UInt8(ascii: "$"), bytes.count, payload: bytes)
    }

    public mutating func bulk<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.writeInteger(UInt8(ascii: "$"))
        writeDecimal(bytes.count)
        buffer.writeStaticString("\r\n")
        buffer.writeBytes(bytes)
        buffer.writeStaticString("\r\n")
    }

    public mutating func bulk(_ text: String) {
        bulk(bytes: text.utf8)
    }

    /// An integer sent as a bulk string (what GET of an integer-encoded value returns).
    @inlinable public mutating func bulkDecimal(_ value: Int) {
        let valueLength = ReplyWriter.decimalLength(value)
        let lengthLength = ReplyWriter.decimalLength(valueLength)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 1 + lengthLength + 2 + valueLength + 2) { out in
            out[0] = UInt8(ascii: "$")
            var position = ReplyWriter.storeDecimal(valueLength, length: lengthLength, into: out, at: 1)
            position = ReplyWriter.storeCRLF(into: out, at: position)
            position = ReplyWriter.storeDecimal(value, length: valueLength, into: out, at: position)
            return ReplyWriter.storeCRLF(into: out, at: position)
        }
    }

    /// RESP3 verbatim string (`=len\r\ntxt:...`), a plain bulk string in RESP2. Used by INFO and CLIENT LIST.
    public mutating func verbatim(_ text: String) {
        if isRESP3 {
            buffer.writeInteger(UInt8(ascii: "="))
            writeDecimal(text.utf8.count + 4)
            buffer.writeStaticString("\r\ntxt:")
            buffer.writeString(text)
            buffer.writeStaticString("\r\n")
        } else {
            bulk(text)
        }
    }

    /// A double: RESP3 `,` type, RESP2 bulk string, both formatted by `formatDouble`.
    public mutating func double(_ value: Double, formatted: String) {
        if isRESP3 {
            buffer.writeInteger(UInt8(ascii: ","))
            buffer.writeString(formatted)
            buffer.writeStaticString("\r\n")
        } else {
            bulk(formatted)
        }
    }

    /// A double whose `%.17g` form is the integer `value`: `,<value>` in RESP3, a bulk string in RESP2.
    @inlinable public mutating func double(integral value: Int) {
        if isRESP3 { writeFrame(UInt8(ascii: ","), value) } else { bulkDecimal(value) }
    }

    // MARK: Aggregates

    @inlinable public mutating func arrayHeader(_ count: Int) {
        aggregateHeader("*", count)
    }

    /// `<type><count>\r\n` for any aggregate type.
    @inlinable mutating func aggregateHeader(_ type: Unicode.Scalar, _ count: Int) {
        writeFrame(UInt8(ascii: type), count)
    }

    /// A map of `count` pairs: `%` in RESP3, an array of 2×count elements in RESP2.
    public mutating func mapHeader(_ count: Int) {
        if isRESP3 { aggregateHeader("%", count) } else { arrayHeader(count * 2) }
    }

    /// A set: `~` in RESP3, an array in RESP2.
    public mutating func setHeader(_ count: Int) {
        if isRESP3 { aggregateHeader("~", count) } else { arrayHeader(count) }
    }

    /// A push frame (`>` in RESP3, an array in RESP2), for pub/sub messages and MONITOR-style output.
    public mutating func pushHeader(_ count: Int) {
        if isRESP3 { aggregateHeader(">", count) } else { arrayHeader(count) }
    }

    /// Appends bytes that are already RESP-encoded.
    public mutating func raw(_ text: String) {
        buffer.writeString(text)
    }

    @inlinable mutating func writeDecimal(_ value: Int) {
        if value >= 0 && value < 10 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: 48 + value))
            return
        }
        var digits = StringNumbers.Digits(value)
        digits.withBytes { buffer.writeBytes($0) }
    }

    /// Writes `<type><number>\r\n`, then `payload` and `\r\n` if given, reserving space once: the hot path of
    /// every bulk string, integer and aggregate header (one capacity check and one copy instead of five writes).
    @inlinable mutating func writeFrame(_ type: UInt8, _ number: Int, payload: UnsafeRawBufferPointer? = nil) {
        let numberLength = ReplyWriter.decimalLength(number)
        let total = 1 + numberLength + 2 + (payload.map { $0.count + 2 } ?? 0)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { out in
            out[0] = type
            var position = ReplyWriter.storeDecimal(number, length: numberLength, into: out, at: 1)
            position = ReplyWriter.storeCRLF(into: out, at: position)
            guard let payload else { return position }
            UnsafeMutableRawBufferPointer(rebasing: out[position..<(position + payload.count)]).copyMemory(
                from: payload)
            return ReplyWriter.storeCRLF(into: out, at: position + payload.count)
        }
    }

    /// Characters in `value`'s decimal form, sign included.
    @inlinable static func decimalLength(_ value: Int) -> Int {
        var length = value < 0 ? 2 : 1
        var rest = value.magnitude
        while rest >= 10 {
            rest /= 10
            length += 1
        }
        return length
    }

    /// Stores `value` in decimal (`length` from `decimalLength`) at `start`; returns the position after it. Digits go
    /// straight into the output: assembling them elsewhere and copying them costs a store-forwarding stall.
    @inlinable static func storeDecimal(
        _ value: Int, length: Int, into out: UnsafeMutableRawBufferPointer, at start: Int
    ) -> Int {
        if value < 0 { out[start] = UInt8(ascii: "-") }
        var position = start + length
        var rest = value.magnitude
        repeat {
            position -= 1
            out[position] = UInt8(truncatingIfNeeded: 48 + rest % 10)
            rest /= 10
        } while rest > 0
        return start + length
    }

    @inlinable static func storeCRLF(into out: UnsafeMutableRawBufferPointer, at position: Int) -> Int {
        out[position] = UInt8(ascii: "\r")
        out[position + 1] = UInt8(ascii: "\n")
        return position + 2
    }
}
