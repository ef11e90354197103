import SwredisBytes
import SwredisKeyspace

/// One key read from an RDB file, with the metadata records that preceded it.
public struct RDBKeyRecord {
    public var database: Int
    public var key: ByteString
    public var value: Value
    /// Absolute expiry in Unix milliseconds.
    public var expireAt: Int?
    /// LRU idle time in seconds (`IDLE` opcode, written under LRU policies), at most `RDBReader.maximumIdleSeconds`.
    public var idleSeconds: Int?
    /// LFU counter (`FREQ` opcode, written under LFU policies).
    public var frequency: UInt8?
}

/// What a whole file held besides its keys.
public struct RDBFileSummary {
    public var version = 0
    /// AUX fields (redis-ver, ctime, used-mem, repl-id, repl-offset, aof-base, ...).
    public var aux: [(field: String, value: ByteString)] = []
    public var keys = 0
    /// Empty collections found in the file (Redis skips them too).
    public var emptyKeysSkipped = 0
    /// Function libraries' code (FUNCTION2 records), in file order.
    public var functionLibraries: [ByteString] = []
    /// Bytes up to and including the checksum.
    public var length = 0

    public func auxValue(_ field: String) -> ByteString? {
        aux.first { $0.field == field }?.value
    }
}

/// Reads a whole RDB file from memory, the way Redis's `rdbLoadRio` does: header, opcodes, typed keys,
/// end marker and checksum.
public enum RDBReader {
    /// The longest idle time a record reports. Redis's LRU clock holds 24 bits of seconds (about 194 days), so
    /// a longer time means nothing more; the file may hold any 64-bit value, and capping it keeps callers'
    /// `idleSeconds * 1000` from overflowing.
    public static let maximumIdleSeconds = 0xFF_FFFF

    /// Reads `bytes`, calling `onResize` for RESIZEDB hints and `onKey` for every non-empty key.
    /// `progress` is called about every megabyte with the offset reached.
    public static func read(
        _ bytes: UnsafeRawBufferPointer, limits: CollectionLimits, databases: Int,
        verifyChecksum: Bool = true,
        progress: (Int) -> Void = { _ in },
        onResize: (_ database: Int, _ keys: Int, _ expires: Int) -> Void = { _, _, _ in },
        onAux: (_ field: String, _ value: ByteString, _ offset: Int) -> Void = { _, _, _ in },
        onKey: (RDBKeyRecord) throws -> Void
    ) throws -> RDBFileSummary {
        var cursor = RDBCursor(bytes)
        var summary = RDBFileSummary()
        summary.version = try readMagic(&cursor)
        var database = 0
        var expireAt: Int?
        var idleSeconds: Int?
        var frequency: UInt8?
        var nextProgress = 1 << 20
        while true {
            if cursor.position >= nextProgress {
                progress(cursor.position)
                nextProgress = cursor.position + (1 << 20)
            }
            let opcode = try cursor.byte()
            switch opcode {
            case RDBFormat.Opcode.expireTimeSeconds:
                expireAt = Int(try cursor.littleEndian(Int32.self)) * 1000
            case RDBFormat.Opcode.expireTimeMilliseconds:
                expireAt = Int(try cursor.littleEndian(Int64.self))
            case RDBFormat.Opcode.frequency:
                frequency = try cursor.byte()
            case RDBFormat.Opcode.idle:
                idleSeconds = min(try cursor.length(), maximumIdleSeconds)
            case RDBFormat.Opcode.selectDB:
                let index = try cursor.length()
                guard index < databases else {
                    throw cursor.error(
                        "FATAL: Data file was created with a Redis server configured to handle more than \(databases) databases. Exiting"
                    )
                }
                database = index
            case RDBFormat.Opcode.resizeDB:
                let keys = try cursor.length()
                let expires = try cursor.length()
                // The hints size hash tables: no more keys than the bytes left can hold (type, key and value
                // take at least 3 bytes, an expiry at least 5 more), whatever the file claims.
                onResize(database, min(keys, cursor.remaining / 3), min(expires, cursor.remaining / 8))
            case RDBFormat.Opcode.aux:
                let offset = cursor.position - 1
                let field = try cursor.string { stored in stored.withBytes { String(decoding: $0, as: UTF8.self) } }
                let value = try cursor.byteString()
                summary.aux.append((field, value))
                onAux(field, value, offset)
            case RDBFormat.Opcode.function2:
                summary.functionLibraries.append(try cursor.byteString())
            case RDBFormat.Opcode.functionPreGA, RDBFormat.Opcode.moduleAux:
                throw cursor.error("The RDB file contains module or function data swredis cannot load")
            case RDBFormat.Opcode.eof:
                try readChecksum(&cursor, version: summary.version, verify: verifyChecksum)
                summary.length = cursor.position
                progress(cursor.position)
                return summary
            default:
                guard let type = RDBFormat.ValueType(rawValue: opcode) else {
                    throw RDBError(offset: cursor.position - 1, "Unknown RDB encoding type \(opcode)")
                }
                let key = try cursor.byteString()
                let keyOffset = cursor.position
                let value: Value?
                do {
                    value = try cursor.value(of: type, limits: limits)
                } catch let error as RDBError {
                    throw RDBError(
                        offset: error.offset,
                        "\(error.reason) (key '\(key)', type \(type.typeName), value at offset \(keyOffset))")
                }
                if let value {
                    try onKey(
                        RDBKeyRecord(
                            database: database, key: key, value: value, expireAt: expireAt,
                            idleSeconds: idleSeconds, frequency: frequency))
                    summary.keys += 1
                } else {
                    summary.emptyKeysSkipped += 1
                }
                expireAt = nil
                idleSeconds = nil
                frequency = nil
            }
        }
    }

    static func readMagic(_ cursor: inout RDBCursor) throws -> Int {
        guard cursor.remaining >= 9 else {
            throw cursor.error("Short read or OOM loading DB. Unrecoverable error, aborting now.")
        }
        let magic = try cursor.take(9)
        guard magic.starts(with: Array("REDIS".utf8)) else {
            throw RDBError(offset: 0, "Wrong signature trying to load DB from file")
        }
        // Like Redis's atoi: leading digits only, so a non-numeric version reads as 0.
        var version = 0
        for digit in magic[5..<9] {
            guard digit >= 48 && digit <= 57 else { break }
            version = version * 10 + Int(digit - 48)
        }
        guard version >= 1 && version <= RDBFormat.newestReadable else {
            throw RDBError(offset: 5, "Can't handle RDB format version \(version)")
        }
        return version
    }

    static func readChecksum(_ cursor: inout RDBCursor, version: Int, verify: Bool) throws {
        guard version >= 5 else { return }
        let covered = cursor.position
        let stored = try cursor.littleEndian(UInt64.self)
        guard verify, stored != 0 else { return }
        let computed = CRC64.checksum(UnsafeRawBufferPointer(rebasing: cursor.bytes[..<covered]))
        guard computed == stored else {
            throw RDBError(
                offset: covered,
                "Wrong RDB checksum expected: (\(hex(computed))) but got (\(hex(stored))). Aborting now.")
        }
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
