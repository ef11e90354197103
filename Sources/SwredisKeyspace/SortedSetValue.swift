import SwredisBytes

/// A sorted set: member → score in a hash table, and the (score, member) order in a `ScoreTree`.
/// OBJECT ENCODING reports `listpack` while the set is within `zset-max-listpack-*` limits (sticky once
/// exceeded, as Redis converts only one way); the order of every reply is the same in both cases.
public final class SortedSetValue: @unchecked Sendable {
    public private(set) var scores = HashTable<Double>()
    public private(set) var tree = ScoreTree()
    public private(set) var isCompact = true
    public var snapshotGeneration: UInt32 = 0

    public init() {}

    public var count: Int { scores.count }

    /// Switches the reported encoding to `skiplist` for good (what Redis's conversion does to OBJECT ENCODING).
    public func convertToSkiplist() {
        isCompact = false
    }

    public func copy() -> SortedSetValue {
        let other = SortedSetValue()
        other.scores = scores
        other.tree = tree
        other.isCompact = isCompact
        return other
    }

    public func score(_ member: UnsafeRawBufferPointer) -> Double? {
        guard let position = scores.index(of: member) else { return nil }
        return scores.value(at: position)
    }

    /// Sets a member's score (adding it if new); returns true if it was new.
    @discardableResult
    public func set(_ member: ByteString, _ score: Double, maxCompactEntries: Int, maxCompactValue: Int) -> Bool {
        if let position = scores.index(of: member) {
            let old = scores.value(at: position)
            if old != score {
                let stored = isCompact && score == 0 ? 0 : score
                tree.remove(member, old)
                tree.insert(member, stored)
                scores.setValue(stored, at: position)
            }
            return false
        }
        // Redis converts before inserting the element that doesn't fit, so that element keeps a -0 score.
        if isCompact && (scores.count + 1 > maxCompactEntries || member.count > maxCompactValue) { isCompact = false }
        // A listpack keeps integral scores as integers, so -0 comes back as 0 there.
        let stored = isCompact && score == 0 ? 0 : score
        scores.set(member, stored)
        tree.insert(member, stored)
        return true
    }

    @discardableResult
    public func remove(_ member: UnsafeRawBufferPointer) -> Bool {
        guard let position = scores.index(of: member) else { return false }
        let name = scores.key(at: position)
        tree.remove(name, scores.value(at: position))
        scores.remove(at: position)
        return true
    }

    /// Removes and returns the element with the lowest (or highest) score.
    public func popExtreme(lowest: Bool) -> (member: ByteString, score: Double)? {
        guard let element = tree.removeExtreme(first: lowest) else { return nil }
        if let position = element.member.withUnsafeBytes({ scores.index(of: $0) }) { scores.remove(at: position) }
        return element
    }

    /// 0-based rank in ascending order.
    public func rank(_ member: UnsafeRawBufferPointer) -> Int? {
        guard let position = scores.index(of: member) else { return nil }
        return tree.rank(scores.key(at: position), scores.value(at: position))
    }

    /// Elements in rank order.
    public func range(_ ranks: ClosedRange<Int>, reverse: Bool = false) -> [(member: ByteString, score: Double)] {
        var result: [(member: ByteString, score: Double)] = []
        let mapped = reverse ? (count - 1 - ranks.upperBound)...(count - 1 - ranks.lowerBound) : ranks
        tree.forEach(ranks: mapped, reverse: reverse) { result.append(($0, $1)) }
        return result
    }

    /// Every element in ascending order.
    public var all: [(member: ByteString, score: Double)] {
        count == 0 ? [] : range(0...(count - 1))
    }

    /// How many elements precede the first one that satisfies the lower bound.
    public func rankOfFirst(atLeast bound: ScoreBound) -> Int {
        tree.countPreceding { score, _ in bound.exclusive ? score <= bound.value : score < bound.value }
    }

    /// How many elements lie at or below the upper bound.
    public func rankAfterLast(atMost bound: ScoreBound) -> Int {
        tree.countPreceding { score, _ in bound.exclusive ? score < bound.value : score <= bound.value }
    }

    public func rankOfFirst(atLeast bound: LexBound) -> Int {
        tree.countPreceding { _, member in bound.isBelow(member, asLowerBound: true) }
    }

