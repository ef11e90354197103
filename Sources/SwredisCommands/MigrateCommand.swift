import SwredisBytes
import SwredisClient
import SwredisEngine
import SwredisKeyspace
import SwredisStorage

/// MIGRATE (Redis's `migrateCommand`): the keys' DUMP payloads restored on another server (RESTORE, or
/// RESTORE-ASKING from a cluster node) after its AUTH and SELECT, then deleted here unless COPY, propagated as one
/// DEL. Small keys move synchronously on the engine thread, bounded by the timeout, as in Redis. A large value
/// (`movesInBackground`) is serialized and sent from a background thread while the server goes on (see
/// `KeyTransfers.swift`: writes to the moving keys wait, the caller waits); Redis stalls the whole server for that
/// time, long enough for a cluster to fail a node over when the key is big. Unlike Redis's, it opens a fresh
/// connection each time (Redis keeps one per target for 10 s).
enum MigrateCommand {
    static let bindings: [CommandBinding] = [
        CommandBinding("migrate", migrate),
        CommandBinding("restore-asking", RestoreCommand.restore),
    ]

    /// Where and how the keys go.
    struct Target: Sendable {
        var host = ""
        var port = 0
        var database = 0
        var timeout = 0
        var copy = false
        var replace = false
        var username: [UInt8]?
        var password: [UInt8]?
        var restoreCommand: [UInt8] = []

        /// The replies that come before the keys' (AUTH, SELECT).
        var preamble: Int { password == nil ? 1 : 2 }
    }

    /// A key on its way: its value as it was when MIGRATE ran, its TTL in ms (0: none) and its expiry then.
    struct MovingKey {
        let name: ByteString
        let value: Value
        let ttl: Int
        let expireAt: Int?
    }

    /// A collection of at least this many elements, or a string of this many bytes, moves in the background.
    static let backgroundElements = 10_000
    static let backgroundStringBytes = 1 << 20

    static func migrate(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let (target, keyIndexes) = parse(engine, client, args) else { return }
        let db = client.database
        let now = engine.clock.unixMilliseconds()
        let moving = keyIndexes.compactMap { movingKey(engine, db: db, args.bytes($0), now: now) }
        guard !moving.isEmpty else { return client.reply.simple("NOKEY") }
        if let runOnEngineThread = engine.runOnEngineThread, engine.executionDepth == 1, !client.isMaster,
            !client.isInternal, moving.contains(where: { movesInBackground($0.value) })
        {
            return migrateInBackground(engine, client, target, db: db, moving, runOnEngineThread: runOnEngineThread)
        }
        let exchanged = exchange(target, moving, compression: engine.config[.rdbcompression])
        let outcome = conclude(engine, target, db: db, moving, exchanged, skipping: [])
        if !outcome.deleted.isEmpty { engine.propagateInstead([[ByteString("DEL")] + outcome.deleted]) }
        reply(client, outcome.error)
    }

    /// Whether serializing `value` would hold the engine thread for long (milliseconds or more).
    static func movesInBackground(_ value: Value) -> Bool {
        switch value {
        case .string(let bytes): return bytes.count >= backgroundStringBytes
        case .integer: return false
        case .list(let list): return list.items.count >= backgroundElements
        case .hash(let hash): return hash.count >= backgroundElements
        case .set(let set): return set.count >= backgroundElements
        case .zset(let zset): return zset.count >= backgroundElements
        }
    }

