import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// Key expiry commands (Redis's `expire.c`).
enum ExpireCommands {
    static let bindings: [CommandBinding] = [
        CommandBinding("expire") { expire($0, $1, $2, seconds: true, absolute: false, name: "expire") },
        CommandBinding("pexpire") { expire($0, $1, $2, seconds: false, absolute: false, name: "pexpire") },
        CommandBinding("expireat") { expire($0, $1, $2, seconds: true, absolute: true, name: "expireat") },
        CommandBinding("pexpireat") { expire($0, $1, $2, seconds: false, absolute: true, name: "pexpireat") },
        CommandBinding("ttl") { ttl($0, $1, $2, milliseconds: false, absolute: false) },
        CommandBinding("pttl") { ttl($0, $1, $2, milliseconds: true, absolute: false) },
        CommandBinding("expiretime") { ttl($0, $1, $2, milliseconds: false, absolute: true) },
        CommandBinding("pexpiretime") { ttl($0, $1, $2, milliseconds: true, absolute: true) },
        CommandBinding("persist", persist),
    ]

    struct Conditions: OptionSet {
        let rawValue: Int
        static let nx = Conditions(rawValue: 1)
        static let xx = Conditions(rawValue: 2)
        static let gt = Conditions(rawValue: 4)
        static let lt = Conditions(rawValue: 8)
    }

    /// EXPIRE family, following Redis's `expireGenericCommand`.
    static func expire(
        _ engine: Engine, _ client: ClientSession, _ args: Arguments, seconds: Bool, absolute: Bool, name: String
    ) {
        var conditions: Conditions = []
        for index in 3..<max(3, args.count) {
            if args.matches(index, "nx") {
                conditions.insert(.nx)
            } else if args.matches(index, "xx") {
                conditions.insert(.xx)
            } else if args.matches(index, "gt") {
                conditions.insert(.gt)
            } else if args.matches(index, "lt") {
                conditions.insert(.lt)
            } else {
                client.error("ERR Unsupported option \(args.string(index))")
                return
            }
        }
        if conditions.contains(.nx) && !conditions.isDisjoint(with: [.xx, .gt, .lt]) {
            client.error("ERR NX and XX, GT or LT options at the same time are not compatible")
            return
        }
        if conditions.contains(.gt) && conditions.contains(.lt) {
            client.error("ERR GT and LT options at the same time are not compatible")
            return
        }
        guard var when = args.integer(2) else {
            client.error(RedisError.notInteger)
            return
        }
        if seconds {
            guard when <= Int.max / 1000 && when >= Int.min / 1000 else {
                client.error(RedisError.invalidExpire(name))
                return
            }
            when *= 1000
        }
        let now = engine.clock.unixMilliseconds()
        let base = absolute ? 0 : now
        guard when <= Int.max - base else {
            client.error(RedisError.invalidExpire(name))
            return
        }
        when += base
        let db = client.database
        guard engine.lookupWrite(db, args[1], now: now) != nil else {
            client.reply.integer(0)
            return
        }
        let current = engine.databases[db].expireTime(of: args[1])
        // A key without TTL counts as an infinite one for GT/LT.
        let currentOrInfinite = current ?? Int.max
        if conditions.contains(.nx) && current != nil
            || conditions.contains(.xx) && current == nil
            || conditions.contains(.gt) && (current == nil || when <= currentOrInfinite)
            || conditions.contains(.lt) && current != nil && when >= currentOrInfinite
        {
            client.reply.integer(0)
            return
        }
        let key = args.bytes(1)
        if when <= now {
            engine.databases[db].remove(key)
            engine.notify(client, .generic, "del", args[1])
            engine.propagateInstead([[ByteString("DEL"), key]])
        } else {
            engine.databases[db].setExpire(key, at: when)
            engine.notify(client, .generic, "expire", args[1])
            // Redis rewrites the command name and the time, keeping any condition option; PEXPIREAT goes as sent.
            if name != "pexpireat" {
                let options = (3..<args.count).map { args.bytes($0) }
                engine.propagateInstead([[ByteString("PEXPIREAT"), key, Engine.millisecondsArgument(when)] + options])
            }
        }
        engine.dirty += 1
        client.reply.integer(1)
    }

    static func ttl(_ engine: Engine, _ client: ClientSession, _ args: Arguments, milliseconds: Bool, absolute: Bool) {
        let db = client.database
        let now = engine.clock.unixMilliseconds()
        guard engine.lookupRead(db, args[1], now: now) != nil else {
            client.reply.integer(-2)
            return
        }
        guard let when = engine.databases[db].expireTime(of: args[1]) else {
            client.reply.integer(-1)
            return
        }
        if absolute {
            client.reply.integer(milliseconds ? when : roundedSeconds(when))
        } else {
            let remaining = when > now ? when - now : 0
            client.reply.integer(milliseconds ? remaining : roundedSeconds(remaining))
        }
    }

    /// Milliseconds to the nearest second, as Redis's `(ms + 500) / 1000` without overflowing near Int.max.
    static func roundedSeconds(_ milliseconds: Int) -> Int {
        let (seconds, rest) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        return rest >= 500 ? seconds + 1 : seconds
    }

    static func persist(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        let db = client.database
        guard engine.lookupWrite(db, args[1]) != nil else {
            client.reply.integer(0)
            return
        }
        let removed = engine.databases[db].persist(args.bytes(1))
        if removed {
            engine.dirty += 1
            engine.notify(client, .generic, "persist", args[1])
        }
        client.reply.integer(removed ? 1 : 0)
    }
}
