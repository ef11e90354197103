import SwredisBytes

/// Fork-free snapshots of the keyspace.
///
/// Redis writes an RDB from a forked child and lets the kernel copy pages the parent changes meanwhile. A
/// multithreaded Swift process cannot fork safely, so swredis does the copy-on-write itself, at two levels:
///
/// 1. Tables: `HashTable` keeps its entries in chunks of 128 (`ChunkedArray`). A snapshot shares every chunk;
///    the engine thread's next write to a chunk copies just that chunk (Swift copy-on-write).
/// 2. Collections: lists, hashes, sets and sorted sets are objects changed in place. Each carries the
///    `snapshotGeneration` it was created (or last privately copied) in. While a snapshot of generation G is
///    being written, an object with a generation below G is shared with it, so before changing one in place
///    the engine replaces it in its table with a copy (which shares storage until it is written, again by
///    copy-on-write) — see `Database.prepareForInPlaceWrite`.
///
/// Strings are immutable values and need nothing.
public protocol SnapshotVersioned: AnyObject {
    /// The snapshot generation this object was created or copied in.
    var snapshotGeneration: UInt32 { get set }
}

extension ListValue: SnapshotVersioned {}
extension HashValue: SnapshotVersioned {}
extension SetValue: SnapshotVersioned {}
extension SortedSetValue: SnapshotVersioned {}

/// The generations of snapshots being written, owned by the engine thread.
public struct SnapshotGenerations: Sendable {
    /// The generation new objects get.
    public private(set) var current: UInt32 = 0
    /// Objects with a generation below this one may be read by a running snapshot (0: no snapshot runs).
    public private(set) var protectedBelow: UInt32 = 0
    private var running: [UInt32] = []

    public init() {}

    /// Starts a snapshot: everything existing now belongs to it. Returns its generation.
    public mutating func begin() -> UInt32 {
        current += 1
        running.append(current)
        protectedBelow = current
        return current
    }

    /// Ends a snapshot once its writer no longer reads the keyspace.
    public mutating func end(_ generation: UInt32) {
        running.removeAll { $0 == generation }
        protectedBelow = running.max() ?? 0
    }
}

extension Value {
    /// A copy of this collection for in-place changes, when it may be shared with a running snapshot.
    func privateCopy(generation: UInt32) -> Value {
        switch self {
        case .string, .integer:
            return self
        case .list(let list):
            let copy = ListValue(list.items)
            copy.snapshotGeneration = generation
            return .list(copy)
        case .hash(let hash):
            let copy = hash.copy()
            copy.snapshotGeneration = generation
            return .hash(copy)
        case .set(let set):
            let copy = set.copy()
            copy.snapshotGeneration = generation
            return .set(copy)
        case .zset(let zset):
            let copy = zset.copy()
            copy.snapshotGeneration = generation
            return .zset(copy)
        }
    }

    var snapshotGeneration: UInt32 {
        switch self {
        case .string, .integer: return .max
        case .list(let list): return list.snapshotGeneration
        case .hash(let hash): return hash.snapshotGeneration
        case .set(let set): return set.snapshotGeneration
        case .zset(let zset): return zset.snapshotGeneration
        }
    }
}

extension Database {
    /// Makes the collection at `position` safe to change in place while snapshots run (see `SnapshotVersioned`).
    @inlinable public mutating func prepareForInPlaceWrite(at position: Int, generations: SnapshotGenerations) {
        guard generations.protectedBelow > 0 else { return }
        privatizeIfShared(at: position, generations: generations)
    }

    @usableFromInline mutating func privatizeIfShared(at position: Int, generations: SnapshotGenerations) {
        keys.modifyValue(at: position) { entry in
            if entry.value.snapshotGeneration < generations.protectedBelow {
                entry.value = entry.value.privateCopy(generation: generations.current)
            }
        }
    }

    /// A point-in-time view for a background writer: the entries (shared chunks) and the expiry table (shared
    /// copy-on-write; the engine's next expiry change copies that table's index).
    public var snapshot: DatabaseSnapshot {
        DatabaseSnapshot(keys: keys.snapshot, expires: expires)
    }
}

/// One database as it was when a snapshot began.
public struct DatabaseSnapshot: @unchecked Sendable {
    public var keys: HashTableSnapshot<Entry>
    public let expires: HashTable<Int>

    public var count: Int { keys.count }

    /// The expiry of `key` when the snapshot began.
    public func expireTime(of key: ByteString) -> Int? {
        guard !expires.isEmpty, let position = expires.index(of: key) else { return nil }
        return expires.value(at: position)
    }
}
