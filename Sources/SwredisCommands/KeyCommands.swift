import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// Generic key commands (Redis's `db.c`).
enum KeyCommands {
    static let bindings: [CommandBinding] = [
        CommandBinding("del", del),
        CommandBinding("unlink", del),
        CommandBinding("exists", exists),
        CommandBinding("type", type),
        CommandBinding("rename") { rename($0, $1, $2, nx: false) },
        CommandBinding("renamenx") { rename($0, $1, $2, nx: true) },
        CommandBinding("keys", keys),
        CommandBinding("scan", scan),
        CommandBinding("randomkey", randomkey),
        CommandBinding("dbsize") { engine, client, _ in client.reply.integer(engine.databases[client.database].count) },
        CommandBinding("select", select),
        CommandBinding("swapdb", swapdb),
        CommandBinding("move", move),
        CommandBinding("copy", copy),
        CommandBinding("touch", exists),
        CommandBinding("flushdb", flushdb),
        CommandBinding("flushall", flushall),
        CommandBinding("object") { _, _, _ in },
        CommandBinding("object|encoding", objectEncoding),
        CommandBinding("object|refcount", objectRefcount),
        CommandBinding("object|idletime", objectIdletime),
        CommandBinding("object|freq", objectFreq),
        CommandBinding("object|help") { _, client, _ in
            HelpText.reply(
                client, "OBJECT",
                [
                    "ENCODING <key>",
                    "    Return the kind of internal representation used in order to store the value",
                    "    associated with a <key>.",
                    "FREQ <key>",
                    "    Return the access frequency index of the <key>. The returned integer is",
                    "    proportional to the logarithm of the recent access frequency of the key.",
                    "IDLETIME <key>",
                    "    Return the idle time of the <key>, that is the approximated number of",
                    "    seconds elapsed since the last access to the key.",
                    "REFCOUNT <key>",
                    "    Return the number of references of the value associated with the specified",
                    "    <key>.",
                ])
        },
    ]

    static func del(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var removed = 0
        for index in 1..<args.count where engine.deleteKey(client.database, args[index]) {
            removed += 1
        }
        engine.dirty += removed
        client.reply.integer(removed)
    }

    static func exists(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var found = 0
        for index in 1..<args.count where engine.keyExists(client.database, args[index]) {
            found += 1
        }
        client.reply.integer(found)
    }

    static func type(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        // A read lookup (hit/miss, keymiss event) that leaves the key's access time alone, like Redis's LOOKUP_NOTOUCH.
        guard let position = engine.lookupRead(client.database, args[1], touch: false) else {
            client.reply.simple("none")
            return
        }
        client.reply.simple(engine.databases[client.database].keys.value(at: position).value.typeName)
    }

    static func rename(_ engine: Engine, _ client: ClientSession, _ args: Arguments, nx: Bool) {
        let db = client.database
        guard let position = engine.lookupWrite(db, args[1]) else {
            client.error(RedisError.noSuchKey)
            return
        }
        if args[1].elementsEqual(args[2]) {
            if nx { client.reply.integer(0) } else { client.reply.ok() }
            return
        }
        let entry = engine.databases[db].keys.value(at: position)
        let expireAt = engine.databases[db].expireTime(of: args[1])
        if engine.lookupWrite(db, args[2]) != nil {
            if nx {
                client.reply.integer(0)
                return
            }
            engine.databases[db].remove(args.bytes(2))
        }
        engine.databases[db].remove(args.bytes(1))
        let target = args.bytes(2)
        engine.databases[db].set(target, entry)
        engine.keyAdded(db, target, entry.value)
        if let expireAt { engine.databases[db].setExpire(target, at: expireAt) }
        engine.dirty += 1
        engine.notify(client, .generic, "rename_from", args[1])
        engine.notify(client, .generic, "rename_to", args[2])
        if nx { client.reply.integer(1) } else { client.reply.ok() }
    }

