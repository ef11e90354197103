import SwredisBytes

/// Parsing of client requests (RESP multibulk and inline commands) straight out of a read buffer.
///
/// The parser never copies a multibulk argument: it records where each argument starts and how long it is,
/// relative to the buffer it was given, and the engine reads the arguments from that buffer while the
/// command runs. Inline commands (`PING\r\n`, what telnet users type) may contain quotes and escapes, so
/// their unescaped arguments are copied into `ArgumentList.inlineStorage`.
///
/// The error texts are Redis's own (`networking.c`), because clients and tests match on them.

/// Where the arguments of one parsed command live.
public struct ArgumentList {
    /// Start offset and length of every argument, in pairs, relative to the source buffer
    /// (or to `inlineStorage` when `isInline`).
    public var spans: [Int] = []
    /// Unescaped bytes of an inline command's arguments.
    public var inlineStorage: [UInt8] = []
    /// True when the spans point into `inlineStorage` rather than into the read buffer.
    public var isInline = false

    public init() {
        spans.reserveCapacity(16)
    }

    /// Number of arguments, the command name included.
    @inlinable public var count: Int { spans.count >> 1 }

    @inlinable mutating func reset() {
        spans.removeAll(keepingCapacity: true)
        isInline = false
    }
}

/// What one call of `RequestParser.parse` found at the front of the buffer.
public enum ParseOutcome: Equatable {
    /// A whole command; its arguments are in the `ArgumentList`. `consumed` bytes can be dropped afterwards.
    case command(consumed: Int)
    /// Bytes that hold no command (an empty inline line, or `*0`/`*-1`): drop them and go on.
    case skip(consumed: Int)
    /// The command is not complete yet: read more bytes and call again.
    case incomplete
    /// The client broke the protocol: reply with this error text and close the connection.
    case protocolError(String)
}

/// Limits a request must respect. Redis applies stricter limits to clients that have not authenticated.
public struct RequestLimits: Sendable {
    /// `proto-max-bulk-len`.
    public var maxBulkLength: Int
    /// Redis limits unauthenticated clients to 10 arguments and 16 KiB bulks so they can't eat memory.
    public var unauthenticated: Bool

    public init(maxBulkLength: Int = 512 * 1024 * 1024, unauthenticated: Bool = false) {
        self.maxBulkLength = maxBulkLength
        self.unauthenticated = unauthenticated
    }
}

/// Stateless request parser: each call re-reads the front of the buffer, so no state survives a partial read.
/// Re-reading only walks headers (bulk payloads are skipped by length), so a large value arriving over many
/// reads costs little.
public enum RequestParser {
    /// Longest inline command or count line Redis accepts before it sees a newline.
    public static let inlineMaxSize = 64 * 1024

    /// Parses one command from the front of `buffer` into `args`.
    public static func parse(
        _ buffer: UnsafeRawBufferPointer, into args: inout ArgumentList,
        limits: RequestLimits = RequestLimits()
    ) -> ParseOutcome {
        args.reset()
        guard let first = buffer.first else { return .incomplete }
        if first == UInt8(ascii: "*") {
            return parseMultibulk(buffer, into: &args, limits: limits)
        }
        return parseInline(buffer, into: &args)
    }

    /// Reads the integer between `start` and `end` with Redis's `string2ll` rules (no leading zeros or '+').
    @inline(__always)
    static func parseDecimal(_ buffer: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int? {
        StringNumbers.parseCanonicalInteger(UnsafeRawBufferPointer(rebasing: buffer[start..<end]))
    }

    /// Offset of the first `\r` at or after `start`, or nil.
    @inline(__always)
    static func findCR(_ buffer: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        let end = buffer.count
        while index < end {
            if buffer[index] == 13 { return index }
            index += 1
        }
        return nil
    }

    static func parseMultibulk(
        _ buffer: UnsafeRawBufferPointer, into args: inout ArgumentList,
        limits: RequestLimits
    ) -> ParseOutcome {
        guard let countCR = findCR(buffer, from: 1) else {
            return buffer.count > inlineMaxSize
                ? .protocolError("Protocol error: too big mbulk count string") : .incomplete
        }
        // The count line needs its \n too.
        guard countCR + 1 < buffer.count else { return .incomplete }
        guard let count = parseDecimal(buffer, from: 1, to: countCR), count <= Int(Int32.max) else {
            return .protocolError("Protocol error: invalid multibulk length")
        }
        if limits.unauthenticated && count > 10 {
            return .protocolError("Protocol error: invalid multibulk length")
        }
        var position = countCR + 2
        if count <= 0 { return .skip(consumed: position) }
        let maxBulk = limits.unauthenticated ? min(16384, limits.maxBulkLength) : limits.maxBulkLength
        var remaining = count
        while remaining > 0 {
            guard position < buffer.count else { return .incomplete }
            guard buffer[position] == UInt8(ascii: "$") else {
                let got = buffer[position]
                return .protocolError("Protocol error: expected '$', got '\(Character(Unicode.Scalar(got)))'")
            }
            guard let lengthCR = findCR(buffer, from: position + 1) else {
                return buffer.count - position > inlineMaxSize
                    ? .protocolError("Protocol error: too big bulk count string") : .incomplete
            }
            guard lengthCR + 1 < buffer.count else { return .incomplete }
            guard let length = parseDecimal(buffer, from: position + 1, to: lengthCR),
                length >= 0, length <= maxBulk
            else {
                return .protocolError("Protocol error: invalid bulk length")
            }
            let dataStart = lengthCR + 2
            // Like Redis, the two bytes after the payload are skipped without being checked. `length + 2` could
            // overflow when proto-max-bulk-len allows lengths near Int.max, so the 2 is taken from the other side.
            guard buffer.count - dataStart - 2 >= length else { return .incomplete }
            args.spans.append(dataStart)
            args.spans.append(length)
            position = dataStart + length + 2
            remaining -= 1
        }
        return .command(consumed: position)
    }

    static func parseInline(_ buffer: UnsafeRawBufferPointer, into args: inout ArgumentList) -> ParseOutcome {
        var newline = -1
        var index = 0
        while index < buffer.count {
            if buffer[index] == 10 {
                newline = index
                break
            }
            index += 1
        }
        if newline < 0 {
            return buffer.count > inlineMaxSize ? .protocolError("Protocol error: too big inline request") : .incomplete
        }
        var lineEnd = newline
        if lineEnd > 0 && buffer[lineEnd - 1] == 13 { lineEnd -= 1 }
        let line = UnsafeRawBufferPointer(rebasing: buffer[0..<lineEnd])
        args.inlineStorage.removeAll(keepingCapacity: true)
        guard InlineSplitter.split(line, storage: &args.inlineStorage, spans: &args.spans) else {
            return .protocolError("Protocol error: unbalanced quotes in request")
        }
        args.isInline = true
        if args.spans.isEmpty { return .skip(consumed: newline + 1) }
        return .command(consumed: newline + 1)
    }
}
