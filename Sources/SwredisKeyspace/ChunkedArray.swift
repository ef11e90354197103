/// An array stored as fixed-size chunks, each its own copy-on-write buffer.
///
/// Why: a snapshot (BGSAVE, AOF rewrite, full resync) copies a table in O(chunks) by sharing every chunk;
/// afterwards the engine thread copies only the chunks it writes to (Swift's copy-on-write does this), so a
/// snapshot costs memory in proportion to what changes while it is written — the behaviour Redis gets from
/// `fork()` and page copy-on-write, without forking a multithreaded process.
@usableFromInline struct ChunkedArray<Element> {
    @usableFromInline static var shift: Int { 7 }
    @usableFromInline static var chunkSize: Int { 1 << shift }
    @usableFromInline static var offsetMask: Int { chunkSize - 1 }

    @usableFromInline var chunks: [[Element]] = []
    @usableFromInline var count = 0

    @inlinable init() {}

    @inlinable var isEmpty: Bool { count == 0 }

    @inlinable subscript(position: Int) -> Element {
        get { chunks[position >> Self.shift][position & Self.offsetMask] }
        _modify { yield &chunks[position >> Self.shift][position & Self.offsetMask] }
    }

    @inlinable mutating func append(_ element: Element) {
        if count & Self.offsetMask == 0 {
            var chunk: [Element] = []
            // The first chunk grows on demand so tiny tables stay tiny; later chunks are allocated whole.
            if count > 0 { chunk.reserveCapacity(Self.chunkSize) }
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(element)
        count += 1
    }

    @inlinable mutating func removeLast() -> Element {
        let last = chunks.count - 1
        let element = chunks[last].removeLast()
        if chunks[last].isEmpty { chunks.removeLast() }
        count -= 1
        return element
    }

    @inlinable mutating func swapAt(_ first: Int, _ second: Int) {
        let held = self[first]
        self[first] = self[second]
        self[second] = held
    }

    /// Calls `body` for every element in order.
    @inlinable func forEach(_ body: (Element) throws -> Void) rethrows {
        for chunk in chunks {
            for element in chunk { try body(element) }
        }
    }

    /// Calls `body` for every element in order, dropping each chunk once visited so the owner of the
    /// original no longer has to copy it on write.
    @inlinable mutating func drain(_ body: (Element) throws -> Void) rethrows {
        for index in chunks.indices {
            let chunk = chunks[index]
            chunks[index] = []
            for element in chunk { try body(element) }
        }
        chunks = []
        count = 0
    }
}
