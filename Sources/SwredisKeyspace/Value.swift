import DequeModule
import SwredisBytes

/// A value stored under a key. Strings that are canonical decimal integers are stored as integers, as Redis
/// does with its `int` encoding (INCR is cheap and OBJECT ENCODING reports `int`). Collections are reference
/// types so commands change them in place without copying.
public enum Value: Sendable {
    case string(ByteString)
    case integer(Int)
    case list(ListValue)
    case hash(HashValue)
    case set(SetValue)
    case zset(SortedSetValue)

    /// The name TYPE replies with.
    public var typeName: String {
        switch self {
        case .string, .integer: return "string"
        case .list: return "list"
        case .hash: return "hash"
        case .set: return "set"
        case .zset: return "zset"
        }
    }

    /// The name OBJECT ENCODING replies with.
    public var encodingName: String {
        switch self {
        case .integer: return "int"
        case .string(let bytes): return bytes.count <= 44 ? "embstr" : "raw"
        case .list: return "quicklist"
        case .hash(let hash): return hash.isCompact ? "listpack" : "hashtable"
        case .set(let set): return set.isIntset ? "intset" : "hashtable"
        case .zset(let zset): return zset.isCompact ? "listpack" : "skiplist"
        }
    }

    public var isString: Bool {
        switch self {
        case .string, .integer: return true
        default: return false
        }
    }

    /// Makes a string value, choosing the integer encoding when the bytes are a canonical integer.
    public static func fromString(_ bytes: UnsafeRawBufferPointer) -> Value {
        if bytes.count <= 20, let number = StringNumbers.parseCanonicalInteger(bytes) {
            return .integer(number)
        }
        return .string(ByteString(bytes))
    }

    /// Calls `body` with the value's bytes when it is a string (integers are formatted first); nil otherwise.
    public func withStringBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R? {
        switch self {
        case .string(let bytes):
            return bytes.withUnsafeBytes(body)
        case .integer(let number):
            var digits = StringNumbers.Digits(number)
            return digits.withBytes(body)
        default:
            return nil
        }
    }

    /// Length in bytes of a string value; nil for other types.
    public var stringLength: Int? {
        switch self {
        case .string(let bytes): return bytes.count
        case .integer(let number): return StringNumbers.digitCount(number)
        default: return nil
        }
    }

    /// A deep copy (COPY command): collections are duplicated, strings are values already.
    public func duplicate() -> Value {
        switch self {
        case .string, .integer: return self
        case .list(let list): return .list(ListValue(list.items))
        case .hash(let hash): return .hash(hash.copy())
        case .set(let set): return .set(set.copy())
        case .zset(let zset): return .zset(zset.copy())
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

/// A list: a double-ended queue, O(1) push and pop at both ends.
public final class ListValue: @unchecked Sendable {
    public var items: Deque<ByteString>
    public var snapshotGeneration: UInt32 = 0

    public init(_ items: Deque<ByteString> = []) {
        self.items = items
    }
}
