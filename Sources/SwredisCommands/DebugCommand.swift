import SwredisBytes
import SwredisEngine
import SwredisKeyspace
import SwredisLog
import SwredisPersistence
import SwredisStorage

#if canImport(Glibc)
import Glibc
#endif

/// DEBUG: the subcommands test suites and operators use (SLEEP, SET-ACTIVE-EXPIRE, DIGEST, DIGEST-VALUE,
/// LOG, OBJECT). Unlike most commands DEBUG takes its subcommand as a plain argument, as Redis does.
enum DebugCommand {
    static let bindings: [CommandBinding] = [
        CommandBinding("debug", handler)
    ]

    /// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty the dataset and load the file back.
    static func reload(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var save = true
        var flush = true
        for index in 2..<max(2, args.count) {
            switch args.lowercased(index) {
            case "merge": flush = false
            case "noflush": flush = false
            case "nosave": save = false
            default:
                client.error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
                return
            }
        }
        if save && !engine.saveNow() {
            client.error("ERR")
            return
        }
        let started = engine.clock.monotonicMicroseconds()
        do {
            var loaded = try DatasetLoader(engine: engine, path: engine.config[.dbfilename]).load()
            if !flush {
                for index in loaded.databases.indices {
                    engine.databases[index].keys.forEach { key, entry in
                        if loaded.databases[index].keys.index(of: key) == nil {
                            loaded.databases[index].set(key, entry)
                        }
                    }
                }
            }
            engine.install(loaded, startedAt: started)
        } catch {
            serverLog(.warning, "Error loading the RDB file: \(error)")
            client.error("ERR Error trying to load the RDB dump, check server logs.")
            return
        }
        serverLog(.notice, "DB reloaded by DEBUG RELOAD")
        client.reply.ok()
    }

    /// DEBUG POPULATE count [prefix] [size]: `prefix:N` -> `value:N` (cut or zero-padded to `size`), skipping keys
    /// that exist. Not propagated, as in Redis.
    static func populate(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let count = args.integer(2), count >= 0 else {
            client.error("ERR value is out of range, must be positive")
            return
        }
        let prefix = args.count > 3 ? args.string(3) : "key"
        var size = 0
        if args.count > 4 {
            guard let parsed = args.integer(4), parsed >= 0 else {
                client.error("ERR value is out of range, must be positive")
                return
            }
            size = parsed
        }
        let db = client.database
        for number in 0..<count {
            let key = ByteString("\(prefix):\(number)")
            if key.withUnsafeBytes({ engine.databases[db].keys.index(of: $0) }) != nil { continue }
            var value = Array("value:\(number)".utf8)
            if size > 0 { value = Array(value.prefix(size)) + [UInt8](repeating: 0, count: max(0, size - value.count)) }
            engine.storeValue(db, key, .string(ByteString(bytes: value)))
        }
        client.reply.ok()
    }

    static func handler(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        let sub = args.lowercased(1)
        switch sub {
        case "sleep" where args.count == 3:
            guard let seconds = StringNumbers.parseDouble(args[2]) else {
                client.error(RedisError.notFloat)
                return
            }
            usleep(UInt32(max(0, min(seconds, 3600)) * 1_000_000))
            client.reply.ok()
        case "set-active-expire" where args.count == 3:
            guard let flag = args.integer(2) else {
                client.error(RedisError.notInteger)
                return
            }
            engine.activeExpireEnabled = flag != 0
            client.reply.ok()
        case "digest" where args.count == 2:
            client.reply.simple(DatasetDigest.hex(DatasetDigest.compute(engine.databases)))
        case "digest-value" where args.count >= 2:
            client.reply.arrayHeader(args.count - 2)
            for index in 2..<args.count {
                let db = client.database
                var digest = [UInt8](repeating: 0, count: 20)
                if let position = engine.lookupWrite(db, args[index]) {
                    let value = engine.databases[db].keys.value(at: position).value
                    digest = DatasetDigest.valueDigest(
                        value, hasExpire: engine.databases[db].expireTime(of: args[index]) != nil)
                }
                client.reply.simple(DatasetDigest.hex(digest))
            }
        case "reload":
            reload(engine, client, args)
        case "populate" where args.count >= 3 && args.count <= 5:
            populate(engine, client, args)
        case "log" where args.count == 3:
            serverLog(.warning, "DEBUG LOG: \(args.string(2))")
            client.reply.ok()
        case "object" where args.count == 3:
            guard let position = engine.lookupWrite(client.database, args[2]) else {
                client.error(RedisError.noSuchKey)
                return
            }
            let entry = engine.databases[client.database].keys.value(at: position)
            let length = entry.value.stringLength ?? 0
            client.reply.simple(
                "Value at:0x0 refcount:1 encoding:\(entry.value.encodingName) serializedlength:\(length) lru:\(entry.accessClock) lru_seconds_idle:0"
            )
        case "help":
            HelpText.reply(
                client, "DEBUG",
                [
                    "DIGEST", "    Output a hex signature representing the current DB content.",
                    "DIGEST-VALUE <key> [<key> ...]",
                    "    Output a hex signature of the values of all the specified keys.",
                    "LOG <message>", "    Write <message> to the server log.",
                    "OBJECT <key>", "    Show low level info about `key` and associated value.",
                    "POPULATE <count> [<prefix>] [<size>]",
                    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
                    "    it is used instead of the 'key' prefix. These are not propagated to",
                    "    replicas. Cluster slots are not respected so keys not belonging to the",
                    "    current node can be created.",
                    "SET-ACTIVE-EXPIRE <0|1>",
                    "    Setting it to 0 disables expiring keys in background when they are not",
                    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the", "    default.",
                    "SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed.",
                ])
        default:
            client.error("ERR unknown subcommand or wrong number of arguments for '\(args.string(1))'. Try DEBUG HELP.")
        }
    }
}