    static func keys(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        let db = client.database
        let pattern = args[1]
        let matchAll = pattern.count == 1 && pattern[0] == UInt8(ascii: "*")
        let now = engine.clock.unixMilliseconds()
        var matched: [ByteString] = []
        engine.databases[db].keys.forEach { key, _ in
            let keep = key.withUnsafeBytes { bytes in
                (matchAll || GlobPattern.matches(pattern, bytes)) && !engine.databases[db].isExpired(bytes, now: now)
            }
            if keep { matched.append(key) }
        }
        client.reply.arrayHeader(matched.count)
        for key in matched { key.withUnsafeBytes { client.reply.bulk($0) } }
    }

    static func scan(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let cursor = ScanOptions.parseCursor(client, args, 1) else { return }
        guard let options = ScanOptions.parse(client, args, from: 2, allowType: true) else { return }
        let db = client.database
        var found: [ByteString] = []
        let next = engine.databases[db].keys.scan(cursor: cursor, count: options.count) { key, _ in found.append(key) }
        let now = engine.clock.unixMilliseconds()
        found = found.filter { key in
            key.withUnsafeBytes { bytes in
                if engine.databases[db].isExpired(bytes, now: now) {
                    engine.expireIfNeeded(db, bytes, now: now)
                    return false
                }
                if let pattern = options.pattern, !pattern.withUnsafeBytes({ GlobPattern.matches($0, bytes) }) {
                    return false
                }
                if let type = options.type {
                    guard let position = engine.databases[db].keys.index(of: bytes) else { return false }
                    return engine.databases[db].keys.value(at: position).value.typeName == type
                }
                return true
            }
        }
        ScanOptions.reply(client, cursor: next, keys: found)
    }

    static func randomkey(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        let db = client.database
        let now = engine.clock.unixMilliseconds()
        var attempts = 0
        while let position = engine.databases[db].keys.randomIndex() {
            let key = engine.databases[db].keys.key(at: position)
            let expired = key.withUnsafeBytes { engine.databases[db].isExpired($0, now: now) }
            attempts += 1
            if expired && attempts < 100 {
                key.withUnsafeBytes { _ = engine.expireIfNeeded(db, $0, now: now) }
                continue
            }
            key.withUnsafeBytes { client.reply.bulk($0) }
            return
        }
        client.reply.null()
    }

    static func select(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let index = args.int32OrReply(1, client) else { return }
        if engine.cluster != nil && index != 0 { return client.error("ERR SELECT is not allowed in cluster mode") }
        guard engine.validDatabase(index) else {
            client.error(RedisError.dbIndexOutOfRange)
            return
        }
        client.database = index
        client.reply.ok()
    }

    static func swapdb(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        if engine.cluster != nil { return client.error("ERR SWAPDB is not allowed in cluster mode") }
        guard let first = args.integer(1), first >= Int(Int32.min), first <= Int(Int32.max) else {
            client.error("ERR invalid first DB index")
            return
        }
        guard let second = args.integer(2), second >= Int(Int32.min), second <= Int(Int32.max) else {
            client.error("ERR invalid second DB index")
            return
        }
        guard engine.validDatabase(first), engine.validDatabase(second) else {
            client.error(RedisError.dbIndexOutOfRange)
            return
        }
        if first != second {
            engine.databases.swapAt(first, second)
            engine.signalDatabasesReplaced([first, second], swapped: true)
            engine.dirty += 1
        }
        client.reply.ok()
    }

