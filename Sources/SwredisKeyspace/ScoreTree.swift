import SwredisBytes

/// The ordered index of a sorted set: a treap (randomised balanced binary search tree) ordered by
/// (score, member), with subtree sizes so rank, select and range-by-rank are O(log n).
///
/// Nodes live in one array addressed by 32-bit indexes (no object per element). A node's score, links, size and
/// priority take 24 bytes, so a descent costs at most one cache miss per level; members sit in a parallel array and
/// are read only when scores tie. Insert and remove walk down once,
/// fixing subtree sizes on the way, and restructure only where the treap's priorities require it (expected O(1)
/// nodes), instead of splitting and re-merging the whole path.
public struct ScoreTree {
    @usableFromInline struct Node {
        var score: Double
        var left: Int32
        var right: Int32
        var size: Int32
        var priority: UInt32
    }

    @usableFromInline var nodes: [Node] = []
    /// `members[i]` is node i's member.
    @usableFromInline var members: [ByteString] = []
    var freeNodes: [Int32] = []
    @usableFromInline var root: Int32 = -1
    /// Node priorities only shape the tree (its expected depth), so a fast seeded generator will do.
    var random = SplitMix64()

    public init() {}

    public var count: Int { root < 0 ? 0 : Int(nodes[Int(root)].size) }

    @inline(__always) func size(_ node: Int32) -> Int32 { node < 0 ? 0 : nodes[Int(node)].size }

    @inline(__always) mutating func update(_ node: Int32) {
        let index = Int(node)
        nodes[index].size = 1 + size(nodes[index].left) + size(nodes[index].right)
    }

    /// Whether (scoreA, memberA) sorts before (scoreB, memberB).
    @inline(__always) public static func precedes(
        _ scoreA: Double, _ memberA: ByteString, _ scoreB: Double, _ memberB: ByteString
    ) -> Bool {
        scoreA < scoreB || (scoreA == scoreB && memberA < memberB)
    }

    @inline(__always) func nodePrecedes(_ node: Int32, _ score: Double, _ member: ByteString) -> Bool {
        let index = Int(node)
        let nodeScore = nodes[index].score
        return nodeScore < score || (nodeScore == score && members[index] < member)
    }

    mutating func makeNode(_ member: ByteString, _ score: Double, priority: UInt32) -> Int32 {
        let node = Node(score: score, left: -1, right: -1, size: 1, priority: priority)
        if let reused = freeNodes.popLast() {
            nodes[Int(reused)] = node
            members[Int(reused)] = member
            return reused
        }
        nodes.append(node)
        members.append(member)
        return Int32(nodes.count - 1)
    }

    /// Splits `node` into the elements before (score, member) and the rest.
    mutating func split(_ node: Int32, _ score: Double, _ member: ByteString) -> (Int32, Int32) {
        guard node >= 0 else { return (-1, -1) }
        let index = Int(node)
        if nodePrecedes(node, score, member) {
            let (lower, upper) = split(nodes[index].right, score, member)
            nodes[index].right = lower
            update(node)
            return (node, upper)
        }
        let (lower, upper) = split(nodes[index].left, score, member)
        nodes[index].left = upper
        update(node)
        return (lower, node)
    }

    /// Joins two trees where every element of `a` precedes every element of `b`.
    mutating func merge(_ a: Int32, _ b: Int32) -> Int32 {
        if a < 0 { return b }
        if b < 0 { return a }
        if nodes[Int(a)].priority > nodes[Int(b)].priority {
            nodes[Int(a)].right = merge(nodes[Int(a)].right, b)
            update(a)
            return a
        }
        nodes[Int(b)].left = merge(a, nodes[Int(b)].left)
        update(b)
        return b
    }

    /// Points the link that held `old` (the root, or a child link of `parent`) at `new`.
    @inline(__always) mutating func relink(parent: Int32, wasLeft: Bool, to new: Int32) {
        if parent < 0 {
            root = new
        } else if wasLeft {
            nodes[Int(parent)].left = new
        } else {
            nodes[Int(parent)].right = new
        }
    }

