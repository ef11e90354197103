import SwredisBytes
import SwredisKeyspace

/// A command queued between MULTI and EXEC: its arguments copied out of the read buffer.
struct QueuedCommand {
    let bytes: [UInt8]
    let spans: [Int]

    init(_ args: Arguments) {
        var bytes: [UInt8] = []
        var spans: [Int] = []
        for index in 0..<args.count {
            spans.append(bytes.count)
            spans.append(args[index].count)
            bytes.append(contentsOf: args[index])
        }
        self.bytes = bytes
        self.spans = spans
    }

    func withArguments<Result>(_ body: (Arguments) -> Result) -> Result {
        bytes.withUnsafeBytes { raw in
            spans.withUnsafeBufferPointer { spans in
                // An all-empty command has no bytes; any valid pointer will do then.
                let base = raw.baseAddress ?? UnsafeRawPointer(spans.baseAddress!)
                return body(Arguments(base: base, spans: spans.baseAddress!, count: spans.count / 2))
            }
        }
    }
}

/// MULTI state of a client.
struct TransactionState {
    var queued: [QueuedCommand] = []
    /// A queued command was rejected: EXEC must answer EXECABORT.
    var aborted = false
}

/// A WATCHed key of a client; `expiredAtWatch` remembers a key that was already logically expired then.
struct WatchedKey {
    let key: DatabaseKey
    let expiredAtWatch: Bool
}

/// MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis's `multi.c`).
enum TransactionCommands {
    static let specs: [CommandSpec] = [
        CommandSpec(
            "multi", arity: 1, flags: [.noscript, .loading, .stale, .fast, .allowBusy],
            categories: ["fast", "transaction"], group: "transactions",
            summary: "Mark the start of a transaction block", since: "1.2.0", handler: multi),
        CommandSpec(
            "exec", arity: 1, flags: [.noscript, .loading, .stale, .skipSlowlog], categories: ["slow", "transaction"],
            group: "transactions", summary: "Execute all commands issued after MULTI", since: "1.2.0",
            complexity: "Depends on commands in the transaction", handler: exec),
        CommandSpec(
            "discard", arity: 1, flags: [.noscript, .loading, .stale, .fast, .allowBusy],
            categories: ["fast", "transaction"], group: "transactions",
            summary: "Discard all commands issued after MULTI", since: "2.0.0",
            complexity: "O(N), when N is the number of queued commands", handler: discard),
        CommandSpec(
            "watch", arity: -2, flags: [.noscript, .loading, .stale, .fast, .allowBusy], keys: .all,
            categories: ["fast", "transaction"], group: "transactions",
            summary: "Watch the given keys to determine execution of the MULTI/EXEC block", since: "2.2.0",
            handler: watch),
        CommandSpec(
            "unwatch", arity: 1, flags: [.noscript, .loading, .stale, .fast, .allowBusy],
            categories: ["fast", "transaction"], group: "transactions", summary: "Forget about all watched keys",
            since: "2.2.0",
            handler: { engine, client, _ in
                engine.unwatchAll(client)
                client.reply.ok()
            }),
    ]

    /// Commands that run at once even inside MULTI.
    static let runImmediately: Set<String> = ["exec", "discard", "multi", "watch", "quit", "reset"]

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
        let now = Engine.unixMilliseconds()
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

extension Engine {
    /// Forgets every key `client` watches.
    func unwatchAll(_ client: ClientSession) {
        for watched in client.watchedKeys {
            watchers[watched.key]?.removeAll { $0 === client }
            if watchers[watched.key]?.isEmpty == true { watchers.removeValue(forKey: watched.key) }
        }
        client.watchedKeys.removeAll()
        client.watchBroken = false
    }

    /// Redis's `signalModifiedKey` for WATCH: every client watching the key will fail its EXEC.
    func touchWatchedKey(_ db: Int, _ key: ByteString) {
        guard !watchers.isEmpty, let clients = watchers[DatabaseKey(db: db, key: key)] else { return }
        for client in clients { client.watchBroken = true }
    }

    /// `touchWatchedKey` for a key still in the read buffer: nothing is copied unless some client watches.
    func touchWatchedKey(_ db: Int, _ key: UnsafeRawBufferPointer) {
        guard !watchers.isEmpty else { return }
        touchWatchedKey(db, ByteString(key))
    }

    /// FLUSHDB/FLUSHALL/SWAPDB: watched keys of the affected databases break when they exist in their own database,
    /// or, for SWAPDB, in any of `presentIn` (the swapped pair: before or after the swap, as Redis's
    /// `touchAllWatchedKeysInDb` checks the database it is replaced with).
    func touchWatchedKeys(inDatabases affected: [Int], presentIn searched: [Int]? = nil) {
        guard !watchers.isEmpty else { return }
        for (key, clients) in watchers where affected.contains(key.db) {
            let present = key.key.withUnsafeBytes { raw in
                (searched ?? [key.db]).contains { databases[$0].keys.index(of: raw) != nil }
            }
            if present { for client in clients { client.watchBroken = true } }
        }
    }

    /// A watched key that has expired since WATCH breaks the transaction (Redis 7.0's `isWatchedKeyExpired`).
    func watchedKeyExpired(_ client: ClientSession) -> Bool {
        let now = Engine.unixMilliseconds()
        return client.watchedKeys.contains { watched in
            !watched.expiredAtWatch
                && watched.key.key.withUnsafeBytes { databases[watched.key.db].isExpired($0, now: now) }
        }
    }
}
