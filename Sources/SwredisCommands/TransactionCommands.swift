import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis's `multi.c`).
enum TransactionCommands {
    static let bindings: [CommandBinding] = [
        CommandBinding("multi", multi),
        CommandBinding("exec", exec),
        CommandBinding("discard", discard),
        CommandBinding("watch", watch),
        CommandBinding("unwatch") { engine, client, _ in
            engine.unwatchAll(client)
            client.reply.ok()
        },
    ]

    static func multi(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard client.transaction == nil else {
            client.error("ERR MULTI calls can not be nested")
            return
        }
        client.transaction = TransactionState()
        client.reply.ok()
    }

    static func discard(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard client.transaction != nil else {
            client.error("ERR DISCARD without MULTI")
            return
        }
        client.transaction = nil
        engine.unwatchAll(client)
        client.reply.ok()
    }

    static func exec(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let transaction = client.transaction else {
            client.error("ERR EXEC without MULTI")
            return
        }
        client.transaction = nil
        if transaction.aborted {
            engine.unwatchAll(client)
            client.error("EXECABORT Transaction discarded because of previous errors.")
            return
        }
        if client.watchBroken || engine.watchedKeyExpired(client) {
            engine.unwatchAll(client)
            client.reply.nullArray()
            return
        }
        engine.unwatchAll(client)
        client.reply.arrayHeader(transaction.queued.count)
        client.inTransaction = true
        engine.beginTransactionPropagation()
        for command in transaction.queued {
            command.withArguments { engine.execute(client, $0) }
        }
        engine.endTransactionPropagation(client.database)
        client.inTransaction = false
    }

    static func watch(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard client.transaction == nil else {
            client.error("ERR WATCH inside MULTI is not allowed")
            return
        }
        if client.watchBroken {
            // Already doomed: Redis doesn't bother adding more keys.
            client.reply.ok()
            return
        }
        let now = engine.clock.unixMilliseconds()
        for index in 1..<args.count {
            let key = DatabaseKey(db: client.database, key: args.bytes(index))
            if client.watchedKeys.contains(where: { $0.key == key }) { continue }
            let expired = engine.databases[client.database].isExpired(args[index], now: now)
            client.watchedKeys.append(WatchedKey(key: key, expiredAtWatch: expired))
            engine.watchers[key, default: []].append(client)
        }
        client.reply.ok()
    }
}
