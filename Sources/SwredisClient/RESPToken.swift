import NIOCore
import SwredisBytes

/// One complete RESP2/RESP3 reply, validated when it is cut from the input and decoded on demand (in the manner of
/// valkey-swift's `RESPToken`): the token keeps the reply's bytes, `value` gives a typed view whose aggregates
/// iterate their elements as tokens again, so reading one field of a large reply copies nothing else.
///
/// Every length and count comes from a peer, so each is checked before it is used: negative values other than
/// RESP2's `-1` nulls, values past `RESPLimits`, nesting deeper than `maximumDepth`, and malformed numbers throw
/// `RESPParsingError` instead of trapping.
public struct RESPToken: Hashable, Sendable {
    /// The reply's bytes, from its type byte to its last CRLF.
    public let base: ByteBuffer

    /// Cuts one complete reply from the front of `buffer`; nil (and `buffer` unchanged) when more bytes are needed.
    public init?(consuming buffer: inout ByteBuffer, limits: RESPLimits = RESPLimits()) throws {
        var cursor = buffer
        guard try RESPToken.skipValue(&cursor, limits: limits, depth: 0) else { return nil }
        let length = cursor.readerIndex - buffer.readerIndex
        guard let base = buffer.readSlice(length: length) else { return nil }
        self.base = base
    }

    /// A token over bytes known to hold exactly one valid reply (elements of an aggregate).
    init(validated base: ByteBuffer) {
        self.base = base
    }

    /// The reply's type and contents.
    public var value: Value {
        var cursor = base
        guard let type = cursor.readInteger(as: UInt8.self) else { return .null }
        switch type {
        case UInt8(ascii: "+"): return .simpleString(cursor.lineSlice())
        case UInt8(ascii: "-"): return .simpleError(cursor.lineSlice())
        case UInt8(ascii: ":"): return .number(cursor.lineSlice().integerValue ?? 0)
        case UInt8(ascii: "_"): return .null
        case UInt8(ascii: "#"): return .boolean(cursor.lineSlice().readableBytesView.first == UInt8(ascii: "t"))
        case UInt8(ascii: ","): return .double(Double(String(buffer: cursor.lineSlice())) ?? .nan)
        case UInt8(ascii: "("): return .bigNumber(cursor.lineSlice())
        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            let length = cursor.lineSlice().integerValue ?? -1
            guard length >= 0, let payload = cursor.readSlice(length: Int(length)) else { return .null }
            if type == UInt8(ascii: "!") { return .bulkError(payload) }
            if type == UInt8(ascii: "=") { return .verbatimString(payload) }
            return .bulkString(payload)
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"), UInt8(ascii: "|"):
            let count = cursor.lineSlice().integerValue ?? -1
            guard count >= 0 else { return .null }
            let pairs = type == UInt8(ascii: "%") || type == UInt8(ascii: "|")
            let elements = Aggregate(elements: cursor, count: Int(count) * (pairs ? 2 : 1))
            switch type {
            case UInt8(ascii: "~"): return .set(elements)
            case UInt8(ascii: ">"): return .push(elements)
            case UInt8(ascii: "%"): return .map(elements)
            case UInt8(ascii: "|"): return .attribute(elements)
            default: return .array(elements)
            }
        default:
            return .null
        }
    }

    /// RESP's types. Strings are views into the reply's bytes.
    public enum Value: Hashable, Sendable {
        case simpleString(ByteBuffer)
        case simpleError(ByteBuffer)
        case bulkString(ByteBuffer)
        case bulkError(ByteBuffer)
        case verbatimString(ByteBuffer)
        case number(Int64)
        case double(Double)
        case boolean(Bool)
        case bigNumber(ByteBuffer)
        /// RESP2's `$-1`/`*-1` and RESP3's `_`.
        case null
        case array(Aggregate)
        case set(Aggregate)
        case push(Aggregate)
        /// Keys and values alternate.
        case map(Aggregate)
        case attribute(Aggregate)
    }

    /// The elements of an array, set, push, map or attribute, each a token.
    public struct Aggregate: Sequence, Hashable, Sendable {
        let elements: ByteBuffer
        public let count: Int

        public func makeIterator() -> Iterator {
            Iterator(remaining: elements, left: count)
        }

        public struct Iterator: IteratorProtocol {
            var remaining: ByteBuffer
            var left: Int

            public mutating func next() -> RESPToken? {
                guard left > 0 else { return nil }
                left -= 1
                var cursor = remaining
                // The aggregate was validated as a whole, so each element is complete; nesting depth is bounded.
                guard (try? RESPToken.skipValue(&cursor, limits: .unbounded, depth: 0)) == true,
                    let element = remaining.readSlice(length: cursor.readerIndex - remaining.readerIndex)
                else { return nil }
                return RESPToken(validated: element)
            }
        }
    }

    // MARK: Convenience views

    /// The text of a simple string, bulk string or verbatim string (verbatim without its `txt:` prefix).
    public var string: String? {
        switch value {
        case .simpleString(let bytes), .bulkString(let bytes): return String(buffer: bytes)
        case .verbatimString(let bytes): return String(String(buffer: bytes).dropFirst(4))
        default: return nil
        }
    }

