import SwredisBytes

/// The hash table under every database (and, later, under hashes and sets), keyed by `ByteString`.
///
/// Why not `Dictionary`: the engine must look keys up straight from the read buffer without building a key,
/// sample random entries in O(1) (RANDOMKEY, active expiry, eviction) and offer SCAN's guarantee — every
/// entry present for the whole scan is returned at least once, even if the table grows or shrinks in between.
///
/// Layout ("compact dict", as CPython's): entries live densely in insertion order in `entries`; a separate
/// power-of-two `index` of 32-bit slots maps hash positions to entry numbers (0 = empty, n = entry n-1),
/// with linear probing and backward-shift deletion (no tombstones). The load factor then costs 4 bytes per
/// empty slot instead of a whole entry, and random sampling is a uniform pick from `entries`.
///
/// Positions handed out by lookups are entry numbers. They stay valid until the next insertion or removal.
///
/// SCAN: deletion only moves index slots back towards their home bucket, so every entry sits in the probe run
/// that starts at its home bucket; SCAN walks *home buckets* in Redis's reverse-binary cursor order, which stays
/// valid across power-of-two resizes.
public struct HashTable<Value> {
    @usableFromInline struct Entry {
        @usableFromInline var hash: UInt64
        @usableFromInline var key: ByteString
        @usableFromInline var value: Value

        @inlinable init(hash: UInt64, key: ByteString, value: Value) {
            self.hash = hash
            self.key = key
            self.value = value
        }
    }

    @usableFromInline typealias Storage = ChunkedArray<Entry>
    @usableFromInline var entries = Storage()
    @usableFromInline var index: [UInt32]
    @usableFromInline var mask: Int

    static var minimumCapacity: Int { 8 }

    public init(capacity: Int = 8) {
        var size = HashTable.minimumCapacity
        while size * 3 < capacity * 4 { size <<= 1 }
        index = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// Number of entries.
    @inlinable public var count: Int { entries.count }
    /// Number of index slots (buckets).
    public var capacity: Int { index.count }
    @inlinable public var isEmpty: Bool { entries.isEmpty }

    @inlinable func home(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash) & mask
    }

    // MARK: Lookup

    /// Position of `key`, looked up from raw bytes, or nil.
    @inlinable public func index(of key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        var slot = home(hash)
        while true {
            let stored = Int(index[slot])
            if stored == 0 { return nil }
            let entry = stored &- 1
            if entries[entry].hash == hash && entries[entry].key.equals(key) { return entry }
            slot = (slot &+ 1) & mask
        }
    }

    @inlinable public func index(of key: UnsafeRawBufferPointer) -> Int? {
        index(of: key, hash: KeyHash.hash(key))
    }

    @inlinable public func index(of key: ByteString) -> Int? {
        key.withUnsafeBytes { index(of: $0) }
    }

    @inlinable public subscript(key: ByteString) -> Value? {
        guard let position = index(of: key) else { return nil }
        return entries[position].value
    }

    /// Key stored at a position returned by a lookup.
    @inlinable public func key(at position: Int) -> ByteString {
        entries[position].key
    }

    /// Value stored at a position returned by a lookup.
    @inlinable public func value(at position: Int) -> Value {
        entries[position].value
    }

    /// Replaces the value at a position returned by a lookup.
    @inlinable public mutating func setValue(_ value: Value, at position: Int) {
        entries[position].value = value
    }

    /// Changes the value at a position in place.
    @inlinable public mutating func modifyValue<R>(at position: Int, _ body: (inout Value) -> R) -> R {
        body(&entries[position].value)
    }

    // MARK: Insert and remove

    /// Inserts or replaces; returns true when the key was new.
    @discardableResult
    public mutating func set(_ key: ByteString, _ value: Value) -> Bool {
        let hash = key.tableHash
        var slot = home(hash)
        while true {
            let stored = Int(index[slot])
            if stored == 0 { break }
            let entry = stored &- 1
            if entries[entry].hash == hash && entries[entry].key == key {
                entries[entry].value = value
                return false
            }
            slot = (slot &+ 1) & mask
        }
        entries.append(Entry(hash: hash, key: key, value: value))
        index[slot] = UInt32(truncatingIfNeeded: entries.count)
        if entries.count * 4 > index.count * 3 { rebuildIndex(size: index.count * 2) }
        return true
    }

    /// The index slot that points at entry `position`.
    func slot(of position: Int) -> Int {
        var slot = home(entries[position].hash)
        let wanted = UInt32(truncatingIfNeeded: position + 1)
        while index[slot] != wanted { slot = (slot &+ 1) & mask }
        return slot
    }