    /// The options after the timeout, Redis's order of errors; nil when an error was replied.
    private static func parse(_ engine: Engine, _ client: ClientSession, _ args: Arguments) -> (Target, [Int])? {
        var target = Target()
        var keyIndexes = [3]
        var index = 6
        while index < args.count {
            let more = args.count - 1 - index
            if args.matches(index, "copy") {
                target.copy = true
            } else if args.matches(index, "replace") {
                target.replace = true
            } else if args.matches(index, "auth") {
                guard more >= 1 else {
                    client.error(RedisError.syntax)
                    return nil
                }
                index += 1
                target.password = Array(args[index])
                engine.redactedArguments.append(index)
            } else if args.matches(index, "auth2") {
                guard more >= 2 else {
                    client.error(RedisError.syntax)
                    return nil
                }
                target.username = Array(args[index + 1])
                target.password = Array(args[index + 2])
                engine.redactedArguments += [index + 1, index + 2]
                index += 2
            } else if args.matches(index, "keys") {
                guard args[3].isEmpty else {
                    client.error(
                        "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string")
                    return nil
                }
                keyIndexes = Array((index + 1)..<args.count)
                break
            } else {
                client.error(RedisError.syntax)
                return nil
            }
            index += 1
        }
        guard let timeout = args.integerOrReply(5, client), let database = args.integerOrReply(4, client) else {
            return nil
        }
        target.timeout = timeout <= 0 ? 1000 : timeout
        target.database = database
        target.host = args.string(1)
        target.port = args.integer(2) ?? 0
        target.restoreCommand = Array((engine.cluster != nil ? "RESTORE-ASKING" : "RESTORE").utf8)
        return (target, keyIndexes)
    }

    /// Serializes the keys and runs AUTH, SELECT and one RESTORE per key on the target (any thread).
    private static func exchange(
        _ target: Target, _ moving: [MovingKey], compression: Bool
    ) -> (replies: [RESPToken], failure: BlockingRESP.Failure?) {
        var request: [UInt8] = []
        if let password = target.password {
            RESPCommand.append([Array("AUTH".utf8)] + (target.username.map { [$0] } ?? []) + [password], to: &request)
        }
        RESPCommand.append([Array("SELECT".utf8), Array(String(target.database).utf8)], to: &request)
        for key in moving {
            var words = [
                target.restoreCommand, key.name.bytes, Array(String(key.ttl).utf8),
                RDBEncoder.dumpPayload(key.value, compression: compression),
            ]
            if target.replace { words.append(Array("REPLACE".utf8)) }
            RESPCommand.append(words, to: &request)
        }
        return BlockingRESP.exchange(
            host: target.host, port: target.port, request: request, replies: target.preamble + moving.count,
            timeoutMilliseconds: target.timeout, numericHost: false)
    }

    /// What the exchange did here: keys deleted (unless COPY) and the error to reply, if any.
    private struct Outcome {
        var deleted: [ByteString] = []
        var error: String?
    }

    /// Deletes the keys the target restored (but those at `skipping`) and picks the error Redis would report.
    private static func conclude(
        _ engine: Engine, _ target: Target, db: Int, _ moving: [MovingKey],
        _ exchanged: (replies: [RESPToken], failure: BlockingRESP.Failure?), skipping: Set<Int>
    ) -> Outcome {
        var outcome = Outcome()
        if exchanged.failure == .connecting {
            outcome.error = "IOERR error or timeout connecting to the client"
            return outcome
        }
        let preambleError = exchanged.replies.prefix(target.preamble).lazy.compactMap(errorText).first
        var targetError = preambleError
        for (position, reply) in exchanged.replies.dropFirst(target.preamble).enumerated() {
            if let text = errorText(reply) {
                targetError = targetError ?? text
                continue
            }
            guard preambleError == nil, !target.copy, !skipping.contains(position), position < moving.count else {
                continue
            }
            let key = moving[position].name
            if key.withUnsafeBytes({ engine.deleteKey(db, $0) }) {
                engine.dirty += 1
                outcome.deleted.append(key)
            }
        }
        if let targetError {
            outcome.error = "ERR Target instance replied with error: \(targetError)"
        } else if exchanged.failure == .writing {
            outcome.error = "IOERR error or timeout writing to target instance"
        } else if exchanged.failure == .reading {
            outcome.error = "IOERR error or timeout reading to target instance"
        }
        return outcome
    }

    private static func reply(_ client: ClientSession, _ error: String?) {
        if let error { client.error(error) } else { client.reply.ok() }
    }

