import SwredisBytes

/// The ordered index of a sorted set: a treap (randomised balanced binary search tree) ordered by
/// (score, member), with subtree sizes so rank, select and range-by-rank are O(log n). Nodes live in parallel
/// arrays addressed by 32-bit indexes (no object per element), which keeps a large sorted set compact.
public struct ScoreTree {
    @usableFromInline var members: [ByteString] = []
    @usableFromInline var scores: [Double] = []
    @usableFromInline var left: [Int32] = []
    @usableFromInline var right: [Int32] = []
    @usableFromInline var priorities: [UInt32] = []
    @usableFromInline var sizes: [Int32] = []
    var freeNodes: [Int32] = []
    @usableFromInline var root: Int32 = -1
    var random = SystemRandomNumberGenerator()

    public init() {}

    public var count: Int { root < 0 ? 0 : Int(sizes[Int(root)]) }

    @inline(__always) func size(_ node: Int32) -> Int32 { node < 0 ? 0 : sizes[Int(node)] }

    @inline(__always) mutating func update(_ node: Int32) {
        sizes[Int(node)] = 1 + size(left[Int(node)]) + size(right[Int(node)])
    }

    /// Whether (scoreA, memberA) sorts before (scoreB, memberB).
    @inline(__always) public static func precedes(_ scoreA: Double, _ memberA: ByteString, _ scoreB: Double, _ memberB: ByteString) -> Bool {
        scoreA < scoreB || (scoreA == scoreB && memberA < memberB)
    }

    mutating func makeNode(_ member: ByteString, _ score: Double) -> Int32 {
        let priority = UInt32.random(in: 0...UInt32.max, using: &random)
        if let reused = freeNodes.popLast() {
            let index = Int(reused)
            members[index] = member
            scores[index] = score
            left[index] = -1
            right[index] = -1
            priorities[index] = priority
            sizes[index] = 1
            return reused
        }
        members.append(member)
        scores.append(score)
        left.append(-1)
        right.append(-1)
        priorities.append(priority)
        sizes.append(1)
        return Int32(members.count - 1)
    }

    /// Splits `node` into the elements before (score, member) and the rest.
    mutating func split(_ node: Int32, _ score: Double, _ member: ByteString) -> (Int32, Int32) {
        guard node >= 0 else { return (-1, -1) }
        let index = Int(node)
        if ScoreTree.precedes(scores[index], members[index], score, member) {
            let (lower, upper) = split(right[index], score, member)
            right[index] = lower
            update(node)
            return (node, upper)
        }
        let (lower, upper) = split(left[index], score, member)
        left[index] = upper
        update(node)
        return (lower, node)
    }

    /// Joins two trees where every element of `a` precedes every element of `b`.
    mutating func merge(_ a: Int32, _ b: Int32) -> Int32 {
        if a < 0 { return b }
        if b < 0 { return a }
        if priorities[Int(a)] > priorities[Int(b)] {
            right[Int(a)] = merge(right[Int(a)], b)
            update(a)
            return a
        }
        left[Int(b)] = merge(a, left[Int(b)])
        update(b)
        return b
    }

    /// Adds an element (the caller guarantees the member is not present).
    public mutating func insert(_ member: ByteString, _ score: Double) {
        let node = makeNode(member, score)
        let (lower, upper) = split(root, score, member)
        root = merge(merge(lower, node), upper)
    }

    /// Removes the element (score, member); returns false if it was not there.
    @discardableResult
    public mutating func remove(_ member: ByteString, _ score: Double) -> Bool {
        var removed = false
        root = remove(root, member, score, &removed)
        return removed
    }

    mutating func remove(_ node: Int32, _ member: ByteString, _ score: Double, _ removed: inout Bool) -> Int32 {
        guard node >= 0 else { return -1 }
        let index = Int(node)
        if scores[index] == score && members[index] == member {
            removed = true
            let joined = merge(left[index], right[index])
            members[index] = .empty
            freeNodes.append(node)
            return joined
        }
        if ScoreTree.precedes(score, member, scores[index], members[index]) {
            left[index] = remove(left[index], member, score, &removed)
        } else {
            right[index] = remove(right[index], member, score, &removed)
        }
        if removed { update(node) }
        return node
    }

    /// 0-based rank of (score, member): how many elements precede it.
    public func rank(_ member: ByteString, _ score: Double) -> Int {
        countPreceding { ScoreTree.precedes($0, $1, score, member) }
    }

    /// Number of elements for which `isBefore` holds; `isBefore` must be true on a prefix of the order.
    public func countPreceding(_ isBefore: (Double, ByteString) -> Bool) -> Int {
        var node = root
        var total = 0
        while node >= 0 {
            let index = Int(node)
            if isBefore(scores[index], members[index]) {
                total += Int(size(left[index])) + 1
                node = right[index]
            } else {
                node = left[index]
            }
        }
        return total
    }

    /// The element at 0-based rank `rank`.
    public func element(at rank: Int) -> (member: ByteString, score: Double)? {
        guard rank >= 0 && rank < count else { return nil }
        var node = root
        var remaining = Int32(rank)
        while node >= 0 {
            let index = Int(node)
            let leftSize = size(left[index])
            if remaining < leftSize {
                node = left[index]
            } else if remaining == leftSize {
                return (members[index], scores[index])
            } else {
                remaining -= leftSize + 1
                node = right[index]
            }
        }
        return nil
    }

    /// Calls `body` for the elements with ranks in `range`, in order (or reverse order).
    public func forEach(ranks range: ClosedRange<Int>, reverse: Bool = false, _ body: (ByteString, Double) -> Void) {
        guard !range.isEmpty, count > 0 else { return }
        var collected: [(ByteString, Double)] = []
        collected.reserveCapacity(range.count)
        collect(root, offset: 0, range: range, into: &collected)
        if reverse { collected.reverse() }
        for (member, score) in collected { body(member, score) }
    }

    func collect(_ node: Int32, offset: Int, range: ClosedRange<Int>, into result: inout [(ByteString, Double)]) {
        guard node >= 0 else { return }
        let index = Int(node)
        let leftSize = Int(size(left[index]))
        let position = offset + leftSize
        if range.lowerBound < position { collect(left[index], offset: offset, range: range, into: &result) }
        if range.contains(position) { result.append((members[index], scores[index])) }
        if range.upperBound > position { collect(right[index], offset: position + 1, range: range, into: &result) }
    }
}