    /// The text of an error reply (simple or bulk), such as `NOAUTH Authentication required.`.
    public var errorMessage: String? {
        switch value {
        case .simpleError(let bytes), .bulkError(let bytes): return String(buffer: bytes)
        default: return nil
        }
    }

    /// The value of an integer reply.
    public var integer: Int64? {
        if case .number(let number) = value { return number }
        return nil
    }

    // MARK: Validation

    /// Moves `buffer` past one complete value. Returns false when the value is incomplete.
    static func skipValue(_ buffer: inout ByteBuffer, limits: RESPLimits, depth: Int) throws -> Bool {
        guard depth <= limits.maximumDepth else { throw RESPParsingError.tooDeep }
        guard let type = buffer.readInteger(as: UInt8.self) else { return false }
        guard let line = try buffer.readLine(maximum: limits.maximumLineLength) else { return false }
        switch type {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "("):
            return true
        case UInt8(ascii: ":"):
            guard line.integerValue != nil else { throw RESPParsingError.badNumber }
            return true
        case UInt8(ascii: "_"):
            guard line.readableBytes == 0 else { throw RESPParsingError.badNull }
            return true
        case UInt8(ascii: "#"):
            guard line.readableBytes == 1, let flag = line.readableBytesView.first,
                flag == UInt8(ascii: "t") || flag == UInt8(ascii: "f")
            else { throw RESPParsingError.badBoolean }
            return true
        case UInt8(ascii: ","):
            guard Double(String(buffer: line)) != nil else { throw RESPParsingError.badNumber }
            return true
        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            guard let length = line.integerValue else { throw RESPParsingError.badLength }
            if length == -1 && type == UInt8(ascii: "$") { return true }
            guard length >= 0, length <= limits.maximumBulkLength else { throw RESPParsingError.badLength }
            guard Int64(buffer.readableBytes) - 2 >= length else { return false }
            buffer.moveReaderIndex(forwardBy: Int(length))
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw RESPParsingError.missingCRLF }
            return true
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"), UInt8(ascii: "|"):
            guard let count = line.integerValue else { throw RESPParsingError.badLength }
            if count == -1 && type == UInt8(ascii: "*") { return true }
            guard count >= 0, count <= limits.maximumElements else { throw RESPParsingError.badLength }
            let pairs = type == UInt8(ascii: "%") || type == UInt8(ascii: "|")
            let (elements, overflow) = Int(count).multipliedReportingOverflow(by: pairs ? 2 : 1)
            guard !overflow else { throw RESPParsingError.badLength }
            for _ in 0..<elements {
                guard try skipValue(&buffer, limits: limits, depth: depth + 1) else { return false }
            }
            return true
        default:
            throw RESPParsingError.unknownType(type)
        }
    }
}

/// Bounds on what a peer may send, checked before anything is allocated or added.
public struct RESPLimits: Sendable {
    /// Longest bulk string (Redis's `proto-max-bulk-len` default).
    public var maximumBulkLength: Int64 = 512 * 1024 * 1024
    /// Most elements in one aggregate.
    public var maximumElements: Int64 = 1 << 32
    /// Deepest nesting of aggregates.
    public var maximumDepth = 64
    /// Longest type line (status texts, numbers) before its CRLF.
    public var maximumLineLength = 64 * 1024

    public init() {}

    /// For re-reading bytes that were validated already.
    static let unbounded: RESPLimits = {
        var limits = RESPLimits()
        limits.maximumBulkLength = .max
        limits.maximumElements = .max
        limits.maximumDepth = Int.max - 1
        limits.maximumLineLength = Int.max - 2
        return limits
    }()
}

/// Why bytes from a peer are not RESP.
public enum RESPParsingError: Error, Equatable, Sendable {
    case unknownType(UInt8)
    case badNumber
    case badLength
    case badNull
    case badBoolean
    case missingCRLF
    case tooDeep
    case lineTooLong
}

extension ByteBuffer {
    /// The bytes before the next CRLF (consumed with it); nil when no newline has arrived yet. Throws when the line
    /// is longer than `maximum` bytes or its newline has no carriage return before it.
    mutating func readLine(maximum: Int) throws -> ByteBuffer? {
        let view = readableBytesView
        let searched = view.prefix(maximum < view.count - 1 ? maximum + 2 : view.count)
        guard let newline = searched.firstIndex(of: UInt8(ascii: "\n")) else {
            if searched.count < view.count { throw RESPParsingError.lineTooLong }
            return nil
        }
        let length = newline - view.startIndex
        guard length >= 1, view[newline - 1] == UInt8(ascii: "\r") else { throw RESPParsingError.missingCRLF }
        guard length - 1 <= maximum else { throw RESPParsingError.lineTooLong }
        let line = readSlice(length: length - 1)
        moveReaderIndex(forwardBy: 2)
        return line
    }

    /// The rest of a token's type line (its bytes up to CRLF), for a token known to be valid.
    mutating func lineSlice() -> ByteBuffer {
        (try? readLine(maximum: Int.max - 2)) ?? ByteBuffer()
    }

    /// The line as a decimal 64-bit number (Redis's canonical form, as Redis writes lengths and integers), or nil.
    var integerValue: Int64? {
        withUnsafeReadableBytes { StringNumbers.parseCanonicalInteger($0) }.map(Int64.init)
    }
}
