import SwredisBytes
import SwredisKeyspace

/// A key in a database, for the blocking and WATCH tables.
public struct DatabaseKey: Hashable {
    public let db: Int
    public let key: ByteString

    public init(db: Int, key: ByteString) {
        self.db = db
        self.key = key
    }
}

/// What a blocked client waits to do once one of its keys has data.
package enum BlockedOperation {
    case pop(left: Bool)
    case move(destination: ByteString, fromLeft: Bool, toLeft: Bool)
    case multiPop(left: Bool, count: Int)
    case zsetPop(min: Bool)
    case zsetMultiPop(min: Bool, count: Int)
    /// WAIT: until `replicas` replicas acknowledged `offset`.
    case replicationWait(offset: Int, replicas: Int)
    /// The caller of a busy script (no keys, no timeout): released when the script ends.
    case script
    /// The caller of a MIGRATE or RESTORE working off the engine thread: released when the transfer ends.
    case keyTransfer

    /// Whether only the work itself ends the wait (no timeout, no CLIENT UNBLOCK).
    package var endsWithItsWork: Bool {
        switch self {
        case .script, .keyTransfer: return true
        default: return false
        }
    }
}

/// A client parked by BLPOP & co.
package struct BlockedState {
    package let db: Int
    package let keys: [ByteString]
    package let operation: BlockedOperation
    /// Unix ms; nil blocks forever.
    package let deadline: Int?
}

/// Blocking list operations (Redis's `blocked.c`): clients wait in FIFO order per key; a write that adds
/// elements marks the key ready, and after the command the engine serves waiting clients in arrival order.
extension Engine {
    /// Parks `client` on `keys` (called by a blocking command that found no data).
    package func block(
        _ client: ClientSession, keys: [ByteString], operation: BlockedOperation, timeoutMilliseconds: Int
    ) {
        let deadline = timeoutMilliseconds > 0 ? clock.unixMilliseconds() + timeoutMilliseconds : nil
        client.blocked = BlockedState(db: client.database, keys: keys, operation: operation, deadline: deadline)
        for key in keys { blockedClients[DatabaseKey(db: client.database, key: key), default: []].append(client) }
        blockedClientCount += 1
        host?.clientBlocked(client, deadline: deadline)
    }

    /// Removes a client from every wait queue.
    package func unblock(_ client: ClientSession) {
        guard let state = client.blocked else { return }
        // A busy script's caller is released by `busyScriptEnded` only, a transfer's by `endKeyTransfer`.
        if state.operation.endsWithItsWork { return }
        for key in state.keys {
            let blockKey = DatabaseKey(db: state.db, key: key)
            blockedClients[blockKey]?.removeAll { $0 === client }
            if blockedClients[blockKey]?.isEmpty == true { blockedClients.removeValue(forKey: blockKey) }
        }
        if case .replicationWait = state.operation { replication.clientsWaitingForAcks.removeAll { $0 === client } }
        client.blocked = nil
        blockedClientCount -= 1
        clientsWithPendingWrites.append(client)
        host?.clientUnblocked(client)
    }

    /// Marks a key that received elements, if anyone waits for it.
    package func signalKeyAsReady(_ db: Int, _ key: UnsafeRawBufferPointer) {
        guard !blockedClients.isEmpty else { return }
        signalKeyAsReady(db, ByteString(key))
    }

    package func signalKeyAsReady(_ db: Int, _ key: ByteString) {
        let blockKey = DatabaseKey(db: db, key: key)
        if blockedClients[blockKey] != nil { readyKeys.append(blockKey) }
    }

    /// A key was created or replaced (SET-like stores, RENAME, MOVE, COPY, SORT STORE...): a list or sorted set may
    /// serve clients blocked on it, as Redis's `dbAdd` signals.
    package func keyStored(_ db: Int, _ key: ByteString, _ value: Value) {
        guard !blockedClients.isEmpty else { return }
        switch value {
        case .list, .zset: signalKeyAsReady(db, key)
        default: break
        }
    }

    /// After SWAPDB: every blocked-on key that now holds a value in those databases is checked.
    package func signalBlockedKeysPresent(inDatabases databaseIndexes: [Int]) {
        for blockKey in blockedClients.keys where databaseIndexes.contains(blockKey.db) {
            if databases[blockKey.db].keys.index(of: blockKey.key) != nil { readyKeys.append(blockKey) }
        }
    }

    /// Serves blocked clients whose keys became ready, in the order they blocked.
    package func handleReadyKeys() {
        while !readyKeys.isEmpty {
            let ready = readyKeys
            readyKeys.removeAll()
            for blockKey in ready {
                while let waiting = blockedClients[blockKey]?.first {
                    guard serve(waiting, blockKey) else { break }
                }
            }
        }
    }

