import NIOCore

/// The replication backlog: the last `capacity` bytes of the replication stream, kept so a replica that lost
/// its link can continue from where it stopped (`PSYNC replid offset` answered with `+CONTINUE`).
///
/// Offsets are Redis's: the stream's first byte has offset 1, `endOffset` is `master_repl_offset` (the offset
/// of the last byte appended), and `firstOffset` (`repl_backlog_first_byte_offset`) is the oldest byte kept.
public struct ReplicationBacklog {
    public private(set) var capacity: Int
    private var ring: [UInt8]
    /// Where the next byte goes in `ring`.
    private var writeIndex = 0
    /// Bytes held (`repl_backlog_histlen`), at most `capacity`.
    public private(set) var historyLength = 0
    /// Offset of the last byte appended (`master_repl_offset`).
    public private(set) var endOffset: Int

    /// An empty backlog whose next byte will have offset `endOffset + 1`.
    public init(capacity: Int, endOffset: Int) {
        self.capacity = max(16 * 1024, capacity)
        ring = [UInt8](repeating: 0, count: self.capacity)
        self.endOffset = endOffset
    }

    /// Offset of the oldest byte held (`endOffset + 1` when empty).
    public var firstOffset: Int { endOffset - historyLength + 1 }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        endOffset += bytes.count
        var source = bytes
        // Only the last `capacity` bytes can survive.
        if source.count > capacity { source = UnsafeRawBufferPointer(rebasing: source[(source.count - capacity)...]) }
        ring.withUnsafeMutableBytes { target in
            var remaining = source
            while !remaining.isEmpty {
                let room = min(capacity - writeIndex, remaining.count)
                UnsafeMutableRawBufferPointer(rebasing: target[writeIndex..<(writeIndex + room)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: remaining[..<room]))
                writeIndex = (writeIndex + room) % capacity
                remaining = UnsafeRawBufferPointer(rebasing: remaining[room...])
            }
        }
        historyLength = min(capacity, historyLength + source.count)
    }

    /// Whether the bytes from `offset` up to `endOffset` are all still held (a replica asking to continue
    /// at `offset` may also be exactly up to date: `offset == endOffset + 1`).
    public func contains(offset: Int) -> Bool {
        offset >= firstOffset && offset <= endOffset + 1
    }

    /// Appends the bytes from `offset` to the end into `buffer`; `offset` must satisfy `contains`.
    public func copy(from offset: Int, into buffer: inout ByteBuffer) {
        let count = endOffset + 1 - offset
        guard count > 0 else { return }
        let start = (writeIndex - (endOffset + 1 - offset) + capacity * 2) % capacity
        ring.withUnsafeBytes { source in
            let first = min(count, capacity - start)
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: source[start..<(start + first)]))
            if first < count { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: source[0..<(count - first)])) }
        }
    }

    /// A backlog of a new size holding as much of the recent history as fits (CONFIG SET repl-backlog-size).
    public func resized(to newCapacity: Int) -> ReplicationBacklog {
        var resized = ReplicationBacklog(
            capacity: newCapacity, endOffset: endOffset - min(historyLength, max(16 * 1024, newCapacity)))
        var held = ByteBufferAllocator().buffer(capacity: historyLength)
        copy(from: resized.endOffset + 1, into: &held)
        held.withUnsafeReadableBytes { resized.append($0) }
        return resized
    }
}
