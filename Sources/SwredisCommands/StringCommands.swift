import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// String commands (Redis's `t_string.c`).
enum StringCommands {
    static let bindings: [CommandBinding] = [
        CommandBinding("get", get),
        CommandBinding("set", keys: KeyProcedures.set, set),
        CommandBinding("setnx", setnx),
        CommandBinding("setex", setex),
        CommandBinding("psetex", psetex),
        CommandBinding("getset", getset),
        CommandBinding("getdel", getdel),
        CommandBinding("getex", getex),
        CommandBinding("mset", mset),
        CommandBinding("msetnx", msetnx),
        CommandBinding("mget", mget),
        CommandBinding("append", append),
        CommandBinding("strlen", strlen),
        CommandBinding("getrange", getrange),
        CommandBinding("substr", getrange),
        CommandBinding("setrange", setrange),
        CommandBinding("incr") { incrementBy($0, $1, $2, 1) },
        CommandBinding("decr") { incrementBy($0, $1, $2, -1) },
        CommandBinding("incrby", incrby),
        CommandBinding("decrby", decrby),
        CommandBinding("incrbyfloat", incrbyfloat),
    ]

    // MARK: Reading

    /// Replies with the string at `key`: null if missing, WRONGTYPE if not a string. Returns false on WRONGTYPE.
    @discardableResult
    static func replyWithString(_ engine: Engine, _ client: ClientSession, _ key: UnsafeRawBufferPointer) -> Bool {
        let db = client.database
        guard let position = engine.lookupRead(db, key) else {
            client.reply.null()
            return true
        }
        switch engine.databases[db].keys.value(at: position).value {
        case .string(let bytes):
            bytes.withUnsafeBytes { client.reply.bulk($0) }
        case .integer(let number):
            client.reply.bulkDecimal(number)
        default:
            client.error(RedisError.wrongType)
            return false
        }
        return true
    }

    static func get(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        replyWithString(engine, client, args[1])
    }

    static func mget(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        client.reply.arrayHeader(args.count - 1)
        for index in 1..<args.count {
            guard let value = engine.readValue(client.database, args[index]) else {
                client.reply.null()
                continue
            }
            switch value {
            case .string(let bytes): bytes.withUnsafeBytes { client.reply.bulk($0) }
            case .integer(let number): client.reply.bulkDecimal(number)
            default: client.reply.null()
            }
        }
    }

    static func strlen(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let value = engine.readValue(client.database, args[1]) else {
            client.reply.integer(0)
            return
        }
        guard let length = value.stringLength else {
            client.error(RedisError.wrongType)
            return
        }
        client.reply.integer(length)
    }

    static func getrange(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard var start = args.integer(2), var end = args.integer(3) else {
            client.error(RedisError.notInteger)
            return
        }
        guard let value = engine.readValue(client.database, args[1]) else {
            client.reply.bulk(bytes: EmptyCollection<UInt8>())
            return
        }
        guard value.isString else {
            client.error(RedisError.wrongType)
            return
        }
        value.withStringBytes { bytes in
            let length = bytes.count
            if start < 0 && end < 0 && start > end {
                client.reply.bulk(bytes: EmptyCollection<UInt8>())
                return
            }
            if start < 0 { start = length + start }
            if end < 0 { end = length + end }
            if start < 0 { start = 0 }
            if end < 0 { end = 0 }
            if end >= length { end = length - 1 }
            if start > end || length == 0 {
                client.reply.bulk(bytes: EmptyCollection<UInt8>())
            } else {
                client.reply.bulk(UnsafeRawBufferPointer(rebasing: bytes[start...end]))
            }
        }
    }

    // MARK: SET and its family

    /// Options shared by SET and GETEX.
    struct ExpiryOptions {
        var nx = false, xx = false, get = false, keepTTL = false, persist = false
        /// Argument index of the expiry value and its unit.
        var expireIndex: Int?
        var unitIsSeconds = false
        var absolute = false
        /// Which of EX/PX/EXAT/PXAT was given; the same one may repeat (the last value wins), others conflict.
        var expireKind: String?
    }