    /// Runs a blocked client's operation on a ready key; returns false when the key has no data (anymore).
    private func serve(_ client: ClientSession, _ blockKey: DatabaseKey) -> Bool {
        guard let state = client.blocked else { return false }
        let db = blockKey.db
        guard let position = databases[db].keys.index(of: blockKey.key) else { return false }
        let previousDatabase = client.database
        client.database = db
        defer { client.database = previousDatabase }
        databases[db].prepareForInPlaceWrite(at: position, generations: snapshotGenerations)
        if case .zset(let zset) = databases[db].keys.value(at: position).value {
            return serveSortedSet(client, blockKey, zset, state.operation)
        }
        guard case .list(let list) = databases[db].keys.value(at: position).value, !list.items.isEmpty else {
            return false
        }
        switch state.operation {
        case .zsetPop, .zsetMultiPop, .replicationWait, .script, .keyTransfer:
            return false
        case .pop(let left):
            let element = left ? list.items.removeFirst() : list.items.removeLast()
            client.reply.arrayHeader(2)
            blockKey.key.withUnsafeBytes { client.reply.bulk($0) }
            element.withUnsafeBytes { client.reply.bulk($0) }
            dirty += 1
            notifyKeyspaceEvent(.list, left ? "lpop" : "rpop", blockKey.key, db)
            propagate(db, [ByteString(left ? "LPOP" : "RPOP"), blockKey.key])
        case .multiPop(let left, let count):
            let taken = min(count, list.items.count)
            client.reply.arrayHeader(2)
            blockKey.key.withUnsafeBytes { client.reply.bulk($0) }
            client.reply.arrayHeader(taken)
            for _ in 0..<taken {
                let element = left ? list.items.removeFirst() : list.items.removeLast()
                element.withUnsafeBytes { client.reply.bulk($0) }
            }
            dirty += taken
            notifyKeyspaceEvent(.list, left ? "lpop" : "rpop", blockKey.key, db)
            propagate(db, [ByteString(left ? "LPOP" : "RPOP"), blockKey.key, ByteString(String(taken))])
        case .move(let destination, let fromLeft, let toLeft):
            let moved = blockKey.key.withUnsafeBytes { source in
                destination.withUnsafeBytes { target in
                    ListOperations.move(
                        self, client, source: source, destination: target, fromLeft: fromLeft, toLeft: toLeft)
                }
            }
            if let moved {
                signalModifiedKey(db, destination)
                moved.withUnsafeBytes { client.reply.bulk($0) }
                propagate(
                    db, ListOperations.lmoveCommand(blockKey.key, destination, fromLeft: fromLeft, toLeft: toLeft))
            }
        }
        if list.items.isEmpty, let current = databases[db].keys.index(of: blockKey.key),
            case .list(let stillThere) = databases[db].keys.value(at: current).value, stillThere === list
        {
            databases[db].remove(blockKey.key)
            notifyKeyspaceEvent(.generic, "del", blockKey.key, db)
        }
        signalModifiedKey(db, blockKey.key)
        unblock(client)
        return true
    }

    private func serveSortedSet(
        _ client: ClientSession, _ blockKey: DatabaseKey, _ zset: SortedSetValue, _ operation: BlockedOperation
    ) -> Bool {
        guard zset.count > 0 else { return false }
        let elements: [(member: ByteString, score: Double)]
        switch operation {
        case .zsetPop(let min):
            elements = blockKey.key.withUnsafeBytes {
                SortedSetOperations.popElements(self, client, $0, zset, min: min, count: 1)
            }
            propagate(blockKey.db, [ByteString(min ? "ZPOPMIN" : "ZPOPMAX"), blockKey.key])
            client.reply.arrayHeader(3)
            blockKey.key.withUnsafeBytes { client.reply.bulk($0) }
            elements[0].member.withUnsafeBytes { client.reply.bulk($0) }
            client.replyScore(elements[0].score)
        case .zsetMultiPop(let min, let count):
            elements = blockKey.key.withUnsafeBytes {
                SortedSetOperations.popElements(self, client, $0, zset, min: min, count: count)
            }
            propagate(
                blockKey.db,
                [ByteString(min ? "ZPOPMIN" : "ZPOPMAX"), blockKey.key, ByteString(String(elements.count))])
            client.reply.arrayHeader(2)
            blockKey.key.withUnsafeBytes { client.reply.bulk($0) }
            client.reply.arrayHeader(elements.count)
            for element in elements {
                client.reply.arrayHeader(2)
                element.member.withUnsafeBytes { client.reply.bulk($0) }
                client.replyScore(element.score)
            }
        default:
            return false
        }
        signalModifiedKey(blockKey.db, blockKey.key)
        unblock(client)
        return true
    }

    /// The reply a blocked client gets when its timeout passes (or CLIENT UNBLOCK ... TIMEOUT).
    public func timeOutBlockedClient(_ client: ClientSession) {
        guard let state = client.blocked else { return }
        switch state.operation {
        case .move, .pop, .multiPop, .zsetPop, .zsetMultiPop: client.reply.nullArray()
        case .replicationWait(let offset, _): client.reply.integer(replicasAcknowledging(offset))
        case .script, .keyTransfer: return
        }
        unblock(client)
    }

    /// CLIENT UNBLOCK ... ERROR.
    package func failBlockedClient(_ client: ClientSession) {
        guard client.blocked != nil else { return }
        client.error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
        unblock(client)
    }
}
