import DequeModule
import SwredisBytes
import SwredisKeyspace

/// The thresholds that decide which compact encodings loaded collections keep (the `*-max-listpack-*` and
/// `set-max-intset-entries` directives), so a loaded dataset reports the encodings Redis would.
public struct CollectionLimits: Sendable {
    public var hashEntries = 128
    public var hashValue = 64
    public var intsetEntries = 512
    public var zsetEntries = 128
    public var zsetValue = 64

    public init() {}
}

/// Builds values from every RDB value type Redis has written since 2.x.
extension RDBCursor {
    /// Reads a value of `type`. Returns nil for an empty collection, which Redis skips on load too.
    mutating func value(of type: RDBFormat.ValueType, limits: CollectionLimits) throws -> Value? {
        let start = position
        switch type {
        case .string:
            return try string { stored -> Value in
                switch stored {
                case .integer(let number): return .integer(number)
                case .bytes(let bytes): return Value.fromString(bytes)
                }
            }
        case .list:
            let count = try count()
            var items = Deque<ByteString>()
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(try byteString()) }
            return items.isEmpty ? nil : .list(ListValue(items))
        case .set:
            let count = try count()
            let set = SetValue()
            for _ in 0..<count {
                let added = try string { stored in
                    stored.withBytes { set.add($0, maxIntsetEntries: limits.intsetEntries) }
                }
                guard added else { throw error("Duplicate set members detected") }
            }
            return set.count == 0 ? nil : .set(set)
        case .zset, .zset2:
            let count = try count()
            let zset = SortedSetValue()
            for _ in 0..<count {
                let member = try byteString()
                let score = type == .zset2 ? try binaryDouble() : try textDouble()
                guard !score.isNaN else { throw error("Zset with NAN score detected") }
                guard zset.set(member, score, maxCompactEntries: limits.zsetEntries, maxCompactValue: limits.zsetValue)
                else {
                    throw error("Duplicate zset fields detected")
                }
            }
            return zset.count == 0 ? nil : .zset(zset)
        case .hash:
            let count = try count()
            let hash = HashValue()
            for _ in 0..<count {
                let field = try byteString()
                let value = try byteString()
                guard hash.set(field, value, maxEntries: limits.hashEntries, maxValue: limits.hashValue) else {
                    throw error("Duplicate hash fields detected")
                }
            }
            return hash.count == 0 ? nil : .hash(hash)
        case .hashZipmap:
            let hash = HashValue()
            try blob { blob in
                try PackedEncodings.zipmap(blob) { field, value in
                    guard
                        hash.set(
                            ByteString(field), ByteString(value), maxEntries: limits.hashEntries,
                            maxValue: limits.hashValue)
                    else {
                        throw RDBError(offset: start, "Duplicate hash fields detected")
                    }
                }
            }
            return hash.count == 0 ? nil : .hash(hash)
        case .listZiplist:
            var items = Deque<ByteString>()
            try blob { try PackedEncodings.ziplist($0) { items.append($0.byteString) } }
            return items.isEmpty ? nil : .list(ListValue(items))
        case .listQuicklist:
            let nodes = try count()
            var items = Deque<ByteString>()
            for _ in 0..<nodes {
                try blob { try PackedEncodings.ziplist($0) { items.append($0.byteString) } }
            }
            return items.isEmpty ? nil : .list(ListValue(items))
        case .listQuicklist2:
            let nodes = try count()
            var items = Deque<ByteString>()
            for _ in 0..<nodes {
                let container = try length()
                switch container {
                case RDBFormat.QuicklistContainer.plain:
                    items.append(try byteString())
                case RDBFormat.QuicklistContainer.packed:
                    try blob { try PackedEncodings.listpack($0) { items.append($0.byteString) } }
                default:
                    throw error("Quicklist integrity check failed (container \(container))")
                }
            }
            return items.isEmpty ? nil : .list(ListValue(items))
        case .setIntset:
            let set = SetValue()
            try blob { blob in
                try PackedEncodings.intset(blob) { number in
                    var digits = StringNumbers.Digits(number)
                    let added = digits.withBytes { set.add($0, maxIntsetEntries: limits.intsetEntries) }
                    guard added else { throw RDBError(offset: start, "Duplicate set members detected") }
                }
            }
            return set.count == 0 ? nil : .set(set)
        case .setListpack:
            let set = SetValue()
            try blob { blob in
                try PackedEncodings.listpack(blob) { stored in
                    guard stored.withBytes({ set.add($0, maxIntsetEntries: limits.intsetEntries) }) else {
                        throw RDBError(offset: start, "Duplicate set members detected")
                    }
                }
            }
            return set.count == 0 ? nil : .set(set)
        case .zsetZiplist, .zsetListpack:
            let zset = SortedSetValue()
            try packedPairs(ziplist: type == .zsetZiplist, what: "Zset", at: start) { member, stored in
                let score: Double
                switch stored {
                case .integer(let number): score = Double(number)
                case .bytes(let bytes):
                    guard let parsed = StringNumbers.parseRangeDouble(bytes) else {
                        throw RDBError(offset: start, "Zset score is not a number")
                    }
                    score = parsed
                }
                guard zset.set(member, score, maxCompactEntries: limits.zsetEntries, maxCompactValue: limits.zsetValue)
                else {
                    throw RDBError(offset: start, "Duplicate zset fields detected")
                }
            }
            return zset.count == 0 ? nil : .zset(zset)
        case .hashZiplist, .hashListpack:
            let hash = HashValue()
            try packedPairs(ziplist: type == .hashZiplist, what: "Hash", at: start) { field, stored in
                guard hash.set(field, stored.byteString, maxEntries: limits.hashEntries, maxValue: limits.hashValue)
                else {
                    throw RDBError(offset: start, "Duplicate hash fields detected")
                }
            }
            return hash.count == 0 ? nil : .hash(hash)
        case .modulePreGA, .module2:
            throw error("The RDB file contains module data, which swredis cannot load")
        case .streamListpacks, .streamListpacks2, .streamListpacks3:
            throw error("The RDB file contains a stream, a type swredis does not support")
        }
    }

    /// Reads a packed blob of alternating entries (hash field/value, zset member/score) and passes each pair on.
    private mutating func packedPairs(
        ziplist: Bool, what: String, at start: Int,
        _ body: (ByteString, StoredString) throws -> Void
    ) throws {
        try blob { blob in
            var pendingFirst: ByteString?
            let element: (StoredString) throws -> Void = { stored in
                guard let first = pendingFirst else {
                    pendingFirst = stored.byteString
                    return
                }
                pendingFirst = nil
                try body(first, stored)
            }
            if ziplist {
                try PackedEncodings.ziplist(blob, element)
            } else {
                try PackedEncodings.listpack(blob, element)
            }
            guard pendingFirst == nil else {
                throw RDBError(offset: start, "\(what) ziplist/listpack has an odd number of entries")
            }
        }
    }

    /// Reads a string that holds a packed blob and passes its bytes on.
    private mutating func blob(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let offset = position
        try string { stored in
            guard case .bytes(let bytes) = stored else {
                throw RDBError(offset: offset, "Packed value stored as an integer")
            }
            try body(bytes)
        }
    }
}