    static func move(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        if engine.cluster != nil { return client.error("ERR MOVE is not allowed in cluster mode") }
        let source = client.database
        guard let target = args.int32OrReply(2, client) else { return }
        guard engine.validDatabase(target) else {
            client.error(RedisError.dbIndexOutOfRange)
            return
        }
        guard source != target else {
            client.error("ERR source and destination objects are the same")
            return
        }
        guard let position = engine.lookupWrite(source, args[1]) else {
            client.reply.integer(0)
            return
        }
        if engine.lookupWrite(target, args[1]) != nil {
            client.reply.integer(0)
            return
        }
        let entry = engine.databases[source].keys.value(at: position)
        let expireAt = engine.databases[source].expireTime(of: args[1])
        let key = args.bytes(1)
        engine.databases[source].remove(key)
        engine.databases[target].set(key, entry)
        engine.keyAdded(target, key, entry.value)
        // The generic WATCH check after a write only sees the client's database.
        engine.signalModifiedKey(target, key)
        if let expireAt { engine.databases[target].setExpire(key, at: expireAt) }
        engine.dirty += 1
        engine.notifyKeyspaceEvent(.generic, "move_from", key, source)
        engine.notifyKeyspaceEvent(.generic, "move_to", key, target)
        client.reply.integer(1)
    }

    static func copy(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        let source = client.database
        var target = source
        var replace = false
        var index = 3
        while index < args.count {
            if args.matches(index, "replace") {
                replace = true
            } else if args.matches(index, "db") && index + 1 < args.count {
                guard let number = args.int32OrReply(index + 1, client) else { return }
                guard engine.validDatabase(number) else {
                    client.error(RedisError.dbIndexOutOfRange)
                    return
                }
                target = number
                index += 1
            } else {
                client.error(RedisError.syntax)
                return
            }
            index += 1
        }
        if engine.cluster != nil && (source != 0 || target != 0) {
            return client.error("ERR Copying to another database is not allowed in cluster mode")
        }
        if source == target && args[1].elementsEqual(args[2]) {
            client.error("ERR source and destination objects are the same")
            return
        }
        guard let position = engine.lookupRead(source, args[1]) else {
            client.reply.integer(0)
            return
        }
        let entry = engine.databases[source].keys.value(at: position)
        let expireAt = engine.databases[source].expireTime(of: args[1])
        if engine.lookupWrite(target, args[2]) != nil {
            guard replace else {
                client.reply.integer(0)
                return
            }
            engine.databases[target].remove(args.bytes(2))
        }
        let key = args.bytes(2)
        var copied = entry
        copied.value = entry.value.duplicate()
        copied.isPrivateCopy = true
        engine.databases[target].set(key, copied)
        engine.keyAdded(target, key, copied.value)
        if target != source { engine.signalModifiedKey(target, key) }
        if let expireAt { engine.databases[target].setExpire(key, at: expireAt) }
        engine.dirty += 1
        engine.notifyKeyspaceEvent(.generic, "copy_to", key, target)
        client.reply.integer(1)
    }

    /// FLUSHDB/FLUSHALL accept ASYNC or SYNC; both free synchronously here (see README).
    static func parseFlushMode(_ client: ClientSession, _ args: Arguments) -> Bool {
        if args.count > 2 || (args.count == 2 && !args.matches(1, "async") && !args.matches(1, "sync")) {
            client.error(RedisError.syntax)
            return false
        }
        return true
    }

    static func flushdb(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard parseFlushMode(client, args) else { return }
        engine.signalDatabasesReplaced([client.database])
        engine.dirty += engine.databases[client.database].count
        engine.databases[client.database].removeAll()
        client.reply.ok()
    }

    static func flushall(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard parseFlushMode(client, args) else { return }
        engine.signalDatabasesReplaced(Array(engine.databases.indices))
        engine.dirty += engine.flushAll()
        // Like Redis, FLUSHALL stops a running BGSAVE and, with save points set, saves the empty dataset at once.
        engine.cancelBackgroundSave()
        if !engine.config.savePoints.isEmpty { engine.saveNow() }
        engine.dirty += 1
        client.reply.ok()
    }

    // MARK: OBJECT

    static func objectEntry(_ engine: Engine, _ client: ClientSession, _ args: Arguments) -> Entry? {
        let db = client.database
        let expired =
            !engine.databases[db].expires.isEmpty
            && engine.expireIfNeeded(db, args[2], now: engine.clock.unixMilliseconds())
        guard !expired, let position = engine.databases[db].keys.index(of: args[2]) else {
            client.reply.null()
            return nil
        }
        return engine.databases[db].keys.value(at: position)
    }

