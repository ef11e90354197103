import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// Hash commands (Redis's `t_hash.c`).
enum HashCommands {

    static let bindings: [CommandBinding] = [
        CommandBinding("hset") {
            set($0, $1, $2, legacy: false)
        },
        CommandBinding("hmset") { set($0, $1, $2, legacy: true) },
        CommandBinding("hsetnx", hsetnx),
        CommandBinding("hget", hget),
        CommandBinding("hmget", hmget),
        CommandBinding("hdel", hdel),
        CommandBinding("hlen") {
            engine, client, args in
            withHash(engine, client, args, missing: { client.reply.integer(0) }) { client.reply.integer($0.count) }
        },
        CommandBinding("hstrlen") { engine, client, args in
            withHash(engine, client, args, missing: { client.reply.integer(0) }) {
                client.reply.integer($0.get(args[2])?.count ?? 0)
            }
        },
        CommandBinding("hexists") {
            engine, client, args in
            withHash(engine, client, args, missing: { client.reply.integer(0) }) {
                client.reply.integer($0.get(args[2]) == nil ? 0 : 1)
            }
        },
        CommandBinding("hkeys") {
            listing($0, $1, $2, fields: true, values: false)
        },
        CommandBinding("hvals") {
            listing($0, $1, $2, fields: false, values: true)
        },
        CommandBinding("hgetall") {
            listing($0, $1, $2, fields: true, values: true)
        },
        CommandBinding("hincrby", hincrby),
        CommandBinding("hincrbyfloat", hincrbyfloat),
        CommandBinding("hscan", hscan),
        CommandBinding("hrandfield", hrandfield),
    ]

    /// Runs `body` with the hash at args[1]; `missing` when there is none; nothing after a WRONGTYPE.
    static func withHash(
        _ engine: Engine, _ client: ClientSession, _ args: Arguments, missing: () -> Void, _ body: (HashValue) -> Void
    ) {
        switch engine.hash(client, args[1], write: false) {
        case .wrongType: return
        case .missing: missing()
        case .found(let hash): body(hash)
        }
    }

    static func set(_ engine: Engine, _ client: ClientSession, _ args: Arguments, legacy: Bool) {
        guard args.count % 2 == 0 else {
            client.error(RedisError.wrongArity(legacy ? "hmset" : "hset"))
            return
        }
        guard let hash = engine.hashForWrite(client, args[1]) else { return }
        let limits = engine.hashLimits
        var added = 0
        for index in stride(from: 2, to: args.count, by: 2)
        where hash.set(args.bytes(index), args.bytes(index + 1), maxEntries: limits.entries, maxValue: limits.value) {
            added += 1
        }
        engine.dirty += (args.count - 2) / 2
        engine.notify(client, .hash, "hset", args[1])
        if legacy { client.reply.ok() } else { client.reply.integer(added) }
    }

    static func hsetnx(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        if case .found(let hash) = engine.hash(client, args[1], write: true), hash.get(args[2]) != nil {
            client.reply.integer(0)
            return
        }
        if client.currentCommandFailed { return }
        guard let hash = engine.hashForWrite(client, args[1]) else { return }
        let limits = engine.hashLimits
        hash.set(args.bytes(2), args.bytes(3), maxEntries: limits.entries, maxValue: limits.value)
        engine.dirty += 1
        engine.notify(client, .hash, "hset", args[1])
        client.reply.integer(1)
    }

    static func hget(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        withHash(engine, client, args, missing: { client.reply.null() }) { hash in
            if let value = hash.get(args[2]) {
                value.withUnsafeBytes { client.reply.bulk($0) }
            } else {
                client.reply.null()
            }
        }
    }

    static func hmget(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        let hash: HashValue?
        switch engine.hash(client, args[1], write: false) {
        case .wrongType: return
        case .missing: hash = nil
        case .found(let found): hash = found
        }
        client.reply.arrayHeader(args.count - 2)
        for index in 2..<args.count {
            if let value = hash?.get(args[index]) {
                value.withUnsafeBytes { client.reply.bulk($0) }
            } else {
                client.reply.null()
            }
        }
    }

    static func hdel(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        switch engine.hash(client, args[1], write: true) {
        case .wrongType: return
        case .missing: client.reply.integer(0)
        case .found(let hash):
            var removed = 0
            for index in 2..<args.count where hash.remove(args[index]) { removed += 1 }
            engine.dirty += removed
            if removed > 0 { engine.notify(client, .hash, "hdel", args[1]) }
            engine.deleteIfEmpty(client.database, args[1], count: hash.count)
            client.reply.integer(removed)
        }
    }