/// DUMP / RESTORE payloads: `type value rdb-version:u16 crc64:u64`.
public enum DumpPayload {
    /// Decodes a payload after checking its version and checksum; throws Redis's RESTORE error text.
    public static func decode(_ payload: UnsafeRawBufferPointer, limits: CollectionLimits) throws -> Value {
        guard let body = verifiedBody(payload) else {
            throw RDBError(offset: 0, "DUMP payload version or checksum are wrong")
        }
        var cursor = RDBCursor(body)
        let badData = RDBError(offset: 0, "Bad data format")
        guard let type = RDBFormat.ValueType(rawValue: try cursor.byte()) else { throw badData }
        let value: Value?
        do {
            value = try cursor.value(of: type, limits: limits)
        } catch {
            throw badData
        }
        // Redis 7.0 ignores bytes after the value as long as the checksum holds; so does swredis.
        guard let value else { throw badData }
        return value
    }

    /// The bytes before a payload's footer (RDB version, 2 bytes little endian, and CRC-64 of all before it, 8 bytes),
    /// or nil when the payload is shorter than the footer, newer than this reader, or its checksum is wrong (Redis's
    /// `verifyDumpPayload`; FUNCTION RESTORE checks its payloads the same way).
    static func verifiedBody(_ payload: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard payload.count >= 10 else { return nil }
        let footer = payload.count - 10
        let version = Int(payload[footer]) | Int(payload[footer + 1]) << 8
        let stored = payload.loadUnaligned(fromByteOffset: footer + 2, as: UInt64.self).littleEndian
        guard version <= RDBFormat.newestReadable,
            CRC64.checksum(UnsafeRawBufferPointer(rebasing: payload[..<(footer + 2)])) == stored
        else { return nil }
        return UnsafeRawBufferPointer(rebasing: payload[..<footer])
    }
}