    /// Adds an element (the caller guarantees the member is not present).
    public mutating func insert(_ member: ByteString, _ score: Double) {
        let priority = UInt32(truncatingIfNeeded: random.next() >> 32)
        // Walk down while the nodes outrank the new one: each of them gains one descendant.
        var parent: Int32 = -1
        var wasLeft = false
        var node = root
        while node >= 0 && nodes[Int(node)].priority >= priority {
            nodes[Int(node)].size += 1
            parent = node
            wasLeft = !nodePrecedes(node, score, member)
            node = wasLeft ? nodes[Int(node)].left : nodes[Int(node)].right
        }
        // The new node takes this place; the subtree below it is split around the new element.
        let (lower, upper) = split(node, score, member)
        let new = makeNode(member, score, priority: priority)
        nodes[Int(new)].left = lower
        nodes[Int(new)].right = upper
        update(new)
        relink(parent: parent, wasLeft: wasLeft, to: new)
    }

    /// Removes the element (score, member); returns false if it was not there.
    @discardableResult
    public mutating func remove(_ member: ByteString, _ score: Double) -> Bool {
        var parent: Int32 = -1
        var wasLeft = false
        var node = root
        while node >= 0 {
            let index = Int(node)
            if nodes[index].score == score && members[index] == member {
                relink(parent: parent, wasLeft: wasLeft, to: merge(nodes[index].left, nodes[index].right))
                members[index] = .empty
                freeNodes.append(node)
                return true
            }
            // Every node on the way loses one descendant, assuming the element is found (undone below if not).
            nodes[index].size -= 1
            parent = node
            wasLeft = !nodePrecedes(node, score, member)
            node = wasLeft ? nodes[index].left : nodes[index].right
        }
        restoreSizes(along: member, score)
        return false
    }

    /// Removes and returns the first (or last) element in one walk down the tree's left (or right) spine.
    public mutating func removeExtreme(first: Bool) -> (member: ByteString, score: Double)? {
        guard root >= 0 else { return nil }
        var parent: Int32 = -1
        var node = root
        while true {
            let next = first ? nodes[Int(node)].left : nodes[Int(node)].right
            if next < 0 { break }
            nodes[Int(node)].size -= 1
            parent = node
            node = next
        }
        let index = Int(node)
        let element = (member: members[index], score: nodes[index].score)
        // The extreme node has no child on the spine's side; its other subtree takes its place.
        relink(parent: parent, wasLeft: first, to: first ? nodes[index].right : nodes[index].left)
        members[index] = .empty
        freeNodes.append(node)
        return element
    }

    /// Gives back the descendant that a failed `remove` took from each node on its path.
    mutating func restoreSizes(along member: ByteString, _ score: Double) {
        var node = root
        while node >= 0 {
            let index = Int(node)
            nodes[index].size += 1
            node = nodePrecedes(node, score, member) ? nodes[index].right : nodes[index].left
        }
    }

    /// 0-based rank of (score, member): how many elements precede it.
    public func rank(_ member: ByteString, _ score: Double) -> Int {
        var node = root
        var total = 0
        while node >= 0 {
            let index = Int(node)
            if nodePrecedes(node, score, member) {
                total += Int(size(nodes[index].left)) + 1
                node = nodes[index].right
            } else {
                node = nodes[index].left
            }
        }
        return total
    }

    /// Number of elements for which `isBefore` holds; `isBefore` must be true on a prefix of the order.
    public func countPreceding(_ isBefore: (Double, ByteString) -> Bool) -> Int {
        var node = root
        var total = 0
        while node >= 0 {
            let index = Int(node)
            if isBefore(nodes[index].score, members[index]) {
                total += Int(size(nodes[index].left)) + 1
                node = nodes[index].right
            } else {
                node = nodes[index].left
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
            let leftSize = size(nodes[index].left)
            if remaining < leftSize {
                node = nodes[index].left
            } else if remaining == leftSize {
                return (members[index], nodes[index].score)
            } else {
                remaining -= leftSize + 1
                node = nodes[index].right
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
        let leftSize = Int(size(nodes[index].left))
        let position = offset + leftSize
        if range.lowerBound < position { collect(nodes[index].left, offset: offset, range: range, into: &result) }
        if range.contains(position) { result.append((members[index], nodes[index].score)) }
        if range.upperBound > position {
            collect(nodes[index].right, offset: position + 1, range: range, into: &result)
        }
    }
}