    /// Parses SET's (or GETEX's) options starting at argument `from`, following Redis's
    /// `parseExtendedStringArgumentsOrReply`.
    static func parseOptions(_ args: Arguments, from: Int, isGetEx: Bool) -> ExpiryOptions? {
        var options = ExpiryOptions()
        var index = from
        while index < args.count {
            let hasNext = index + 1 < args.count
            let expireSet = options.expireIndex != nil
            let kind = ["ex", "px", "exat", "pxat"].first { args.lowercased(index) == $0 }
            if !isGetEx && args.matches(index, "nx") && !options.xx {
                options.nx = true
            } else if !isGetEx && args.matches(index, "xx") && !options.nx {
                options.xx = true
            } else if !isGetEx && args.matches(index, "get") {
                options.get = true
            } else if !isGetEx && args.matches(index, "keepttl") && !options.persist && !expireSet {
                options.keepTTL = true
            } else if isGetEx && args.matches(index, "persist") && !expireSet && !options.keepTTL {
                options.persist = true
            } else if let kind,
                hasNext && !options.keepTTL && !options.persist
                    && (options.expireKind == nil || options.expireKind == kind)
            {
                options.expireKind = kind
                options.unitIsSeconds = args.matches(index, "ex") || args.matches(index, "exat")
                options.absolute = args.matches(index, "exat") || args.matches(index, "pxat")
                options.expireIndex = index + 1
                index += 1
            } else {
                return nil
            }
            index += 1
        }
        return options
    }

    /// Converts an expiry argument to absolute Unix ms, replying with Redis's error when invalid.
    static func expireMilliseconds(
        _ client: ClientSession, _ args: Arguments, _ index: Int, seconds: Bool,
        absolute: Bool, command: String
    ) -> Int? {
        guard var milliseconds = args.integer(index) else {
            client.error(RedisError.notInteger)
            return nil
        }
        if milliseconds <= 0 || (seconds && milliseconds > Int.max / 1000) {
            client.error(RedisError.invalidExpire(command))
            return nil
        }
        if seconds { milliseconds *= 1000 }
        if !absolute { milliseconds = milliseconds &+ client.engine.clock.unixMilliseconds() }
        if milliseconds <= 0 {
            client.error(RedisError.invalidExpire(command))
            return nil
        }
        return milliseconds
    }

    /// The common core of SET, SETNX, SETEX, PSETEX, following Redis's `setGenericCommand`.
    static func setGeneric(
        _ engine: Engine, _ client: ClientSession, _ args: Arguments, keyIndex: Int,
        valueIndex: Int, options: ExpiryOptions, command: String,
        abortReply: (() -> Void)? = nil, okReply: (() -> Void)? = nil
    ) {
        var expireAt: Int?
        if let index = options.expireIndex {
            guard
                let when = expireMilliseconds(
                    client, args, index, seconds: options.unitIsSeconds,
                    absolute: options.absolute, command: command)
            else { return }
            expireAt = when
        }
        let db = client.database
        let key = args[keyIndex]
        if options.get && !replyWithString(engine, client, key) { return }
        let found = engine.lookupWrite(db, key) != nil
        if (options.nx && found) || (options.xx && !found) {
            if !options.get {
                if let abortReply { abortReply() } else { client.reply.null() }
            }
            return
        }
        let name = ByteString(key)
        engine.storeValue(db, name, Value.fromString(args[valueIndex]), keepTTL: options.keepTTL)
        engine.dirty += 1
        engine.notify(client, .string, "set", key)
        if let expireAt {
            engine.databases[db].setExpire(name, at: expireAt)
            engine.notify(client, .generic, "expire", key)
            engine.propagateInstead([
                [
                    ByteString("SET"), name, ByteString(args[valueIndex]), ByteString("PXAT"),
                    Engine.millisecondsArgument(expireAt),
                ]
            ])
        }
        if !options.get {
            if let okReply { okReply() } else { client.reply.ok() }
        }
    }

    static func set(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let options = parseOptions(args, from: 3, isGetEx: false) else {
            client.error(RedisError.syntax)
            return
        }
        setGeneric(engine, client, args, keyIndex: 1, valueIndex: 2, options: options, command: "set")
    }

    static func setnx(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var options = ExpiryOptions()
        options.nx = true
        setGeneric(
            engine, client, args, keyIndex: 1, valueIndex: 2, options: options, command: "setnx",
            abortReply: { client.reply.integer(0) }, okReply: { client.reply.integer(1) })
    }

    static func setex(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var options = ExpiryOptions()
        options.expireIndex = 2
        options.unitIsSeconds = true
        setGeneric(engine, client, args, keyIndex: 1, valueIndex: 3, options: options, command: "setex")
    }

    static func psetex(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var options = ExpiryOptions()
        options.expireIndex = 2
        setGeneric(engine, client, args, keyIndex: 1, valueIndex: 3, options: options, command: "psetex")
    }

