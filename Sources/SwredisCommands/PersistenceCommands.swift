import SwredisBytes
import SwredisEngine
import SwredisKeyspace
import SwredisLog
import SwredisStorage

/// SAVE, BGSAVE, DUMP and RESTORE: the RDB format at the command level.
enum PersistenceCommands {
    static let bindings: [CommandBinding] = [
        CommandBinding("save", save),
        CommandBinding("bgsave", bgsave),
        CommandBinding("bgrewriteaof", bgrewriteaof),
        CommandBinding("dump", dump),
        CommandBinding("restore", restore),
    ]

    static func save(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard !engine.persistence.backgroundSaveInProgress else {
            client.error("ERR Background save already in progress")
            return
        }
        if engine.saveNow() { client.reply.ok() } else { client.error("ERR") }
    }

    static func bgsave(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        // BGSAVE SCHEDULE matters only while an AOF rewrite runs.
        guard args.count == 1 || (args.count == 2 && args.matches(1, "schedule")) else {
            client.error(RedisError.syntax)
            return
        }
        if engine.persistence.backgroundSaveInProgress {
            client.error("ERR Background save already in progress")
        } else if engine.appendOnly.rewriteInProgress && !client.inTransaction && args.count == 1 {
            // Redis runs one child at a time; BGSAVE SCHEDULE waits for the rewrite instead.
            client.error(
                "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
            )
        } else if client.inTransaction || engine.appendOnly.rewriteInProgress {
            // Redis defers a BGSAVE issued inside EXEC to the next cron tick.
            engine.persistence.backgroundSaveScheduled = true
            client.reply.simple("Background saving scheduled")
        } else if engine.startBackgroundSave() {
            client.reply.simple("Background saving started")
        } else {
            client.error("ERR")
        }
    }

    static func bgrewriteaof(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        if engine.appendOnly.rewriteInProgress {
            client.error("ERR Background append only file rewriting already in progress")
        } else if engine.persistence.backgroundSaveInProgress || client.inTransaction {
            engine.appendOnly.rewriteScheduled = true
            client.reply.simple("Background append only file rewriting scheduled")
        } else if engine.startAppendOnlyRewrite() {
            client.reply.simple("Background append only file rewriting started")
        } else {
            client.error(
                "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
        }
    }

    static func dump(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let value = engine.readValue(client.database, args[1]) else {
            client.reply.null()
            return
        }
        let payload = RDBEncoder.dumpPayload(value, compression: engine.config[.rdbcompression])
        payload.withUnsafeBytes { client.reply.bulk($0) }
    }

    static func restore(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var replace = false
        var absoluteTTL = false
        var idleSeconds: Int?
        var frequency: Int?
        var index = 4
        while index < args.count {
            let hasValue = index + 1 < args.count
            if args.matches(index, "replace") {
                replace = true
            } else if args.matches(index, "absttl") {
                absoluteTTL = true
            } else if args.matches(index, "idletime") && hasValue && frequency == nil {
                guard let idle = args.integerOrReply(index + 1, client) else { return }
                guard idle >= 0 else {
                    client.error("ERR Invalid IDLETIME value, must be >= 0")
                    return
                }
                idleSeconds = idle
                index += 1
            } else if args.matches(index, "freq") && hasValue && idleSeconds == nil {
                guard let count = args.integerOrReply(index + 1, client) else { return }
                guard count >= 0 && count <= 255 else {
                    client.error("ERR Invalid FREQ value, must be >= 0 and <= 255")
                    return
                }
                frequency = count
                index += 1
            } else {
                client.error(RedisError.syntax)
                return
            }
            index += 1
        }
        let db = client.database
        if !replace && engine.lookupWrite(db, args[1]) != nil {
            client.error("BUSYKEY Target key name already exists.")
            return
        }
        guard var ttl = args.integerOrReply(2, client) else { return }
        guard ttl >= 0 else {
            client.error("ERR Invalid TTL value, must be >= 0")
            return
        }
        let value: Value
        do {
            value = try DumpPayload.decode(args[3], limits: engine.collectionLimits)
        } catch let error as RDBError {
            client.error("ERR " + error.reason)
            return
        } catch {
            client.error("ERR Bad data format")
            return
        }
        let key = args.bytes(1)
        var deleted = false
        if replace { deleted = engine.databases[db].remove(key) != nil }
        let now = engine.clock.unixMilliseconds()
        // Redis adds in C, where a TTL near INT64_MAX wraps into the past and the key counts as already expired.
        if ttl > 0 && !absoluteTTL { ttl = ttl &+ now }
        if ttl != 0 && ttl <= now {
            // Already expired: the key is not created (and a replaced one stays deleted).
            if deleted {
                engine.notifyKeyspaceEvent(.generic, "del", key, db)
                engine.dirty += 1
            }
            client.reply.ok()
            return
        }
        engine.storeValue(db, key, value, now: now)
        if ttl > 0 { engine.databases[db].setExpire(key, at: ttl) }
        if let position = engine.databases[db].keys.index(of: key), idleSeconds != nil || frequency != nil {
            engine.databases[db].keys.modifyValue(at: position) { entry in
                if let idleSeconds, !engine.lfuMode {
                    entry.accessClock = Engine.lruClock(now: now, idleSeconds: idleSeconds)
                } else if let frequency, engine.lfuMode {
                    entry.accessClock = LFU.minutes(now: now) << 8 | UInt32(frequency)
                }
            }
        }
        if ttl > 0 && !absoluteTTL {
            var rewritten = (0..<args.count).map { args.bytes($0) }
            rewritten[2] = Engine.millisecondsArgument(ttl)
            rewritten.append(ByteString("ABSTTL"))
            engine.propagateInstead([rewritten])
        }
        engine.notify(client, .generic, "restore", args[1])
        engine.dirty += 1
        client.reply.ok()
    }
}
