import SwredisBytes
import SwredisKeyspace

/// List and sorted-set operations both a command and the serving of a blocked client run.
package enum ListOperations {
    /// Moves one element between lists (LMOVE and friends); returns the element, or nil when the source is
    /// missing or a WRONGTYPE was replied (check `client.currentCommandFailed`).
    package static func move(
        _ engine: Engine, _ client: ClientSession, source: UnsafeRawBufferPointer, destination: UnsafeRawBufferPointer,
        fromLeft: Bool, toLeft: Bool
    ) -> ByteString? {
        guard case .found(let from) = engine.list(client, source, write: true) else { return nil }
        if case .wrongType = engine.list(client, destination, write: true) { return nil }
        let element = fromLeft ? from.items.removeFirst() : from.items.removeLast()
        guard let to = engine.listForWrite(client, destination) else { return nil }
        if toLeft { to.items.prepend(element) } else { to.items.append(element) }
        engine.dirty += 1
        // Redis announces the push into the destination first, then the pop (and a `del` of an emptied source).
        engine.notify(client, .list, toLeft ? "lpush" : "rpush", destination)
        engine.notify(client, .list, fromLeft ? "lpop" : "rpop", source)
        engine.deleteIfEmpty(client.database, source, count: from.items.count)
        engine.signalKeyAsReady(client.database, destination)
        return element
    }

    /// LMOVE as it is propagated for a (blocking) move.
    package static func lmoveCommand(_ source: ByteString, _ destination: ByteString, fromLeft: Bool, toLeft: Bool)
        -> [ByteString]
    {
        [
            ByteString("LMOVE"), source, destination, ByteString(fromLeft ? "LEFT" : "RIGHT"),
            ByteString(toLeft ? "LEFT" : "RIGHT"),
        ]
    }
}

package enum SortedSetOperations {
    /// Removes up to `count` elements from the low (or high) end.
    package static func popElements(
        _ engine: Engine, _ client: ClientSession, _ key: UnsafeRawBufferPointer, _ zset: SortedSetValue, min: Bool,
        count: Int
    ) -> [(member: ByteString, score: Double)] {
        let taken = Swift.min(count, zset.count)
        guard taken > 0 else { return [] }
        var elements: [(member: ByteString, score: Double)] = []
        elements.reserveCapacity(taken)
        for _ in 0..<taken {
            guard let element = zset.popExtreme(lowest: min) else { break }
            elements.append(element)
        }
        engine.dirty += taken
        engine.signalModifiedKey(client.database, key)
        engine.notify(client, .zset, min ? "zpopmin" : "zpopmax", key)
        engine.deleteIfEmpty(client.database, key, count: zset.count)
        return elements
    }
}
