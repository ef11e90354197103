import SwredisBytes
import SwredisKeyspace

/// Key access with Redis's side effects: lazy expiry on access, keyspace hit/miss counters, LRU clock
/// updates. Handlers go through these instead of touching `databases` directly, so expiry is applied
/// uniformly.
extension Engine {
    /// Deletes `key` from database `db` if its time has passed. Returns true when it was expired.
    ///
    /// A replica never deletes on its own (its master sends the DEL): it only reports an expired key as
    /// missing, except to the master's own commands, which still see it (Redis's `expireIfNeeded`).
    @discardableResult
    public func expireIfNeeded(_ db: Int, _ key: UnsafeRawBufferPointer, now: Int) -> Bool {
        guard let when = databases[db].expireTime(of: key), when <= (scriptTimeSnapshot ?? now) else { return false }
        if replication.isReplica { return !applyingMasterStream }
        let name = ByteString(key)
        databases[db].remove(name)
        stats.expiredKeys += 1
        signalModifiedKey(db, name)
        notifyKeyspaceEvent(.expired, "expired", name, db)
        propagateDeletion(db, name)
        return true
    }

    /// Slot of `key` in `db` for a read: expired keys are removed first; counts a hit or a miss and
    /// refreshes the key's access clock.
    public func lookupRead(_ db: Int, _ key: UnsafeRawBufferPointer, now: Int? = nil, touch: Bool = true) -> Int? {
        let now = now ?? commandMilliseconds
        let expired = !databases[db].expires.isEmpty && expireIfNeeded(db, key, now: now)
        guard !expired, let position = databases[db].keys.index(of: key) else {
            stats.keyspaceMisses += 1
            if keyspaceEvents.contains(.keyMiss) { notifyKeyspaceEvent(.keyMiss, "keymiss", ByteString(key), db) }
            return nil
        }
        stats.keyspaceHits += 1
        guard touch else { return position }
        if lfuMode {
            let factor = lfuLogFactor
            let decay = lfuDecayTime
            databases[db].keys.modifyValue(at: position) {
                $0.accessClock = LFU.touch($0.accessClock, now: now, logFactor: factor, decayMinutes: decay)
            }
        } else {
            let clock = Engine.lruClock(now: now)
            databases[db].keys.modifyValue(at: position) { $0.accessClock = clock }
        }
        return position
    }

    /// Slot of `key` in `db` for a write (no hit/miss accounting); expired keys are removed first.
    public func lookupWrite(_ db: Int, _ key: UnsafeRawBufferPointer, now: Int? = nil) -> Int? {
        if !databases[db].expires.isEmpty && expireIfNeeded(db, key, now: now ?? commandMilliseconds) { return nil }
        return databases[db].keys.index(of: key)
    }

    /// The value of `key` for a read, or nil.
    public func readValue(_ db: Int, _ key: UnsafeRawBufferPointer) -> Value? {
        guard let position = lookupRead(db, key) else { return nil }
        return databases[db].keys.value(at: position).value
    }

    /// Whether `key` exists (expired keys count as missing).
    public func keyExists(_ db: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        lookupRead(db, key) != nil
    }

    /// After a key was added to a database (a new store, RENAME, MOVE, COPY): the `new` event and blocked clients, as
    /// Redis's `dbAdd` does.
    package func keyAdded(_ db: Int, _ key: ByteString, _ value: Value) {
        if keyspaceEvents.contains(.new) { notifyKeyspaceEvent(.new, "new", key, db) }
        signalKeyStored(db, key, value)
    }

    /// Stores `value` under `key`, clearing any TTL unless `keepTTL`.
    public func storeValue(_ db: Int, _ key: ByteString, _ value: Value, keepTTL: Bool = false, now: Int? = nil) {
        let now = now ?? commandMilliseconds
        let clock = lfuMode ? LFU.initial(now: now) : Engine.lruClock(now: now)
        let isNew = databases[db].set(key, Entry(value: value, accessClock: clock), keepTTL: keepTTL)
        if isNew { keyAdded(db, key, value) } else { signalKeyStored(db, key, value) }
    }

    /// Replaces the value at a slot found by `lookupWrite`, keeping the TTL.
    public func overwriteValue(_ db: Int, at position: Int, _ value: Value, raw: Bool = false) {
        databases[db].keys.modifyValue(at: position) {
            $0.value = value
            $0.isRawString = raw
            $0.isPrivateCopy = false
        }
    }

    /// Marks a string as modified in place (OBJECT ENCODING then reports `raw`).
    package func markRaw(_ db: Int, _ key: UnsafeRawBufferPointer) {
        guard let position = databases[db].keys.index(of: key) else { return }
        databases[db].keys.modifyValue(at: position) { $0.isRawString = true }
    }

    /// Deletes `key`; returns true if it existed (and had not expired).
    @discardableResult
    public func deleteKey(_ db: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        guard lookupWrite(db, key) != nil else { return false }
        let name = ByteString(key)
        databases[db].remove(name)
        notifyKeyspaceEvent(.generic, "del", name, db)
        return true
    }

    /// Deletes every key of every database; returns how many there were.
    @discardableResult
    public func flushAll() -> Int {
        var removed = 0
        for index in databases.indices {
            removed += databases[index].count
            databases[index].removeAll()
        }
        return removed
    }

    /// The database index a client may select, or nil when out of range.
    public func validDatabase(_ index: Int) -> Bool {
        index >= 0 && index < databases.count
    }

    /// Active expiry, run `hz` times a second: samples volatile keys per database and deletes expired ones,
    /// repeating while more than a quarter of a sample had expired, within a time budget (25% of the tick,
    /// as Redis's slow cycle).
    public func activeExpireCycle(budgetMicroseconds: Int) {
        // A replica's keys expire when its master says so.
        guard !replication.isReplica else { return }
        let started = clock.monotonicMicroseconds()
        let now = clock.unixMilliseconds()
        var generator = SystemRandomNumberGenerator()
        for db in databases.indices {
            var rounds = 0
            while !databases[db].expires.isEmpty {
                var expired = 0
                let samples = min(20, databases[db].expires.count)
                for _ in 0..<samples {
                    guard let position = databases[db].expires.randomIndex(using: &generator) else { break }
                    let when = databases[db].expires.value(at: position)
                    if when <= now {
                        let key = databases[db].expires.key(at: position)
                        databases[db].remove(key)
                        stats.expiredKeys += 1
                        signalModifiedKey(db, key)
                        notifyKeyspaceEvent(.expired, "expired", key, db)
                        propagateDeletion(db, key)
                        expired += 1
                    }
                }
                rounds += 1
                if expired * 4 <= samples { break }
                if rounds % 16 == 0 && clock.monotonicMicroseconds() - started > budgetMicroseconds { return }
            }
        }
    }
}
