import SwredisBytes

/// A hash. Small hashes are kept as an ordered array of pairs — the shape of Redis's listpack, so field order
/// (insertion order, stable under deletion) and OBJECT ENCODING match Redis — and converted once, for good, to
/// a hash table when they outgrow `hash-max-listpack-entries` / `hash-max-listpack-value`.
public final class HashValue: @unchecked Sendable {
    public private(set) var pairs: [(field: ByteString, value: ByteString)] = []
    public private(set) var table: HashTable<ByteString>?
    public var snapshotGeneration: UInt32 = 0

    public init() {}

    public var isCompact: Bool { table == nil }
    public var count: Int { table?.count ?? pairs.count }

    public func copy() -> HashValue {
        let other = HashValue()
        other.pairs = pairs
        other.table = table
        return other
    }

    public func get(_ field: UnsafeRawBufferPointer) -> ByteString? {
        if let table {
            guard let position = table.index(of: field) else { return nil }
            return table.value(at: position)
        }
        return pairs.first { $0.field.equals(field) }?.value
    }

    /// Sets a field; returns true if it is new. `maxEntries`/`maxValue` are the listpack limits.
    @discardableResult
    public func set(_ field: ByteString, _ value: ByteString, maxEntries: Int, maxValue: Int) -> Bool {
        if table == nil && (field.count > maxValue || value.count > maxValue) { convert() }
        if table != nil { return table!.set(field, value) }
        if let index = pairs.firstIndex(where: { $0.field == field }) {
            pairs[index].value = value
            return false
        }
        pairs.append((field, value))
        if pairs.count > maxEntries { convert() }
        return true
    }

    /// Removes a field; returns true if it was there.
    @discardableResult
    public func remove(_ field: UnsafeRawBufferPointer) -> Bool {
        if table != nil {
            guard let position = table!.index(of: field) else { return false }
            table!.remove(at: position)
            return true
        }
        guard let index = pairs.firstIndex(where: { $0.field.equals(field) }) else { return false }
        pairs.remove(at: index)
        return true
    }

    /// Every pair, in Redis's order for the encoding.
    public func forEach(_ body: (ByteString, ByteString) -> Void) {
        if let table { table.forEach(body) } else { for pair in pairs { body(pair.field, pair.value) } }
    }

    /// The pair at a uniformly random position.
    public func randomPair() -> (ByteString, ByteString)? {
        if let table {
            guard let position = table.randomIndex() else { return nil }
            return (table.key(at: position), table.value(at: position))
        }
        return pairs.randomElement()
    }

    /// One HSCAN step. Compact hashes return everything at once with cursor 0, as Redis does for listpacks.
    public func scan(cursor: UInt64, count: Int, _ body: (ByteString, ByteString) -> Void) -> UInt64 {
        if let table { return table.scan(cursor: cursor, count: count, body) }
        for pair in pairs { body(pair.field, pair.value) }
        return 0
    }

    private func convert() {
        var converted = HashTable<ByteString>(capacity: pairs.count * 2)
        for pair in pairs { converted.set(pair.field, pair.value) }
        table = converted
        pairs = []
    }
}

/// A set. Sets of integers are kept as a sorted integer array, the shape of Redis's intset (so SMEMBERS order
/// and OBJECT ENCODING match), until a non-integer member arrives or they outgrow `set-max-intset-entries`.
public final class SetValue: @unchecked Sendable {
    public private(set) var integers: [Int] = []
    public private(set) var table: HashTable<Bool>?
    public var snapshotGeneration: UInt32 = 0

    public init() {}

    public var isIntset: Bool { table == nil }
    public var count: Int { table?.count ?? integers.count }

    public func copy() -> SetValue {
        let other = SetValue()
        other.integers = integers
        other.table = table
        return other
    }

    public func contains(_ member: UnsafeRawBufferPointer) -> Bool {
        if let table { return table.index(of: member) != nil }
        guard let number = StringNumbers.parseCanonicalInteger(member) else { return false }
        return binarySearch(number).found
    }

    /// Adds a member; returns true if it is new.
    @discardableResult
    public func add(_ member: UnsafeRawBufferPointer, maxIntsetEntries: Int) -> Bool {
        if table == nil {
            if let number = StringNumbers.parseCanonicalInteger(member) {
                let (found, index) = binarySearch(number)
                if found { return false }
                integers.insert(number, at: index)
                if integers.count > maxIntsetEntries { convert() }
                return true
            }
            convert()
        }
        return table!.set(ByteString(member), true)
    }

    /// Removes a member; returns true if it was there.
    @discardableResult
    public func remove(_ member: UnsafeRawBufferPointer) -> Bool {
        if table != nil {
            guard let position = table!.index(of: member) else { return false }
            table!.remove(at: position)
            return true
        }
        guard let number = StringNumbers.parseCanonicalInteger(member) else { return false }
        let (found, index) = binarySearch(number)
        if found { integers.remove(at: index) }
        return found
    }

    /// Every member, in Redis's order for the encoding (ascending for intsets).
    public func forEach(_ body: (ByteString) -> Void) {
        if let table {
            table.forEach { member, _ in body(member) }
        } else {
            for number in integers { body(ByteString(String(number))) }
        }
    }

    public var members: [ByteString] {
        var result: [ByteString] = []
        result.reserveCapacity(count)
        forEach { result.append($0) }
        return result
    }

    public func randomMember() -> ByteString? {
        if let table {
            guard let position = table.randomIndex() else { return nil }
            return table.key(at: position)
        }
        return integers.randomElement().map { ByteString(String($0)) }
    }

    public func scan(cursor: UInt64, count: Int, _ body: (ByteString) -> Void) -> UInt64 {
        if let table { return table.scan(cursor: cursor, count: count) { member, _ in body(member) } }
        forEach(body)
        return 0
    }

    private func binarySearch(_ number: Int) -> (found: Bool, index: Int) {
        var low = 0
        var high = integers.count
        while low < high {
            let middle = (low + high) / 2
            if integers[middle] < number { low = middle + 1 } else { high = middle }
        }
        return (low < integers.count && integers[low] == number, low)
    }

    private func convert() {
        var converted = HashTable<Bool>(capacity: integers.count * 2)
        for number in integers { converted.set(ByteString(String(number)), true) }
        table = converted
        integers = []
    }
}
