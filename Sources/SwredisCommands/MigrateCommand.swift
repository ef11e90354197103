import SwredisBytes
import SwredisClient
import SwredisEngine
import SwredisKeyspace
import SwredisStorage

/// MIGRATE (Redis's `migrateCommand`): the keys' DUMP payloads restored on another server (RESTORE, or
/// RESTORE-ASKING from a cluster node) after its AUTH and SELECT, then deleted here unless COPY, propagated as one
/// DEL. Like Redis's, it runs synchronously on the engine thread, bounded by its timeout; unlike Redis's it opens a
/// fresh connection each time (Redis keeps one per target for 10 s).
enum MigrateCommand {
    static let bindings: [CommandBinding] = [
        CommandBinding("migrate", migrate),
        CommandBinding("restore-asking", PersistenceCommands.restore),
    ]

    static func migrate(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var copy = false
        var replace = false
        var username: [UInt8]?
        var password: [UInt8]?
        var keyIndexes = [3]
        var index = 6
        while index < args.count {
            let more = args.count - 1 - index
            if args.matches(index, "copy") {
                copy = true
            } else if args.matches(index, "replace") {
                replace = true
            } else if args.matches(index, "auth") {
                guard more >= 1 else { return client.error(RedisError.syntax) }
                index += 1
                password = Array(args[index])
                engine.redactedArguments.append(index)
            } else if args.matches(index, "auth2") {
                guard more >= 2 else { return client.error(RedisError.syntax) }
                username = Array(args[index + 1])
                password = Array(args[index + 2])
                engine.redactedArguments += [index + 1, index + 2]
                index += 2
            } else if args.matches(index, "keys") {
                guard args[3].isEmpty else {
                    return client.error(
                        "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string")
                }
                keyIndexes = Array((index + 1)..<args.count)
                break
            } else {
                return client.error(RedisError.syntax)
            }
            index += 1
        }
        guard var timeout = args.integerOrReply(5, client), let database = args.integerOrReply(4, client) else {
            return
        }
        if timeout <= 0 { timeout = 1000 }
        let db = client.database
        let now = engine.clock.unixMilliseconds()
        var moving: [(index: Int, ttl: Int, payload: [UInt8])] = []
        for keyIndex in keyIndexes {
            guard let value = engine.readValue(db, args[keyIndex]) else { continue }
            var ttl = 0
            if let expireAt = engine.databases[db].expireTime(of: args[keyIndex]) {
                ttl = expireAt - now
                if ttl < 0 { continue }
                ttl = max(ttl, 1)
            }
            moving.append((keyIndex, ttl, RDBEncoder.dumpPayload(value, compression: engine.config[.rdbcompression])))
        }
        guard !moving.isEmpty else { return client.reply.simple("NOKEY") }
        var request: [UInt8] = []
        if let password {
            RESPCommand.append([Array("AUTH".utf8)] + (username.map { [$0] } ?? []) + [password], to: &request)
        }
        RESPCommand.append([Array("SELECT".utf8), Array(String(database).utf8)], to: &request)
        let restore = Array((engine.cluster != nil ? "RESTORE-ASKING" : "RESTORE").utf8)
        for key in moving {
            var words = [restore, Array(args[key.index]), Array(String(key.ttl).utf8), key.payload]
            if replace { words.append(Array("REPLACE".utf8)) }
            RESPCommand.append(words, to: &request)
        }
        let preamble = password == nil ? 1 : 2
        let exchanged = BlockingRESP.exchange(
            host: args.string(1), port: args.integer(2) ?? 0, request: request, replies: preamble + moving.count,
            timeoutMilliseconds: timeout, numericHost: false)
        if exchanged.failure == .connecting {
            return client.error("IOERR error or timeout connecting to the client")
        }
        let preambleError = exchanged.replies.prefix(preamble).lazy.compactMap(errorText).first
        var targetError = preambleError
        var deleted: [ByteString] = []
        for (position, reply) in exchanged.replies.dropFirst(preamble).enumerated() {
            if let text = errorText(reply) {
                targetError = targetError ?? text
                continue
            }
            guard preambleError == nil, !copy else { continue }
            let key = args[moving[position].index]
            if engine.deleteKey(db, key) {
                engine.dirty += 1
                deleted.append(ByteString(key))
            }
        }
        if !deleted.isEmpty { engine.propagateInstead([[ByteString("DEL")] + deleted]) }
        if let targetError { return client.error("ERR Target instance replied with error: \(targetError)") }
        if exchanged.failure == .writing { return client.error("IOERR error or timeout writing to target instance") }
        if exchanged.failure == .reading { return client.error("IOERR error or timeout reading to target instance") }
        client.reply.ok()
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
