import SwredisBytes

/// A value stored under a key. Strings that are canonical decimal integers are stored as integers, as Redis
/// does with its `int` encoding (INCR is cheap and OBJECT ENCODING reports `int`).
public enum Value: Sendable {
    case string(ByteString)
    case integer(Int)

    /// The name TYPE replies with.
    public var typeName: String {
        switch self {
        case .string, .integer: return "string"
        }
    }

    /// The name OBJECT ENCODING replies with.
    public var encodingName: String {
        switch self {
        case .integer: return "int"
        case .string(let bytes): return bytes.count <= 44 ? "embstr" : "raw"
        }
    }

    /// Makes a string value, choosing the integer encoding when the bytes are a canonical integer.
    public static func fromString(_ bytes: UnsafeRawBufferPointer) -> Value {
        if bytes.count <= 20, let number = StringNumbers.parseCanonicalInteger(bytes) {
            return .integer(number)
        }
        return .string(ByteString(bytes))
    }

    /// Calls `body` with the value's bytes when it is a string (integers are formatted first).
    public func withStringBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R? {
        switch self {
        case .string(let bytes):
            return bytes.withUnsafeBytes(body)
        case .integer(let number):
            var digits = StringNumbers.Digits(number)
            return digits.withBytes(body)
        }
    }

    /// Length in bytes of a string value.
    public var stringLength: Int? {
        switch self {
        case .string(let bytes): return bytes.count
        case .integer(let number): return StringNumbers.digitCount(number)
        }
    }
}

/// What a key holds: its value plus the access clock OBJECT IDLETIME/FREQ and eviction read.
public struct Entry: Sendable {
    public var value: Value
    /// LRU clock in seconds (low 24 bits), the way Redis keeps it in its object header.
    public var accessClock: UInt32

    /// Redis object details that only OBJECT ENCODING / REFCOUNT show: a string modified in place (APPEND,
    /// SETRANGE) is `raw` whatever its length, and a small integer made by SET/INCR is a shared object.
    public var isRawString = false
    public var isPrivateCopy = false

    public init(value: Value, accessClock: UInt32) {
        self.value = value
        self.accessClock = accessClock
    }

    /// OBJECT ENCODING.
    public var encodingName: String {
        if isRawString, case .string = value { return "raw" }
        return value.encodingName
    }
}