    /// The background path: the values stay readable (a snapshot generation keeps them from being changed in
    /// place), writes to their keys wait, and the caller gets its reply when the target has answered.
    private static func migrateInBackground(
        _ engine: Engine, _ client: ClientSession, _ target: Target, db: Int, _ moving: [MovingKey],
        runOnEngineThread: @escaping (@escaping @Sendable () -> Void) -> Void
    ) {
        let generation = engine.snapshotGenerations.begin()
        let names = moving.map(\.name)
        engine.beginKeyTransfer(client, db: db, keys: names)
        let compression = engine.config[.rdbcompression]
        let job = UncheckedBox((engine: engine, client: client, moving: moving))
        BackgroundThread.start(nice: 0) {
            let exchanged = exchange(target, job.value.moving, compression: compression)
            runOnEngineThread {
                let (engine, client, moving) = job.value
                engine.snapshotGenerations.end(generation)
                finishInBackgroundMove(engine, client, target, db: db, moving, exchanged)
                engine.endKeyTransfer(client, db: db, keys: names)
            }
        }
    }

    /// Back on the engine thread. A key changed meanwhile by something the hold does not see (a script writing a
    /// key it did not declare) is not deleted with its old copy: its current value is sent again, synchronously,
    /// with REPLACE, so the target ends with what this node had when MIGRATE returned, as with Redis's.
    private static func finishInBackgroundMove(
        _ engine: Engine, _ client: ClientSession, _ target: Target, db: Int, _ moving: [MovingKey],
        _ exchanged: (replies: [RESPToken], failure: BlockingRESP.Failure?)
    ) {
        // A node that became a replica meanwhile follows its master's data: it deletes nothing itself.
        let demoted = engine.replication.isReplica
        let changed = Set(moving.indices.filter { demoted || !isUnchanged(engine, db: db, moving[$0]) })
        var outcome = conclude(engine, target, db: db, moving, exchanged, skipping: changed)
        if outcome.error == nil && !target.copy && !changed.isEmpty && !demoted {
            let now = engine.clock.unixMilliseconds()
            let again = changed.sorted().compactMap { movingKey(engine, db: db, moving[$0].name, now: now) }
            var replacing = target
            replacing.replace = true
            let resent = conclude(
                engine, replacing, db: db, again,
                exchange(replacing, again, compression: engine.config[.rdbcompression]),
                skipping: [])
            outcome.deleted += resent.deleted
            outcome.error = resent.error
        }
        for key in outcome.deleted { engine.signalModifiedKey(db, key) }
        if !outcome.deleted.isEmpty { engine.propagate(db, [ByteString("DEL")] + outcome.deleted) }
        reply(client, outcome.error)
    }

    /// Whether `key` still holds the very value and expiry that were sent (collections by identity: a write made
    /// while the snapshot generation ran replaced the object with a copy).
    private static func isUnchanged(_ engine: Engine, db: Int, _ key: MovingKey) -> Bool {
        guard let position = engine.databases[db].keys.index(of: key.name) else { return true }
        guard engine.databases[db].expireTime(of: key.name) == key.expireAt else { return false }
        switch (engine.databases[db].keys.value(at: position).value, key.value) {
        case (.string(let now), .string(let then)): return now == then
        case (.integer(let now), .integer(let then)): return now == then
        case (.list(let now), .list(let then)): return now === then
        case (.hash(let now), .hash(let then)): return now === then
        case (.set(let now), .set(let then)): return now === then
        case (.zset(let now), .zset(let then)): return now === then
        default: return false
        }
    }

    /// `name` as it is now, with its TTL (at least 1 ms); nil when it is missing or expired.
    private static func movingKey(_ engine: Engine, db: Int, _ name: ByteString, now: Int) -> MovingKey? {
        guard let value = name.withUnsafeBytes({ engine.readValue(db, $0) }) else { return nil }
        let expireAt = engine.databases[db].expireTime(of: name)
        var ttl = 0
        if let expireAt {
            ttl = expireAt - now
            if ttl < 0 { return nil }
            ttl = max(ttl, 1)
        }
        return MovingKey(name: name, value: value, ttl: ttl, expireAt: expireAt)
    }

    /// An error reply's text without its `-`, or nil.
    private static func errorText(_ reply: RESPToken) -> String? {
        switch reply.value {
        case .simpleError(let text), .bulkError(let text):
            return String(decoding: text.readableBytesView, as: UTF8.self)
        default: return nil
        }
    }
}
