import SwredisBytes

/// The keys of a cluster node's database by hash slot (Redis's `slots_to_keys`), so CLUSTER COUNTKEYSINSLOT,
/// GETKEYSINSLOT and slot migration never scan the keyspace. Kept by `Database` itself on every insert and removal.
public struct SlotIndex {
    private var keysBySlot = [Set<ByteString>](repeating: [], count: HashSlot.count)

    public init() {}

    mutating func insert(_ key: ByteString) {
        keysBySlot[key.withUnsafeBytes { HashSlot.of($0) }].insert(key)
    }

    mutating func remove(_ key: ByteString) {
        keysBySlot[key.withUnsafeBytes { HashSlot.of($0) }].remove(key)
    }

    public func count(in slot: Int) -> Int { keysBySlot[slot].count }

    /// Up to `limit` keys of `slot`.
    public func keys(in slot: Int, limit: Int) -> [ByteString] {
        Array(keysBySlot[slot].prefix(limit))
    }
}
