import SwredisBytes

/// An open-addressing hash table keyed by `ByteString`, the structure under every database and (later) under
/// hashes and sets.
///
/// Why not `Dictionary`: the engine must look keys up straight from the read buffer without building a key,
/// sample random entries in O(1) (RANDOMKEY, active expiry, eviction) and offer SCAN's guarantee — every
/// entry present for the whole scan is returned at least once, even if the table grows or shrinks in between.
///
/// Layout: a power-of-two array of slots, linear probing, backward-shift deletion (no tombstones). Each slot
/// keeps the key's full 64-bit hash, so resizing never rehashes bytes and most mismatches are rejected
/// without touching the key. Because deletion only moves entries back towards their home bucket, an entry
/// always sits in the probe run that starts at its home bucket; SCAN therefore walks *home buckets* in
/// Redis's reverse-binary cursor order, which stays valid across power-of-two resizes.
public struct HashTable<Value> {
    @usableFromInline struct Slot {
        @usableFromInline var hash: UInt64
        @usableFromInline var key: ByteString
        @usableFromInline var value: Value
    }

    @usableFromInline var slots: [Slot?]
    @usableFromInline var mask: Int
    /// Number of entries.
    public private(set) var count: Int = 0

    static var minimumCapacity: Int { 8 }

    public init(capacity: Int = 8) {
        var size = HashTable.minimumCapacity
        while size * 3 < capacity * 4 { size <<= 1 }
        slots = Array(repeating: nil, count: size)
        mask = size - 1
    }

    /// Number of slots (buckets).
    public var capacity: Int { slots.count }
    public var isEmpty: Bool { count == 0 }

    // MARK: Lookup

    /// Slot index of `key`, looked up from raw bytes, or nil.
    @inlinable public func index(of key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        var position = Int(truncatingIfNeeded: hash) & mask
        while let slot = slots[position] {
            if slot.hash == hash && slot.key.equals(key) { return position }
            position = (position &+ 1) & mask
        }
        return nil
    }

    @inlinable public func index(of key: UnsafeRawBufferPointer) -> Int? {
        index(of: key, hash: KeyHash.hash(key))
    }

    @inlinable public func index(of key: ByteString) -> Int? {
        key.withUnsafeBytes { index(of: $0) }
    }

    @inlinable public subscript(key: ByteString) -> Value? {
        guard let position = index(of: key) else { return nil }
        return slots[position]?.value
    }

    /// Key stored at a slot index returned by a lookup.
    @inlinable public func key(at position: Int) -> ByteString {
        slots[position]!.key
    }

    /// Value stored at a slot index returned by a lookup.
    @inlinable public func value(at position: Int) -> Value {
        slots[position]!.value
    }

    /// Replaces the value at a slot index returned by a lookup.
    @inlinable public mutating func setValue(_ value: Value, at position: Int) {
        slots[position]!.value = value
    }

    /// Changes the value at a slot index in place.
    @inlinable public mutating func modifyValue<R>(at position: Int, _ body: (inout Value) -> R) -> R {
        body(&slots[position]!.value)
    }

    // MARK: Insert and remove

    /// Inserts or replaces; returns true when the key was new.
    @discardableResult
    public mutating func set(_ key: ByteString, _ value: Value) -> Bool {
        let hash = key.tableHash
        var position = Int(truncatingIfNeeded: hash) & mask
        while let slot = slots[position] {
            if slot.hash == hash && slot.key == key {
                slots[position]!.value = value
                return false
            }
            position = (position &+ 1) & mask
        }
        slots[position] = Slot(hash: hash, key: key, value: value)
        count += 1
        if count * 4 > slots.count * 3 { resize(to: slots.count * 2) }
        return true
    }

    /// Removes the entry at a slot index returned by a lookup and returns its value.
    @discardableResult
    public mutating func remove(at position: Int) -> Value {
        let removed = slots[position]!.value
        slots[position] = nil
        count -= 1
        // Backward-shift: pull later members of the probe run into the hole when that keeps them
        // between their home bucket and their current slot.
        var hole = position
        var next = (position + 1) & mask
        while let slot = slots[next] {
            let home = Int(truncatingIfNeeded: slot.hash) & mask
            let distanceToHole = (hole - home) & mask
            let distanceToNext = (next - home) & mask
            if distanceToHole < distanceToNext {
                slots[hole] = slot
                slots[next] = nil
                hole = next
            }
            next = (next + 1) & mask
        }
        if slots.count > HashTable.minimumCapacity && count * 10 < slots.count {
            var size = slots.count
            while size > HashTable.minimumCapacity && count * 4 < size { size >>= 1 }
            resize(to: max(size, HashTable.minimumCapacity))
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
        slots = Array(repeating: nil, count: HashTable.minimumCapacity)
        mask = HashTable.minimumCapacity - 1
        count = 0
    }

    mutating func resize(to size: Int) {
        let old = slots
        slots = Array(repeating: nil, count: size)
        mask = size - 1
        for case let slot? in old {
            var position = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[position] != nil { position = (position &+ 1) & mask }
            slots[position] = slot
        }
    }

    // MARK: Iteration, sampling, scanning

    /// A uniformly chosen slot index that holds an entry (probing forward from a random slot), or nil if empty.
    public func randomIndex<G: RandomNumberGenerator>(using generator: inout G) -> Int? {
        guard count > 0 else { return nil }
        var position = Int.random(in: 0..<slots.count, using: &generator)
        while slots[position] == nil { position = (position + 1) & mask }
        return position
    }

    public func randomIndex() -> Int? {
        var generator = SystemRandomNumberGenerator()
        return randomIndex(using: &generator)
    }

    /// Calls `body` for every entry.
    public func forEach(_ body: (ByteString, Value) throws -> Void) rethrows {
        for case let slot? in slots { try body(slot.key, slot.value) }
    }

    /// All keys.
    public var keys: [ByteString] {
        var result: [ByteString] = []
        result.reserveCapacity(count)
        for case let slot? in slots { result.append(slot.key) }
        return result
    }

    /// One SCAN step: visits home buckets starting at `cursor` until about `count` entries were seen,
    /// calling `body` for each entry, and returns the next cursor (0 when the scan is complete).
    public func scan(cursor: UInt64, count wanted: Int, _ body: (ByteString, Value) -> Void) -> UInt64 {
        guard count > 0 else { return 0 }
        var cursor = cursor
        var visited = 0
        let bucketMask = UInt64(mask)
        // Bound the work for sparse tables like Redis does (at most 10×COUNT empty buckets).
        var budget = max(wanted, 1) * 10
        repeat {
            let home = Int(cursor & bucketMask)
            var position = home
            while let slot = slots[position] {
                if Int(truncatingIfNeeded: slot.hash) & mask == home {
                    body(slot.key, slot.value)
                    visited += 1
                }
                position = (position + 1) & mask
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
        var result: UInt64 = 0
        for _ in 0..<64 {
            result = (result << 1) | (v & 1)
            v >>= 1
        }
        return result
    }
}