    public func rankAfterLast(atMost bound: LexBound) -> Int {
        tree.countPreceding { _, member in !bound.isAbove(member) }
    }

    /// Ranks of the elements within [min, max] by score, or nil when none.
    public func ranks(min: ScoreBound, max: ScoreBound) -> ClosedRange<Int>? {
        let first = rankOfFirst(atLeast: min)
        let end = rankAfterLast(atMost: max)
        return first < end ? first...(end - 1) : nil
    }

    public func ranks(min: LexBound, max: LexBound) -> ClosedRange<Int>? {
        let first = rankOfFirst(atLeast: min)
        let end = rankAfterLast(atMost: max)
        return first < end ? first...(end - 1) : nil
    }

    public func randomMember() -> (ByteString, Double)? {
        guard let position = scores.randomIndex() else { return nil }
        return (scores.key(at: position), scores.value(at: position))
    }
}

/// One end of a score range: `1.5`, `(1.5` (exclusive), `-inf`, `+inf`.
public struct ScoreBound {
    public let value: Double
    public let exclusive: Bool

    public init(value: Double, exclusive: Bool) {
        self.value = value
        self.exclusive = exclusive
    }

    /// Parses Redis's syntax; nil when not a number (or NaN).
    public init?(_ bytes: UnsafeRawBufferPointer) {
        var slice = bytes
        var exclusive = false
        if let first = bytes.first, first == UInt8(ascii: "(") {
            exclusive = true
            slice = UnsafeRawBufferPointer(rebasing: bytes[1...])
        }
        guard let value = StringNumbers.parseRangeDouble(slice) else { return nil }
        self.init(value: value, exclusive: exclusive)
    }
}

/// One end of a lexicographic range: `[a` (inclusive), `(a` (exclusive), `-` (minimum), `+` (maximum).
public enum LexBound {
    case minimum
    case maximum
    case inclusive(ByteString)
    case exclusive(ByteString)

    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard let first = bytes.first else { return nil }
        let rest = ByteString(UnsafeRawBufferPointer(rebasing: bytes[1...]))
        switch first {
        case UInt8(ascii: "-") where bytes.count == 1: self = .minimum
        case UInt8(ascii: "+") where bytes.count == 1: self = .maximum
        case UInt8(ascii: "["): self = .inclusive(rest)
        case UInt8(ascii: "("): self = .exclusive(rest)
        default: return nil
        }
    }

    /// As a lower bound: whether `member` falls before the range.
    func isBelow(_ member: ByteString, asLowerBound: Bool) -> Bool {
        switch self {
        case .minimum: return false
        case .maximum: return true
        case .inclusive(let bound): return member < bound
        case .exclusive(let bound): return member < bound || member == bound
        }
    }

    /// As an upper bound: whether `member` falls after the range.
    func isAbove(_ member: ByteString) -> Bool {
        switch self {
        case .minimum: return true
        case .maximum: return false
        case .inclusive(let bound): return bound < member
        case .exclusive(let bound): return bound < member || member == bound
        }
    }
}

/// Redis's score formatting: `%.17g`, with `inf`/`-inf`.
public enum ScoreFormat {
    /// How a listpack-encoded score reads back raw (ZSCAN): integral scores within ±2^62 were stored as integers.
    public static func formatStored(_ value: Double) -> String {
        if value.isFinite && abs(value) <= Double(Int64.max / 2) && value == value.rounded() {
            return String(Int64(value))
        }
        return format(value)
    }

    /// The score as an integer when `%.17g` would print it as one (integral, below 1e15 in magnitude, not -0), so
    /// replies can skip `vsnprintf`.
    @inlinable public static func integral(_ value: Double) -> Int? {
        guard abs(value) < 1e15, value == value.rounded(.towardZero), !(value == 0 && value.sign == .minus) else {
            return nil
        }
        return Int(value)
    }

    /// Redis 7.0's `%.17g`, with `inf`, `-inf` and `nan`.
    public static func format(_ value: Double) -> String {
        if let integer = integral(value) { return String(integer) }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value.isNaN { return "nan" }
        var buffer = [CChar](repeating: 0, count: 64)
        let length = buffer.withUnsafeMutableBufferPointer { pointer in
            withVaList([value]) { vsnprintf(pointer.baseAddress, 64, "%.17g", $0) }
        }
        return String(decoding: buffer[0..<Int(max(0, min(length, 63)))].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#endif
