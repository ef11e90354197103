import SwredisBytes

/// One logical database (`SELECT n`): the key table plus the table of expiry times for volatile keys,
/// kept apart as Redis keeps `dict` and `expires`, so active expiry samples only keys that can expire.
///
/// A `Database` is owned by the engine's event-loop thread; nothing here locks.
public struct Database {
    /// Keys and their values.
    public var keys = HashTable<Entry>()
    /// Absolute expiry time in Unix milliseconds for every key that has one.
    public var expires = HashTable<Int>()
    /// Keys by hash slot, in cluster mode only (nil otherwise: nothing to keep on the hot path).
    public private(set) var slotIndex: SlotIndex?

    public init(indexingSlots: Bool = false) {
        if indexingSlots { slotIndex = SlotIndex() }
    }

    public var count: Int { keys.count }

    /// The expiry time of a key, if it has one.
    @inlinable public func expireTime(of key: UnsafeRawBufferPointer) -> Int? {
        guard !expires.isEmpty, let position = expires.index(of: key) else { return nil }
        return expires.value(at: position)
    }

    @inlinable public func expireTime(of key: ByteString) -> Int? {
        key.withUnsafeBytes { expireTime(of: $0) }
    }

    /// Whether a key exists but its time has passed (it should be treated as missing and deleted).
    @inlinable public func isExpired(_ key: UnsafeRawBufferPointer, now: Int) -> Bool {
        guard let when = expireTime(of: key) else { return false }
        return when <= now
    }

    /// Stores a value, keeping or clearing the key's expiry.
    /// Stores an entry, keeping or clearing the key's expiry; returns true when the key is new.
    @discardableResult
    public mutating func set(_ key: ByteString, _ entry: Entry, keepTTL: Bool = false) -> Bool {
        let isNew = keys.set(key, entry)
        if !keepTTL && !expires.isEmpty { expires.remove(key) }
        if isNew && slotIndex != nil { slotIndex?.insert(key) }
        return isNew
    }

    public mutating func setExpire(_ key: ByteString, at when: Int) {
        expires.set(key, when)
    }

    /// Removes the expiry; returns true if there was one.
    @discardableResult
    public mutating func persist(_ key: ByteString) -> Bool {
        guard !expires.isEmpty else { return false }
        return expires.remove(key) != nil
    }

    /// Deletes a key and its expiry; returns the removed entry.
    @discardableResult
    public mutating func remove(_ key: ByteString) -> Entry? {
        guard let entry = keys.remove(key) else { return nil }
        if !expires.isEmpty { expires.remove(key) }
        if slotIndex != nil { slotIndex?.remove(key) }
        return entry
    }

    public mutating func removeAll() {
        keys.removeAll()
        expires.removeAll()
        if slotIndex != nil { slotIndex = SlotIndex() }
    }

    /// Starts or stops indexing keys by slot (rebuilt from the keys when it starts).
    public mutating func indexSlots(_ enabled: Bool) {
        guard enabled else {
            slotIndex = nil
            return
        }
        var index = SlotIndex()
        keys.forEach { key, _ in index.insert(key) }
        slotIndex = index
    }
}