    static func getset(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard replyWithString(engine, client, args[1]) else { return }
        engine.storeValue(client.database, args.bytes(1), Value.fromString(args[2]))
        engine.dirty += 1
        engine.notify(client, .string, "set", args[1])
    }

    static func getdel(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard engine.lookupRead(client.database, args[1]) != nil else {
            client.reply.null()
            return
        }
        guard replyWithString(engine, client, args[1]) else { return }
        engine.deleteKey(client.database, args[1])
        engine.dirty += 1
    }

    static func getex(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let options = parseOptions(args, from: 2, isGetEx: true) else {
            client.error(RedisError.syntax)
            return
        }
        // Redis's order: a missing key is nil and a wrong type is WRONGTYPE before the expiry is validated.
        let db = client.database
        guard let position = engine.lookupRead(db, args[1]) else {
            client.reply.null()
            return
        }
        guard engine.databases[db].keys.value(at: position).value.isString else {
            client.error(RedisError.wrongType)
            return
        }
        var expireAt: Int?
        if let index = options.expireIndex {
            guard
                let when = expireMilliseconds(
                    client, args, index, seconds: options.unitIsSeconds,
                    absolute: options.absolute, command: "getex")
            else { return }
            expireAt = when
        }
        guard replyWithString(engine, client, args[1]) else { return }
        let key = args.bytes(1)
        if let expireAt {
            if options.absolute && expireAt <= engine.clock.unixMilliseconds() {
                engine.databases[db].remove(key)
                engine.notify(client, .generic, "del", args[1])
                engine.propagateInstead([[ByteString("DEL"), key]])
            } else {
                engine.databases[db].setExpire(key, at: expireAt)
                engine.notify(client, .generic, "expire", args[1])
                engine.propagateInstead([[ByteString("PEXPIREAT"), key, Engine.millisecondsArgument(expireAt)]])
            }
            engine.dirty += 1
        } else if options.persist {
            if engine.databases[db].persist(key) {
                engine.dirty += 1
                engine.notify(client, .generic, "persist", args[1])
                engine.propagateInstead([[ByteString("PERSIST"), key]])
            }
        }
    }

    static func mset(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard args.count % 2 == 1 else {
            client.error(RedisError.wrongArity("mset"))
            return
        }
        for index in stride(from: 1, to: args.count, by: 2) {
            engine.storeValue(client.database, args.bytes(index), Value.fromString(args[index + 1]))
            engine.notify(client, .string, "set", args[index])
        }
        engine.dirty += (args.count - 1) / 2
        client.reply.ok()
    }

    static func msetnx(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard args.count % 2 == 1 else {
            client.error(RedisError.wrongArity("msetnx"))
            return
        }
        for index in stride(from: 1, to: args.count, by: 2)
        where engine.lookupWrite(client.database, args[index]) != nil {
            client.reply.integer(0)
            return
        }
        for index in stride(from: 1, to: args.count, by: 2) {
            engine.storeValue(client.database, args.bytes(index), Value.fromString(args[index + 1]))
            engine.notify(client, .string, "set", args[index])
        }
        engine.dirty += (args.count - 1) / 2
        client.reply.integer(1)
    }

    // MARK: Modifying strings

    /// Checks the `proto-max-bulk-len` limit the way Redis's `checkStringLength` does.
    static func fitsLength(_ engine: Engine, _ client: ClientSession, _ size: Int, _ append: Int) -> Bool {
        let (total, overflow) = size.addingReportingOverflow(append)
        if overflow || total > engine.maxBulkLength {
            client.error(RedisError.stringTooLong)
            return false
        }
        return true
    }

    static func append(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        let db = client.database
        let addition = args[2]
        guard let position = engine.lookupWrite(db, args[1]) else {
            engine.storeValue(db, args.bytes(1), Value.fromString(addition))
            engine.dirty += 1
            engine.notify(client, .string, "append", args[1])
            client.reply.integer(addition.count)
            return
        }
        let current = engine.databases[db].keys.value(at: position).value
        guard let length = current.stringLength else {
            client.error(RedisError.wrongType)
            return
        }
        guard fitsLength(engine, client, length, addition.count) else { return }
        var combined = [UInt8]()
        combined.reserveCapacity(length + addition.count)
        current.withStringBytes { combined.append(contentsOf: $0) }
        combined.append(contentsOf: addition)
        engine.overwriteValue(db, at: position, .string(ByteString(bytes: combined)), raw: true)
        engine.dirty += 1
        engine.notify(client, .string, "append", args[1])
        client.reply.integer(combined.count)
    }

