import SwredisBytes
import SwredisEngine
import SwredisKeyspace
import SwredisStorage

/// RESTORE and RESTORE-ASKING (Redis's `restoreCommand`): a DUMP payload stored under a key. A large payload
/// (`backgroundPayloadBytes`, the size a 1M-element key reaches) is decoded on a background thread while the server
/// goes on; writes to the key wait and the caller gets its reply once the value is stored (see `KeyTransfers.swift`).
/// A replica applying its master's stream, a transaction or a script restores synchronously, as Redis does.
enum RestoreCommand {
    /// A payload of at least this many bytes is decoded in the background.
    static let backgroundPayloadBytes = 256 << 10
    static let busyKey = "BUSYKEY Target key name already exists."

    /// The options after the payload.
    struct Options: Sendable {
        var replace = false
        var absoluteTTL = false
        var idleSeconds: Int?
        var frequency: Int?
    }

    static func restore(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let options = parse(client, args) else { return }
        let db = client.database
        if !options.replace && engine.lookupWrite(db, args[1]) != nil {
            client.error(busyKey)
            return
        }
        guard let ttl = args.integerOrReply(2, client) else { return }
        guard ttl >= 0 else {
            client.error("ERR Invalid TTL value, must be >= 0")
            return
        }
        let command = { (0..<args.count).map { args.bytes($0) } }
        if args[3].count >= backgroundPayloadBytes, let runOnEngineThread = engine.runOnEngineThread,
            engine.executionDepth == 1, !client.isMaster, !client.isInternal
        {
            return restoreInBackground(
                engine, client, command(), ttl: ttl, options, runOnEngineThread: runOnEngineThread)
        }
        switch decode(args[3], limits: engine.collectionLimits) {
        case .failure(let error):
            client.error(error.message)
        case .success(let value):
            // Sent as it came unless `store` says otherwise.
            if let instead = store(engine, db: db, args.bytes(1), value, ttl: ttl, options, command: command) {
                engine.propagateInstead(instead)
            }
            client.reply.ok()
        }
    }

    /// REPLACE, ABSTTL, IDLETIME and FREQ, with Redis's errors; nil when one was replied.
    private static func parse(_ client: ClientSession, _ args: Arguments) -> Options? {
        var options = Options()
        var index = 4
        while index < args.count {
            let hasValue = index + 1 < args.count
            if args.matches(index, "replace") {
                options.replace = true
            } else if args.matches(index, "absttl") {
                options.absoluteTTL = true
            } else if args.matches(index, "idletime") && hasValue && options.frequency == nil {
                guard let idle = args.integerOrReply(index + 1, client) else { return nil }
                guard idle >= 0 else {
                    client.error("ERR Invalid IDLETIME value, must be >= 0")
                    return nil
                }
                options.idleSeconds = idle
                index += 1
            } else if args.matches(index, "freq") && hasValue && options.idleSeconds == nil {
                guard let count = args.integerOrReply(index + 1, client) else { return nil }
                guard count >= 0 && count <= 255 else {
                    client.error("ERR Invalid FREQ value, must be >= 0 and <= 255")
                    return nil
                }
                options.frequency = count
                index += 1
            } else {
                client.error(RedisError.syntax)
                return nil
            }
            index += 1
        }
        return options
    }

    /// A payload that did not decode: the error text to reply.
    struct DecodeError: Error {
        let message: String
    }

    /// Decodes a DUMP payload (any thread).
    private static func decode(_ payload: UnsafeRawBufferPointer, limits: CollectionLimits) -> Result<
        Value, DecodeError
    > {
        do {
            return .success(try DumpPayload.decode(payload, limits: limits))
        } catch let error as RDBError {
            return .failure(DecodeError(message: "ERR " + error.reason))
        } catch {
            return .failure(DecodeError(message: "ERR Bad data format"))
        }
    }

    /// Stores the decoded value under `key`; returns what to propagate instead of the command as sent (nil): the
    /// command (`command` makes it) rewritten with an absolute TTL, a DEL when REPLACE removed a key and the TTL had
    /// already passed, or nothing.
    private static func store(
        _ engine: Engine, db: Int, _ key: ByteString, _ value: Value, ttl: Int, _ options: Options,
        command: () -> [ByteString]
    ) -> [[ByteString]]? {
        var deleted = false
        if options.replace { deleted = engine.databases[db].remove(key) != nil }
        let now = engine.clock.unixMilliseconds()
        // Redis adds in C, where a TTL near INT64_MAX wraps into the past and the key counts as already expired.
        var expireAt = ttl
        if ttl > 0 && !options.absoluteTTL { expireAt = ttl &+ now }
        if expireAt != 0 && expireAt <= now {
            // Already expired: the key is not created (and a replaced one stays deleted).
            guard deleted else { return [] }
            engine.notifyKeyspaceEvent(.generic, "del", key, db)
            engine.dirty += 1
            return [[ByteString("DEL"), key]]
        }
        engine.storeValue(db, key, value, now: now)
        if expireAt > 0 { engine.databases[db].setExpire(key, at: expireAt) }
        if let position = engine.databases[db].keys.index(of: key),
            options.idleSeconds != nil || options.frequency != nil
        {
            engine.databases[db].keys.modifyValue(at: position) { entry in
                if let idleSeconds = options.idleSeconds, !engine.lfuMode {
                    entry.accessClock = Engine.lruClock(now: now, idleSeconds: idleSeconds)
                } else if let frequency = options.frequency, engine.lfuMode {
                    entry.accessClock = LFU.minutes(now: now) << 8 | UInt32(frequency)
                }
            }
        }
        engine.notifyKeyspaceEvent(.generic, "restore", key, db)
        engine.dirty += 1
        guard ttl > 0 && !options.absoluteTTL else { return nil }
        var rewritten = command()
        rewritten[2] = Engine.millisecondsArgument(expireAt)
        rewritten.append(ByteString("ABSTTL"))
        return [rewritten]
    }

    /// The background path: the payload decoded off the engine thread, the value stored back on it (where a key
    /// that appeared meanwhile still gets BUSYKEY, as it would have had the command run then).
    private static func restoreInBackground(
        _ engine: Engine, _ client: ClientSession, _ command: [ByteString], ttl: Int, _ options: Options,
        runOnEngineThread: @escaping (@escaping @Sendable () -> Void) -> Void
    ) {
        let db = client.database
        let key = command[1]
        engine.beginKeyTransfer(client, db: db, keys: [key])
        let limits = engine.collectionLimits
        let job = UncheckedBox((engine: engine, client: client, command: command))
        BackgroundThread.start(nice: 0) {
            let decoded = UncheckedBox(job.value.command[3].withUnsafeBytes { decode($0, limits: limits) })
            runOnEngineThread {
                let (engine, client, command) = job.value
                defer { engine.endKeyTransfer(client, db: db, keys: [key]) }
                switch decoded.value {
                case .failure(let error):
                    client.error(error.message)
                case .success(let value):
                    // A node that became a replica meanwhile answers as it would answer the command now.
                    if engine.replication.isReplica {
                        client.error(Engine.readOnlyReplicaError)
                        return
                    }
                    if !options.replace && key.withUnsafeBytes({ engine.lookupWrite(db, $0) }) != nil {
                        client.error(busyKey)
                        return
                    }
                    for change in store(engine, db: db, key, value, ttl: ttl, options, command: { command }) ?? [
                        command
                    ] {
                        engine.propagate(db, change)
                    }
                    engine.signalModifiedKey(db, key)
                    client.reply.ok()
                }
            }
        }
    }
}
