import SwredisBytes
import SwredisKeyspace

/// A command whose arguments are copied out of the read buffer: one queued between MULTI and EXEC, or one a
/// script builds for `redis.call`.
package struct QueuedCommand {
    package private(set) var bytes: [UInt8] = []
    package private(set) var spans: [Int] = []

    /// A command built argument by argument (`append`).
    package init() {}

    package mutating func append(_ argument: UnsafeRawBufferPointer) {
        spans.append(bytes.count)
        spans.append(argument.count)
        bytes.append(contentsOf: argument)
    }

    package init(_ args: Arguments) {
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

    package func withArguments<Result>(_ body: (Arguments) -> Result) -> Result {
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
package struct TransactionState {
    package var queued: [QueuedCommand] = []
    /// A queued command was rejected: EXEC must answer EXECABORT.
    package var aborted = false

    package init() {}

    /// Commands that run at once inside MULTI instead of being queued.
    package static let controlCommands: Set<String> = ["exec", "discard", "multi", "watch", "quit", "reset"]
}

/// A WATCHed key of a client; `expiredAtWatch` remembers a key that was already logically expired then.
package struct WatchedKey {
    package let key: DatabaseKey
    package let expiredAtWatch: Bool

    package init(key: DatabaseKey, expiredAtWatch: Bool) {
        self.key = key
        self.expiredAtWatch = expiredAtWatch
    }
}

extension Engine {
    /// Forgets every key `client` watches.
    package func unwatchAll(_ client: ClientSession) {
        for watched in client.watchedKeys {
            watchers[watched.key]?.removeAll { $0 === client }
            if watchers[watched.key]?.isEmpty == true { watchers.removeValue(forKey: watched.key) }
        }
        client.watchedKeys.removeAll()
        client.watchBroken = false
    }

    /// Redis's `signalModifiedKey` for WATCH: every client watching the key will fail its EXEC.
    package func touchWatchedKey(_ db: Int, _ key: ByteString) {
        guard !watchers.isEmpty, let clients = watchers[DatabaseKey(db: db, key: key)] else { return }
        for client in clients { client.watchBroken = true }
    }

    /// `touchWatchedKey` for a key still in the read buffer: nothing is copied unless some client watches.
    package func touchWatchedKey(_ db: Int, _ key: UnsafeRawBufferPointer) {
        guard !watchers.isEmpty else { return }
        touchWatchedKey(db, ByteString(key))
    }

    /// FLUSHDB/FLUSHALL/SWAPDB: watched keys of the affected databases break when they exist in their own database,
    /// or, for SWAPDB, in any of `presentIn` (the swapped pair: before or after the swap, as Redis's
    /// `touchAllWatchedKeysInDb` checks the database it is replaced with).
    package func touchWatchedKeys(inDatabases affected: [Int], presentIn searched: [Int]? = nil) {
        guard !watchers.isEmpty else { return }
        for (key, clients) in watchers where affected.contains(key.db) {
            let present = key.key.withUnsafeBytes { raw in
                (searched ?? [key.db]).contains { databases[$0].keys.index(of: raw) != nil }
            }
            if present { for client in clients { client.watchBroken = true } }
        }
    }

    /// A watched key that has expired since WATCH breaks the transaction (Redis 7.0's `isWatchedKeyExpired`).
    package func watchedKeyExpired(_ client: ClientSession) -> Bool {
        let now = clock.unixMilliseconds()
        return client.watchedKeys.contains { watched in
            !watched.expiredAtWatch
                && watched.key.key.withUnsafeBytes { databases[watched.key.db].isExpired($0, now: now) }
        }
    }
}