    /// Removes the entry at a position returned by a lookup and returns its value.
    @discardableResult
    public mutating func remove(at position: Int) -> Value {
        var hole = slot(of: position)
        index[hole] = 0
        // Backward-shift: pull later members of the probe run into the hole when that keeps them between
        // their home bucket and their current slot.
        var next = (hole + 1) & mask
        while index[next] != 0 {
            let home = self.home(entries[Int(index[next]) - 1].hash)
            if (hole - home) & mask < (next - home) & mask {
                index[hole] = index[next]
                index[next] = 0
                hole = next
            }
            next = (next + 1) & mask
        }
        // Keep `entries` dense: the last entry moves into the freed position.
        let last = entries.count - 1
        if position != last {
            index[slot(of: last)] = UInt32(truncatingIfNeeded: position + 1)
            entries.swapAt(position, last)
        }
        let removed = entries.removeLast().value
        if index.count > HashTable.minimumCapacity && entries.count * 10 < index.count {
            var size = index.count
            while size > HashTable.minimumCapacity && entries.count * 4 < size { size >>= 1 }
            rebuildIndex(size: max(size, HashTable.minimumCapacity))
        }
        return removed
    }

    /// Removes `key`; returns its value if it was there.
    @discardableResult
    public mutating func remove(_ key: ByteString) -> Value? {
        guard let position = index(of: key) else { return nil }
        return remove(at: position)
    }

    /// Empties the table.
    public mutating func removeAll() {
        entries = ChunkedArray()
        index = Array(repeating: 0, count: HashTable.minimumCapacity)
        mask = HashTable.minimumCapacity - 1
    }

    mutating func rebuildIndex(size: Int) {
        index = Array(repeating: 0, count: size)
        mask = size - 1
        for position in 0..<entries.count {
            var slot = home(entries[position].hash)
            while index[slot] != 0 { slot = (slot &+ 1) & mask }
            index[slot] = UInt32(truncatingIfNeeded: position + 1)
        }
    }

    // MARK: Iteration, sampling, scanning

    /// A uniformly chosen position, or nil if empty.
    public func randomIndex<G: RandomNumberGenerator>(using generator: inout G) -> Int? {
        guard !entries.isEmpty else { return nil }
        return Int.random(in: 0..<entries.count, using: &generator)
    }

    public func randomIndex() -> Int? {
        var generator = SystemRandomNumberGenerator()
        return randomIndex(using: &generator)
    }

    /// Calls `body` for every entry.
    public func forEach(_ body: (ByteString, Value) throws -> Void) rethrows {
        try entries.forEach { try body($0.key, $0.value) }
    }

    /// All keys.
    public var keys: [ByteString] {
        var keys: [ByteString] = []
        keys.reserveCapacity(count)
        entries.forEach { keys.append($0.key) }
        return keys
    }

    /// The entries as they are now, for a background writer (BGSAVE, AOF rewrite): O(count / 128) to take,
    /// and later writes to this table copy only the chunks they touch.
    public var snapshot: HashTableSnapshot<Value> {
        HashTableSnapshot(entries: entries)
    }

    /// One SCAN step: visits home buckets starting at `cursor` until about `count` entries were seen,
    /// calling `body` for each entry, and returns the next cursor (0 when the scan is complete).
    public func scan(cursor: UInt64, count wanted: Int, _ body: (ByteString, Value) -> Void) -> UInt64 {
        guard !entries.isEmpty else { return 0 }
        var cursor = cursor
        var visited = 0
        let bucketMask = UInt64(mask)
        // Bound the work for sparse tables like Redis does (at most 10×COUNT empty buckets).
        var budget = max(wanted, 1).multipliedReportingOverflow(by: 10).overflow ? Int.max : max(wanted, 1) * 10
        repeat {
            let bucket = Int(cursor & bucketMask)
            var slot = bucket
            while index[slot] != 0 {
                let entry = entries[Int(index[slot]) - 1]
                if home(entry.hash) == bucket {
                    body(entry.key, entry.value)
                    visited += 1
                }
                slot = (slot + 1) & mask
            }
            // Reverse-binary increment of the cursor over the bits of the mask.
            cursor |= ~bucketMask
            cursor = reverseBits(cursor)
            cursor &+= 1
            cursor = reverseBits(cursor)
            budget -= 1
        } while cursor != 0 && visited < wanted && budget > 0
        return cursor
    }

    @inline(__always) func reverseBits(_ value: UInt64) -> UInt64 {
        var v = value
        v = ((v >> 1) & 0x5555_5555_5555_5555) | ((v & 0x5555_5555_5555_5555) << 1)
        v = ((v >> 2) & 0x3333_3333_3333_3333) | ((v & 0x3333_3333_3333_3333) << 2)
        v = ((v >> 4) & 0x0F0F_0F0F_0F0F_0F0F) | ((v & 0x0F0F_0F0F_0F0F_0F0F) << 4)
        return v.byteSwapped
    }
}

/// A point-in-time view of a table's entries that another thread may read while the owner keeps writing.
public struct HashTableSnapshot<Value>: @unchecked Sendable {
    @usableFromInline var entries: HashTable<Value>.Storage

    @usableFromInline init(entries: HashTable<Value>.Storage) {
        self.entries = entries
    }

    public var count: Int { entries.count }

    /// Visits every entry once, releasing each chunk after it was visited.
    public mutating func drain(_ body: (ByteString, Value) throws -> Void) rethrows {
        try entries.drain { try body($0.key, $0.value) }
    }
}
