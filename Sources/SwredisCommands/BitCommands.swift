import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// Bit operations on strings (Redis's `bitops.c`): SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.
/// Bit 0 is the most significant bit of the first byte.
enum BitCommands {

    static let bindings: [CommandBinding] = [
        CommandBinding("setbit", setbit),
        CommandBinding("getbit", getbit),
        CommandBinding("bitcount", bitcount),
        CommandBinding("bitpos", bitpos),
        CommandBinding("bitop", bitop),
        CommandBinding("bitfield", keys: KeyProcedures.bitfield) { bitfield($0, $1, $2, readOnly: false) },
        CommandBinding("bitfield_ro") { bitfield($0, $1, $2, readOnly: true) },
    ]

    static let offsetError = "ERR bit offset is not an integer or out of range"

    /// A bit offset (`#n` multiplies by the field width when `width` is given).
    static func bitOffset(_ engine: Engine, _ client: ClientSession, _ args: Arguments, _ index: Int, width: Int? = nil)
        -> Int?
    {
        var bytes = args[index]
        var multiplier = 1
        if let width, let first = bytes.first, first == UInt8(ascii: "#") {
            bytes = UnsafeRawBufferPointer(rebasing: bytes[1...])
            multiplier = width
        }
        guard let value = StringNumbers.parseCanonicalInteger(bytes) else {
            client.error(offsetError)
            return nil
        }
        let (offset, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow, offset >= 0, (offset >> 3) < engine.maxBulkLength else {
            client.error(offsetError)
            return nil
        }
        return offset
    }

    /// The bytes of the string at `key`: nil after a WRONGTYPE reply; empty when missing.
    static func stringBytes(_ engine: Engine, _ client: ClientSession, _ key: UnsafeRawBufferPointer) -> [UInt8]? {
        switch readString(engine, client, key) {
        case .missing: return []
        case .wrongType: return nil
        case .found(let bytes): return bytes
        }
    }

    enum StringLookup {
        case missing
        /// WRONGTYPE was replied.
        case wrongType
        case found([UInt8])
    }

    /// The string at `key`, looked up once (one hit or miss, one `keymiss` event).
    static func readString(_ engine: Engine, _ client: ClientSession, _ key: UnsafeRawBufferPointer) -> StringLookup {
        guard let position = engine.lookupRead(client.database, key) else { return .missing }
        let value = engine.databases[client.database].keys.value(at: position).value
        guard let bytes = value.withStringBytes({ Array($0) }) else {
            client.error(RedisError.wrongType)
            return .wrongType
        }
        return .found(bytes)
    }

    /// Stores modified bytes back as a raw string.
    static func store(_ engine: Engine, _ client: ClientSession, _ key: UnsafeRawBufferPointer, _ bytes: [UInt8]) {
        let db = client.database
        let value = Value.string(ByteString(bytes: bytes))
        if let position = engine.lookupWrite(db, key) {
            engine.overwriteValue(db, at: position, value, raw: true)
        } else {
            engine.storeValue(db, ByteString(key), value)
            engine.markRaw(db, key)
        }
    }

    /// The string for a write: WRONGTYPE when another type; nil then.
    static func writableBytes(_ engine: Engine, _ client: ClientSession, _ key: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let position = engine.lookupWrite(client.database, key) else { return [] }
        let value = engine.databases[client.database].keys.value(at: position).value
        guard let bytes = value.withStringBytes({ Array($0) }) else {
            client.error(RedisError.wrongType)
            return nil
        }
        return bytes
    }

    static func setbit(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let offset = bitOffset(engine, client, args, 2) else { return }
        guard let on = args.integer(3), on == 0 || on == 1 else {
            client.error("ERR bit is not an integer or out of range")
            return
        }
        guard var bytes = writableBytes(engine, client, args[1]) else { return }
        let byte = offset >> 3
        let grows = bytes.count <= byte
        if grows { bytes.append(contentsOf: repeatElement(0, count: byte + 1 - bytes.count)) }
        let mask = UInt8(1 << (7 - (offset & 7)))
        let old = bytes[byte] & mask != 0 ? 1 : 0
        // Like Redis 7.0, setting a bit to the value it has is no write (no dirty, WATCH intact), unless the
        // string had to be created or grown for it.
        guard grows || old != on else {
            client.reply.integer(old)
            return
        }
        if on == 1 { bytes[byte] |= mask } else { bytes[byte] &= ~mask }
        store(engine, client, args[1], bytes)
        engine.dirty += 1
        engine.notify(client, .string, "setbit", args[1])
        client.reply.integer(old)
    }

    static func getbit(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let offset = bitOffset(engine, client, args, 2) else { return }
        guard let bytes = stringBytes(engine, client, args[1]) else { return }
        let byte = offset >> 3
        client.reply.integer(byte < bytes.count && bytes[byte] & UInt8(1 << (7 - (offset & 7))) != 0 ? 1 : 0)
    }

    /// Resolves a BITCOUNT/BITPOS range to a closed bit range; `isBit` selects BIT units over BYTE.
    static func bitRange(start: Int, end: Int, length: Int, isBit: Bool) -> (Int, Int)? {
        let total = isBit ? length * 8 : length
        var start = start < 0 ? total + start : start
        var end = end < 0 ? total + end : end
        if start < 0 { start = 0 }
        if end < 0 { end = 0 }
        if end >= total { end = total - 1 }
        guard start <= end else { return nil }
        return isBit ? (start, end) : (start * 8, end * 8 + 7)
    }

    static func unit(_ client: ClientSession, _ args: Arguments, _ index: Int) -> Bool? {
        if args.matches(index, "bit") { return true }
        if args.matches(index, "byte") { return false }
        client.error(RedisError.syntax)
        return nil
    }

    static func bit(_ bytes: [UInt8], _ position: Int) -> Int {
        bytes[position >> 3] & UInt8(1 << (7 - (position & 7))) != 0 ? 1 : 0
    }

    static func bitcount(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        let bytes: [UInt8]
        switch readString(engine, client, args[1]) {
        case .wrongType: return
        case .missing:
            client.reply.integer(0)
            return
        case .found(let found): bytes = found
        }
        var range: (Int, Int)?
        if args.count == 4 || args.count == 5 {
            guard let start = args.integerOrReply(2, client), let end = args.integerOrReply(3, client) else { return }
            if start < 0 && end < 0 && start > end {
                client.reply.integer(0)
                return
            }
            var isBit = false
            if args.count == 5 {
                guard let parsed = unit(client, args, 4) else { return }
                isBit = parsed
            }
            range = bitRange(start: start, end: end, length: bytes.count, isBit: isBit)
        } else if args.count == 2 {
            range = bytes.isEmpty ? nil : (0, bytes.count * 8 - 1)
        } else {
            client.error(RedisError.syntax)
            return
        }
        guard let (first, last) = range else {
            client.reply.integer(0)
            return
        }
        var count = 0
        var position = first
        while position <= last {
            if position & 7 == 0 && position + 7 <= last {
                count += bytes[position >> 3].nonzeroBitCount
                position += 8
            } else {
                count += bit(bytes, position)
                position += 1
            }
        }
        client.reply.integer(count)
    }

    static func bitpos(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let wanted = args.integerOrReply(2, client) else { return }
        guard wanted == 0 || wanted == 1 else {
            client.error("ERR The bit argument must be 1 or 0.")
            return
        }
        let bytes: [UInt8]
        switch readString(engine, client, args[1]) {
        case .wrongType: return
        case .missing:
            client.reply.integer(wanted == 1 ? -1 : 0)
            return
        case .found(let found): bytes = found
        }
        var range: (Int, Int)?
        var endGiven = false
        if args.count >= 4 && args.count <= 6 {
            guard let start = args.integerOrReply(3, client) else { return }
            var isBit = false
            if args.count == 6 {
                guard let parsed = unit(client, args, 5) else { return }
                isBit = parsed
            }
            let end: Int
            if args.count >= 5 {
                guard let given = args.integerOrReply(4, client) else { return }
                end = given
                endGiven = true
            } else {
                end = isBit ? bytes.count * 8 + 7 : bytes.count - 1
            }
            range = bitRange(start: start, end: end, length: bytes.count, isBit: isBit)
        } else if args.count == 3 {
            range = bytes.isEmpty ? nil : (0, bytes.count * 8 - 1)
        } else {
            client.error(RedisError.syntax)
            return
        }
        guard let (first, last) = range else {
            client.reply.integer(-1)
            return
        }
        for position in first...last where bit(bytes, position) == wanted {
            client.reply.integer(position)
            return
        }
        // Looking for a clear bit past the end of the string: the string counts as zero-padded, unless an
        // explicit end bounded the search.
        if wanted == 0 && !endGiven {
            client.reply.integer((last / 8 + 1) * 8)
        } else {
            client.reply.integer(-1)
        }
    }

    static func bitop(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        enum Operation { case and, or, xor, not }
        let operation: Operation
        if args.matches(1, "and") {
            operation = .and
        } else if args.matches(1, "or") {
            operation = .or
        } else if args.matches(1, "xor") {
            operation = .xor
        } else if args.matches(1, "not") {
            operation = .not
        } else {
            client.error(RedisError.syntax)
            return
        }
        if operation == .not && args.count != 4 {
            client.error("ERR BITOP NOT must be called with a single source key.")
            return
        }
        var sources: [[UInt8]] = []
        for index in 3..<args.count {
            guard let bytes = stringBytes(engine, client, args[index]) else { return }
            sources.append(bytes)
        }
        let length = sources.map(\.count).max() ?? 0
        var result = [UInt8](repeating: 0, count: length)
        for position in 0..<length {
            func byte(_ source: [UInt8]) -> UInt8 { position < source.count ? source[position] : 0 }
            switch operation {
            case .not: result[position] = ~byte(sources[0])
            case .and: result[position] = sources.reduce(0xFF) { $0 & byte($1) }
            case .or: result[position] = sources.reduce(0) { $0 | byte($1) }
            case .xor: result[position] = sources.reduce(0) { $0 ^ byte($1) }
            }
        }
        let db = client.database
        if length == 0 {
            if engine.deleteKey(db, args[2]) { engine.dirty += 1 }
        } else {
            engine.storeValue(db, args.bytes(2), .string(ByteString(bytes: result)))
            engine.markRaw(db, args[2])
            engine.dirty += 1
            engine.notify(client, .string, "set", args[2])
        }
        client.reply.integer(length)
    }
}