    static func listing(_ engine: Engine, _ client: ClientSession, _ args: Arguments, fields: Bool, values: Bool) {
        withHash(
            engine, client, args,
            missing: {
                if fields && values { client.reply.mapHeader(0) } else { client.reply.arrayHeader(0) }
            }
        ) { hash in
            if fields && values { client.reply.mapHeader(hash.count) } else { client.reply.arrayHeader(hash.count) }
            hash.forEach { field, value in
                if fields { field.withUnsafeBytes { client.reply.bulk($0) } }
                if values { value.withUnsafeBytes { client.reply.bulk($0) } }
            }
        }
    }

    static func hincrby(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let delta = args.integerOrReply(3, client) else { return }
        if case .wrongType = engine.hash(client, args[1], write: true) { return }
        guard let hash = engine.hashForWrite(client, args[1]) else { return }
        var current = 0
        if let existing = hash.get(args[2]) {
            guard let number = existing.withUnsafeBytes({ StringNumbers.parseCanonicalInteger($0) }) else {
                client.error("ERR hash value is not an integer")
                return
            }
            current = number
        }
        let (result, overflow) = current.addingReportingOverflow(delta)
        guard !overflow else {
            client.error(RedisError.overflow)
            return
        }
        let limits = engine.hashLimits
        hash.set(args.bytes(2), ByteString(String(result)), maxEntries: limits.entries, maxValue: limits.value)
        engine.dirty += 1
        engine.notify(client, .hash, "hincrby", args[1])
        client.reply.integer(result)
    }

    static func hincrbyfloat(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let delta = StringNumbers.parseLongDouble(args[3]) else {
            client.error(RedisError.notFloat)
            return
        }
        guard delta.isFinite else {
            client.error("ERR value is NaN or Infinity")
            return
        }
        if case .wrongType = engine.hash(client, args[1], write: true) { return }
        guard let hash = engine.hashForWrite(client, args[1]) else { return }
        var current: Float80 = 0
        if let existing = hash.get(args[2]) {
            guard let number = existing.withUnsafeBytes({ StringNumbers.parseLongDouble($0) }) else {
                client.error("ERR hash value is not a float")
                return
            }
            current = number
        }
        let result = current + delta
        guard result.isFinite else {
            client.error("ERR increment would produce NaN or Infinity")
            return
        }
        let text = ByteString(StringNumbers.formatLongDouble(result))
        let limits = engine.hashLimits
        hash.set(args.bytes(2), text, maxEntries: limits.entries, maxValue: limits.value)
        engine.dirty += 1
        engine.propagateInstead([[ByteString("HSET"), args.bytes(1), args.bytes(2), text]])
        engine.notify(client, .hash, "hincrbyfloat", args[1])
        text.withUnsafeBytes { client.reply.bulk($0) }
    }

    static func hscan(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let cursor = ScanOptions.parseCursor(client, args, 2) else { return }
        var items: [ByteString] = []
        var next: UInt64 = 0
        switch engine.hash(client, args[1], write: false) {
        case .wrongType: return
        case .missing: break
        case .found(let hash):
            // As in Redis, options are parsed only once the key is known to exist with the right type.
            guard let options = ScanOptions.parse(client, args, from: 3) else { return }
            next = hash.scan(cursor: cursor, count: options.count) { field, value in
                if let pattern = options.pattern,
                    !pattern.withUnsafeBytes({ p in field.withUnsafeBytes { GlobPattern.matches(p, $0) } })
                {
                    return
                }
                items.append(field)
                items.append(value)
            }
        }
        ScanOptions.reply(client, cursor: next, keys: items)
    }

    static func hrandfield(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let request = SharedArguments.randomCount(client, args, flag: "withvalues") else { return }
        let count = request.count
        let withValues = request.withValues
        let hash: HashValue
        switch engine.hash(client, args[1], write: false) {
        case .wrongType: return
        case .missing:
            if count == nil { client.reply.null() } else { client.reply.arrayHeader(0) }
            return
        case .found(let found): hash = found
        }
        guard let count else {
            if let pair = hash.randomPair() { pair.0.withUnsafeBytes { client.reply.bulk($0) } }
            return
        }
        var chosen: [(ByteString, ByteString)] = []
        if count < 0 {
            for _ in 0..<(-count) { if let pair = hash.randomPair() { chosen.append(pair) } }
        } else if count >= hash.count {
            hash.forEach { chosen.append(($0, $1)) }
        } else {
            var all: [(ByteString, ByteString)] = []
            hash.forEach { all.append(($0, $1)) }
            all.shuffle()
            chosen = Array(all.prefix(count))
        }
        let pairsInRESP3 = withValues && client.reply.isRESP3
        client.reply.arrayHeader(withValues && !pairsInRESP3 ? chosen.count * 2 : chosen.count)
        for (field, value) in chosen {
            if pairsInRESP3 { client.reply.arrayHeader(2) }
            field.withUnsafeBytes { client.reply.bulk($0) }
            if withValues { value.withUnsafeBytes { client.reply.bulk($0) } }
        }
    }
}