    static func objectEncoding(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let entry = objectEntry(engine, client, args) else { return }
        client.reply.bulk(entry.encodingName)
    }

    static func objectRefcount(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let entry = objectEntry(engine, client, args) else { return }
        // Redis shares small integers (0..9999) and reports INT_MAX for them.
        if case .integer(let number) = entry.value, number >= 0 && number < 10000, !entry.isPrivateCopy {
            client.reply.integer(Int(Int32.max))
        } else {
            client.reply.integer(1)
        }
    }

    static func objectIdletime(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let entry = objectEntry(engine, client, args) else { return }
        guard engine.config[.maxmemoryPolicy].contains("lfu") == false else {
            client.error(
                "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
            )
            return
        }
        let now = Engine.lruClock(now: engine.clock.unixMilliseconds())
        let idle = now >= entry.accessClock ? now - entry.accessClock : now + (0xFF_FFFF - entry.accessClock)
        client.reply.integer(Int(idle))
    }

    static func objectFreq(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let entry = objectEntry(engine, client, args) else { return }
        guard engine.config[.maxmemoryPolicy].contains("lfu") else {
            client.error(
                "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
            )
            return
        }
        client.reply.integer(
            Int(
                LFU.decayedCounter(
                    entry.accessClock, now: engine.clock.unixMilliseconds(), decayMinutes: engine.config[.lfuDecayTime]
                )))
    }
}

/// SCAN's MATCH / COUNT / TYPE options; HSCAN, SSCAN and ZSCAN take MATCH and COUNT only.
struct ScanOptions {
    var pattern: ByteString?
    var count = 10
    var type: String?

    /// A SCAN cursor, parsed like Redis's `strtoul` (negative numbers wrap around, an empty cursor is 0).
    static func parseCursor(_ client: ClientSession, _ args: Arguments, _ index: Int) -> UInt64? {
        let text = args.string(index)
        if text.isEmpty { return 0 }
        guard let cursor = UInt64(text) ?? Int64(text).map({ UInt64(bitPattern: $0) }) else {
            client.error(RedisError.invalidCursor)
            return nil
        }
        return cursor
    }

    static func parse(_ client: ClientSession, _ args: Arguments, from: Int, allowType: Bool = false) -> ScanOptions? {
        var options = ScanOptions()
        var index = from
        while index < args.count {
            let remaining = args.count - index - 1
            if args.matches(index, "count") && remaining >= 1 {
                guard let count = args.integer(index + 1) else {
                    client.error(RedisError.notInteger)
                    return nil
                }
                guard count >= 1 else {
                    client.error(RedisError.syntax)
                    return nil
                }
                options.count = count
                index += 2
            } else if args.matches(index, "match") && remaining >= 1 {
                let pattern = args.bytes(index + 1)
                options.pattern = pattern.count == 1 && pattern.bytes == [UInt8(ascii: "*")] ? nil : pattern
                index += 2
            } else if allowType && args.matches(index, "type") && remaining >= 1 {
                options.type = args.lowercased(index + 1)
                index += 2
            } else {
                client.error(RedisError.syntax)
                return nil
            }
        }
        return options
    }

    static func reply(_ client: ClientSession, cursor: UInt64, keys: [ByteString]) {
        client.reply.arrayHeader(2)
        client.reply.bulk(String(cursor))
        client.reply.arrayHeader(keys.count)
        for key in keys { key.withUnsafeBytes { client.reply.bulk($0) } }
    }
}

/// HELP subcommand replies: a header line, the entries, and Redis's closing line.
enum HelpText {
    static func reply(_ client: ClientSession, _ command: String, _ lines: [String]) {
        let all =
            ["\(command) <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"] + lines + [
                "HELP", "    Prints this help.",
            ]
        client.reply.arrayHeader(all.count)
        for line in all { client.reply.simple(line) }
    }
}