    static func setrange(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let offset = args.integer(2) else {
            client.error(RedisError.notInteger)
            return
        }
        guard offset >= 0 else {
            client.error("ERR offset is out of range")
            return
        }
        let db = client.database
        let patch = args[3]
        var bytes: [UInt8]
        let position = engine.lookupWrite(db, args[1])
        if let position {
            let current = engine.databases[db].keys.value(at: position).value
            guard let length = current.stringLength else {
                client.error(RedisError.wrongType)
                return
            }
            if patch.count == 0 {
                client.reply.integer(length)
                return
            }
            guard fitsLength(engine, client, offset, patch.count) else { return }
            bytes = current.withStringBytes { Array($0) } ?? []
        } else {
            if patch.count == 0 {
                client.reply.integer(0)
                return
            }
            guard fitsLength(engine, client, offset, patch.count) else { return }
            bytes = []
        }
        if bytes.count < offset + patch.count {
            bytes.append(contentsOf: repeatElement(0, count: offset + patch.count - bytes.count))
        }
        bytes.withUnsafeMutableBytes { target in
            (target.baseAddress! + offset).copyMemory(from: patch.baseAddress!, byteCount: patch.count)
        }
        let value = Value.string(ByteString(bytes: bytes))
        if let position {
            engine.overwriteValue(db, at: position, value, raw: true)
        } else {
            engine.storeValue(db, args.bytes(1), value)
            engine.markRaw(db, args[1])
        }
        engine.dirty += 1
        engine.notify(client, .string, "setrange", args[1])
        client.reply.integer(bytes.count)
    }

    // MARK: Counters

    static func incrby(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let delta = args.integer(2) else {
            client.error(RedisError.notInteger)
            return
        }
        incrementBy(engine, client, args, delta)
    }

    static func decrby(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let delta = args.integer(2) else {
            client.error(RedisError.notInteger)
            return
        }
        guard delta != Int.min else {
            client.error("ERR decrement would overflow")
            return
        }
        incrementBy(engine, client, args, -delta)
    }

    static func incrementBy(_ engine: Engine, _ client: ClientSession, _ args: Arguments, _ delta: Int) {
        let db = client.database
        let position = engine.lookupWrite(db, args[1])
        var current = 0
        if let position {
            switch engine.databases[db].keys.value(at: position).value {
            case .integer(let number):
                current = number
            case .string(let bytes):
                guard let number = bytes.withUnsafeBytes({ StringNumbers.parseCanonicalInteger($0) }) else {
                    client.error(RedisError.notInteger)
                    return
                }
                current = number
            default:
                client.error(RedisError.wrongType)
                return
            }
        }
        let (result, overflow) = current.addingReportingOverflow(delta)
        guard !overflow else {
            client.error(RedisError.overflow)
            return
        }
        if let position {
            engine.overwriteValue(db, at: position, .integer(result))
        } else {
            engine.storeValue(db, args.bytes(1), .integer(result))
        }
        engine.dirty += 1
        engine.notify(client, .string, "incrby", args[1])
        client.reply.integer(result)
    }

    static func incrbyfloat(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        let db = client.database
        let position = engine.lookupWrite(db, args[1])
        var current: Float80 = 0
        if let position {
            let value = engine.databases[db].keys.value(at: position).value
            guard value.isString else {
                client.error(RedisError.wrongType)
                return
            }
            guard let parsed = value.withStringBytes({ StringNumbers.parseLongDouble($0) }) ?? nil else {
                client.error(RedisError.notFloat)
                return
            }
            current = parsed
        }
        guard let delta = StringNumbers.parseLongDouble(args[2]) else {
            client.error(RedisError.notFloat)
            return
        }
        let result = current + delta
        guard !result.isNaN && !result.isInfinite else {
            client.error("ERR increment would produce NaN or Infinity")
            return
        }
        let text = ByteString(StringNumbers.formatLongDouble(result))
        if let position {
            engine.overwriteValue(db, at: position, .string(text))
        } else {
            engine.storeValue(db, args.bytes(1), .string(text))
        }
        engine.dirty += 1
        engine.propagateInstead([[ByteString("SET"), args.bytes(1), text, ByteString("KEEPTTL")]])
        engine.notify(client, .string, "incrbyfloat", args[1])
        text.withUnsafeBytes { client.reply.bulk($0) }
    }
}
