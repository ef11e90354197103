import SwredisBytes
import SwredisKeyspace

/// Typed access to collection values, with Redis's WRONGTYPE reply when a key holds another type.
extension Engine {
    /// The result of looking up a key that should hold a given type.
    package enum Lookup<T> {
        case missing
        case found(T)
        /// The key holds another type; WRONGTYPE was already replied.
        case wrongType
    }

    package func lookup<T>(
        _ client: ClientSession, _ key: UnsafeRawBufferPointer, write: Bool, _ extract: (Value) -> T?
    )
        -> Lookup<T>
    {
        let db = client.database
        let position = write ? lookupWrite(db, key) : lookupRead(db, key)
        guard let position else { return .missing }
        if write { databases[db].prepareForInPlaceWrite(at: position, generations: snapshotGenerations) }
        guard let typed = extract(databases[db].keys.value(at: position).value) else {
            client.error(RedisError.wrongType)
            return .wrongType
        }
        return .found(typed)
    }

    package func list(_ client: ClientSession, _ key: UnsafeRawBufferPointer, write: Bool) -> Lookup<ListValue> {
        lookup(client, key, write: write) {
            if case .list(let list) = $0 { return list }
            return nil
        }
    }

    package func hash(_ client: ClientSession, _ key: UnsafeRawBufferPointer, write: Bool) -> Lookup<HashValue> {
        lookup(client, key, write: write) {
            if case .hash(let hash) = $0 { return hash }
            return nil
        }
    }

    package func set(_ client: ClientSession, _ key: UnsafeRawBufferPointer, write: Bool) -> Lookup<SetValue> {
        lookup(client, key, write: write) {
            if case .set(let set) = $0 { return set }
            return nil
        }
    }

    /// The collection at `key`, created empty by `make` if missing; nil after a WRONGTYPE reply.
    package func collectionForWrite<T: SnapshotVersioned>(
        _ client: ClientSession, _ key: UnsafeRawBufferPointer,
        _ extract: (Value) -> T?, make: () -> T, wrap: (T) -> Value
    ) -> T? {
        switch lookup(client, key, write: true, extract) {
        case .found(let collection): return collection
        case .wrongType: return nil
        case .missing:
            let collection = make()
            collection.snapshotGeneration = snapshotGenerations.current
            storeValue(client.database, ByteString(key), wrap(collection))
            return collection
        }
    }

    package func listForWrite(_ client: ClientSession, _ key: UnsafeRawBufferPointer) -> ListValue? {
        collectionForWrite(
            client, key,
            {
                if case .list(let list) = $0 { return list }
                return nil
            }, make: { ListValue() }, wrap: Value.list)
    }

    package func hashForWrite(_ client: ClientSession, _ key: UnsafeRawBufferPointer) -> HashValue? {
        collectionForWrite(
            client, key,
            {
                if case .hash(let hash) = $0 { return hash }
                return nil
            }, make: HashValue.init, wrap: Value.hash)
    }

    package func setForWrite(_ client: ClientSession, _ key: UnsafeRawBufferPointer) -> SetValue? {
        collectionForWrite(
            client, key,
            {
                if case .set(let set) = $0 { return set }
                return nil
            }, make: SetValue.init, wrap: Value.set)
    }

    /// Redis deletes a collection key when its last element goes.
    package func deleteIfEmpty(_ db: Int, _ key: UnsafeRawBufferPointer, count: Int) {
        guard count == 0 else { return }
        let name = ByteString(key)
        databases[db].remove(name)
        notifyKeyspaceEvent(.generic, "del", name, db)
    }

    package var hashLimits: (entries: Int, value: Int) {
        (config[.hashMaxListpackEntries], config[.hashMaxListpackValue])
    }

    package var intsetLimit: Int { config[.setMaxIntsetEntries] }
}

extension Arguments {
    /// Parses a range bound like LRANGE's: an integer, or replies `value is not an integer or out of range`.
    package func integerOrReply(_ index: Int, _ client: ClientSession) -> Int? {
        guard let value = integer(index) else {
            client.error(RedisError.notInteger)
            return nil
        }
        return value
    }

    /// Parses a C `int` like Redis's `getIntFromObjectOrReply` (database indexes): text gets `value is not an
    /// integer`, a 64-bit number outside Int32 gets the range error naming the bounds.
    package func int32OrReply(_ index: Int, _ client: ClientSession) -> Int? {
        guard let value = integerOrReply(index, client) else { return nil }
        guard value >= Int(Int32.min) && value <= Int(Int32.max) else {
            client.error("ERR value is out of range, value must between \(Int32.min) and \(Int32.max)")
            return nil
        }
        return value
    }
}

/// Converts Redis's inclusive, possibly negative range to array indexes; nil when the range is empty.
package func normalizedRange(start: Int, end: Int, count: Int) -> ClosedRange<Int>? {
    var start = start < 0 ? count + start : start
    var end = end < 0 ? count + end : end
    if start < 0 { start = 0 }
    if end >= count { end = count - 1 }
    guard start <= end, start < count, end >= 0 else { return nil }
    return start...end
}

extension Engine {
    package func zset(_ client: ClientSession, _ key: UnsafeRawBufferPointer, write: Bool) -> Lookup<SortedSetValue> {
        lookup(client, key, write: write) {
            if case .zset(let zset) = $0 { return zset }
            return nil
        }
    }

    package func zsetForWrite(_ client: ClientSession, _ key: UnsafeRawBufferPointer) -> SortedSetValue? {
        collectionForWrite(
            client, key,
            {
                if case .zset(let zset) = $0 { return zset }
                return nil
            }, make: SortedSetValue.init, wrap: Value.zset)
    }

    package var zsetLimits: (entries: Int, value: Int) {
        (config[.zsetMaxListpackEntries], config[.zsetMaxListpackValue])
    }
}

extension ClientSession {
    /// A score: RESP3 double, RESP2 bulk string, formatted like Redis (`%.17g`).
    package func replyScore(_ score: Double) {
        if let integer = ScoreFormat.integral(score) {
            reply.double(integral: integer)
        } else {
            reply.double(score, formatted: ScoreFormat.format(score))
        }
    }
}
