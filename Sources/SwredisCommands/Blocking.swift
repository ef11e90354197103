import SwredisBytes
import SwredisKeyspace

/// A key in a database, for the blocking and WATCH tables.
public struct DatabaseKey: Hashable {
    public let db: Int
    public let key: ByteString
}

/// What a blocked client waits to do once one of its keys has data.
enum BlockedOperation {
    case pop(left: Bool)
    case move(destination: ByteString, fromLeft: Bool, toLeft: Bool)
    case multiPop(left: Bool, count: Int)
    case zsetPop(min: Bool)
    case zsetMultiPop(min: Bool, count: Int)
    /// WAIT: until `replicas` replicas acknowledged `offset`.
    case replicationWait(offset: Int, replicas: Int)
}

/// A client parked by BLPOP & co.
struct BlockedState {
    let db: Int
    let keys: [ByteString]
    let operation: BlockedOperation
    /// Unix ms; nil blocks forever.
    let deadline: Int?
}

/// Blocking list operations (Redis's `blocked.c`): clients wait in FIFO order per key; a write that adds
/// elements marks the key ready, and after the command the engine serves waiting clients in arrival order.
extension Engine {
    /// Parks `client` on `keys` (called by a blocking command that found no data).
    func block(_ client: ClientSession, keys: [ByteString], operation: BlockedOperation, timeoutMilliseconds: Int) {
        let deadline = timeoutMilliseconds > 0 ? Engine.unixMilliseconds() + timeoutMilliseconds : nil
        client.blocked = BlockedState(db: client.database, keys: keys, operation: operation, deadline: deadline)
        for key in keys { blockedClients[DatabaseKey(db: client.database, key: key), default: []].append(client) }
        blockedClientCount += 1
        host?.clientBlocked(client, deadline: deadline)
    }

    /// Removes a client from every wait queue.
    func unblock(_ client: ClientSession) {
        guard let state = client.blocked else { return }
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
    func signalKeyAsReady(_ db: Int, _ key: UnsafeRawBufferPointer) {
        guard !blockedClients.isEmpty else { return }
        signalKeyAsReady(db, ByteString(key))
    }

    func signalKeyAsReady(_ db: Int, _ key: ByteString) {
        let blockKey = DatabaseKey(db: db, key: key)
        if blockedClients[blockKey] != nil { readyKeys.append(blockKey) }
    }

    /// A key was created or replaced (SET-like stores, RENAME, MOVE, COPY, SORT STORE...): a list or sorted set may
    /// serve clients blocked on it, as Redis's `dbAdd` signals.
    func keyStored(_ db: Int, _ key: ByteString, _ value: Value) {
        guard !blockedClients.isEmpty else { return }
        switch value {
        case .list, .zset: signalKeyAsReady(db, key)
        default: break
        }
    }

    /// After SWAPDB: every blocked-on key that now holds a value in those databases is checked.
    func signalBlockedKeysPresent(inDatabases databaseIndexes: [Int]) {
        for blockKey in blockedClients.keys where databaseIndexes.contains(blockKey.db) {
            if databases[blockKey.db].keys.index(of: blockKey.key) != nil { readyKeys.append(blockKey) }
        }
    }

    /// Serves blocked clients whose keys became ready, in the order they blocked.
    func handleReadyKeys() {
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
        case .zsetPop, .zsetMultiPop, .replicationWait:
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
                    ListCommands.move(
                        self, client, source: source, destination: target, fromLeft: fromLeft, toLeft: toLeft)
                }
            }
            if let moved {
                touchWatchedKey(db, destination)
                moved.withUnsafeBytes { client.reply.bulk($0) }
                propagate(db, Engine.lmoveCommand(blockKey.key, destination, fromLeft: fromLeft, toLeft: toLeft))
            }
        }
        if list.items.isEmpty, let current = databases[db].keys.index(of: blockKey.key),
            case .list(let stillThere) = databases[db].keys.value(at: current).value, stillThere === list
        {
            databases[db].remove(blockKey.key)
            notifyKeyspaceEvent(.generic, "del", blockKey.key, db)
        }
        touchWatchedKey(db, blockKey.key)
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
                SortedSetCommands.popElements(self, client, $0, zset, min: min, count: 1)
            }
            propagate(blockKey.db, [ByteString(min ? "ZPOPMIN" : "ZPOPMAX"), blockKey.key])
            client.reply.arrayHeader(3)
            blockKey.key.withUnsafeBytes { client.reply.bulk($0) }
            elements[0].member.withUnsafeBytes { client.reply.bulk($0) }
            client.replyScore(elements[0].score)
        case .zsetMultiPop(let min, let count):
            elements = blockKey.key.withUnsafeBytes {
                SortedSetCommands.popElements(self, client, $0, zset, min: min, count: count)
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
        touchWatchedKey(blockKey.db, blockKey.key)
        unblock(client)
        return true
    }

    /// The reply a blocked client gets when its timeout passes (or CLIENT UNBLOCK ... TIMEOUT).
    public func timeOutBlockedClient(_ client: ClientSession) {
        guard let state = client.blocked else { return }
        switch state.operation {
        case .move, .pop, .multiPop, .zsetPop, .zsetMultiPop: client.reply.nullArray()
        case .replicationWait(let offset, _): client.reply.integer(replicasAcknowledging(offset))
        }
        unblock(client)
    }

    /// CLIENT UNBLOCK ... ERROR.
    func failBlockedClient(_ client: ClientSession) {
        guard client.blocked != nil else { return }
        client.error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
        unblock(client)
    }
}

/// The blocking list commands.
enum BlockingCommands {
    static let specs: [CommandSpec] = [
        CommandSpec(
            "blpop", arity: -3, flags: [.write, .noscript, .blocking], keys: .poppedBeforeTimeout,
            categories: ["write", "list", "slow", "blocking"], group: "list",
            summary: "Remove and get the first element in a list, or block until one is available", since: "2.0.0",
            handler: { blockingPop($0, $1, $2, left: true) }),
        CommandSpec(
            "brpop", arity: -3, flags: [.write, .noscript, .blocking], keys: .poppedBeforeTimeout,
            categories: ["write", "list", "slow", "blocking"], group: "list",
            summary: "Remove and get the last element in a list, or block until one is available", since: "2.0.0",
            handler: { blockingPop($0, $1, $2, left: false) }),
        CommandSpec(
            "blmove", arity: 6, flags: [.write, .denyOOM, .noscript, .blocking],
            keys: KeySpec(first: 1, last: 2, step: 1), categories: ["write", "list", "slow", "blocking"], group: "list",
            summary:
                "Pop an element from a list, push it to another list and return it; or block until one is available",
            since: "6.2.0", handler: blmove),
        CommandSpec(
            "brpoplpush", arity: 4, flags: [.write, .denyOOM, .noscript, .blocking],
            keys: KeySpec(first: 1, last: 2, step: 1), categories: ["write", "list", "slow", "blocking"], group: "list",
            summary:
                "Pop an element from a list, push it to another list and return it; or block until one is available",
            since: "2.2.0", handler: brpoplpush),
        CommandSpec(
            "bzpopmin", arity: -3, flags: [.write, .noscript, .fast, .blocking], keys: .poppedBeforeTimeout,
            categories: ["write", "sortedset", "fast", "blocking"], group: "sorted-set",
            summary:
                "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
            since: "5.0.0", handler: { blockingZsetPop($0, $1, $2, min: true) }),
        CommandSpec(
            "bzpopmax", arity: -3, flags: [.write, .noscript, .fast, .blocking], keys: .poppedBeforeTimeout,
            categories: ["write", "sortedset", "fast", "blocking"], group: "sorted-set",
            summary:
                "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
            since: "5.0.0", handler: { blockingZsetPop($0, $1, $2, min: false) }),
        CommandSpec(
            "bzmpop", arity: -5, flags: [.write, .blocking], keys: .numKeys(at: 2, written: .served),
            categories: ["write", "sortedset", "slow", "blocking"], group: "sorted-set",
            summary: "Remove and return members with scores in a sorted set or block until one is available",
            since: "7.0.0", handler: bzmpop),
        CommandSpec(
            "blmpop", arity: -5, flags: [.write, .blocking], keys: .numKeys(at: 2, written: .served),
            categories: ["write", "list", "slow", "blocking"], group: "list",
            summary: "Pop elements from a list, or block until one is available", since: "7.0.0", handler: blmpop),
    ]

    /// Parses a timeout in seconds (decimals allowed) into milliseconds, replying with Redis's errors.
    static func timeout(_ client: ClientSession, _ args: Arguments, _ index: Int) -> Int? {
        guard let seconds = StringNumbers.parseLongDouble(args[index]) else {
            client.error("ERR timeout is not a float or out of range")
            return nil
        }
        // Redis converts to a 64-bit millisecond count; values that don't fit (inf, 1e400) come out negative.
        let milliseconds = seconds * 1000
        guard milliseconds.isFinite, milliseconds < 9.2e18, milliseconds >= 0 else {
            client.error("ERR timeout is negative")
            return nil
        }
        // Rounded up, as Redis's ceill: 0.001 s must not become 0 (no timeout at all).
        let result = Int(milliseconds.rounded(.up))
        guard result <= Int.max - Engine.unixMilliseconds() else {
            client.error("ERR timeout is out of range")
            return nil
        }
        return result
    }

    /// Parses a whole-millisecond timeout (CLIENT PAUSE, WAIT), replying with Redis's errors.
    static func millisecondsTimeout(_ client: ClientSession, _ args: Arguments, _ index: Int) -> Int? {
        guard let timeout = args.integer(index) else {
            client.error("ERR timeout is not an integer or out of range")
            return nil
        }
        guard timeout >= 0 else {
            client.error("ERR timeout is negative")
            return nil
        }
        return timeout
    }

    static func blockingPop(_ engine: Engine, _ client: ClientSession, _ args: Arguments, left: Bool) {
        guard let timeout = timeout(client, args, args.count - 1) else { return }
        for index in 1..<(args.count - 1) {
            switch engine.list(client, args[index], write: true) {
            case .wrongType: return
            case .missing: continue
            case .found(let list):
                let element = left ? list.items.removeFirst() : list.items.removeLast()
                client.reply.arrayHeader(2)
                client.reply.bulk(args[index])
                element.withUnsafeBytes { client.reply.bulk($0) }
                engine.notify(client, .list, left ? "lpop" : "rpop", args[index])
                ListCommands.finishPop(engine, client, args[index], list, removed: 1)
                engine.propagateInstead([[ByteString(left ? "LPOP" : "RPOP"), args.bytes(index)]])
                return
            }
        }
        if client.inTransaction {
            client.reply.nullArray()
            return
        }
        engine.block(
            client, keys: (1..<(args.count - 1)).map { args.bytes($0) }, operation: .pop(left: left),
            timeoutMilliseconds: timeout)
    }

    static func blockingZsetPop(_ engine: Engine, _ client: ClientSession, _ args: Arguments, min: Bool) {
        guard let timeout = timeout(client, args, args.count - 1) else { return }
        for index in 1..<(args.count - 1) {
            switch engine.zset(client, args[index], write: true) {
            case .wrongType: return
            case .missing: continue
            case .found(let zset):
                let element = SortedSetCommands.popElements(engine, client, args[index], zset, min: min, count: 1)[0]
                engine.propagateInstead([[ByteString(min ? "ZPOPMIN" : "ZPOPMAX"), args.bytes(index)]])
                client.reply.arrayHeader(3)
                client.reply.bulk(args[index])
                element.member.withUnsafeBytes { client.reply.bulk($0) }
                client.replyScore(element.score)
                return
            }
        }
        if client.inTransaction {
            client.reply.nullArray()
            return
        }
        engine.block(
            client, keys: (1..<(args.count - 1)).map { args.bytes($0) }, operation: .zsetPop(min: min),
            timeoutMilliseconds: timeout)
    }

    static func bzmpop(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        // Redis checks numkeys, the keys and COUNT before the timeout.
        guard let request = SharedArguments.multiPop(client, args, from: 2, front: "min", back: "max") else { return }
        guard let timeout = timeout(client, args, 1) else { return }
        if SortedSetCommands.multiPop(engine, client, args, request) {
            engine.propagateInstead([[ByteString("ZMPOP")] + (2..<args.count).map { args.bytes($0) }])
            return
        }
        if client.inTransaction {
            client.reply.nullArray()
            return
        }
        engine.block(
            client, keys: request.keys.map { args.bytes($0) },
            operation: .zsetMultiPop(min: request.fromFront, count: request.count), timeoutMilliseconds: timeout)
    }

    static func blmove(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let fromLeft = ListCommands.side(args, 3), let toLeft = ListCommands.side(args, 4) else {
            client.error(RedisError.syntax)
            return
        }
        blockingMove(engine, client, args, fromLeft: fromLeft, toLeft: toLeft, timeoutIndex: 5)
    }

    static func brpoplpush(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        blockingMove(engine, client, args, fromLeft: false, toLeft: true, timeoutIndex: 3)
    }

    static func blockingMove(
        _ engine: Engine, _ client: ClientSession, _ args: Arguments, fromLeft: Bool, toLeft: Bool, timeoutIndex: Int
    ) {
        guard let timeout = timeout(client, args, timeoutIndex) else { return }
        if let element = ListCommands.move(
            engine, client, source: args[1], destination: args[2], fromLeft: fromLeft, toLeft: toLeft)
        {
            element.withUnsafeBytes { client.reply.bulk($0) }
            engine.propagateInstead([
                Engine.lmoveCommand(args.bytes(1), args.bytes(2), fromLeft: fromLeft, toLeft: toLeft)
            ])
            return
        }
        if client.currentCommandFailed { return }
        if client.inTransaction {
            client.reply.null()
            return
        }
        engine.block(
            client, keys: [args.bytes(1)],
            operation: .move(destination: args.bytes(2), fromLeft: fromLeft, toLeft: toLeft),
            timeoutMilliseconds: timeout)
    }

    static func blmpop(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        // Redis checks numkeys, the keys and COUNT before the timeout.
        guard let request = SharedArguments.multiPop(client, args, from: 2, front: "left", back: "right") else {
            return
        }
        guard let timeout = timeout(client, args, 1) else { return }
        if ListCommands.multiPop(engine, client, args, request) {
            engine.propagateInstead([[ByteString("LMPOP")] + (2..<args.count).map { args.bytes($0) }])
            return
        }
        if client.inTransaction {
            client.reply.nullArray()
            return
        }
        engine.block(
            client, keys: request.keys.map { args.bytes($0) },
            operation: .multiPop(left: request.fromFront, count: request.count), timeoutMilliseconds: timeout)
    }
}

extension Engine {
    /// LMOVE as it is propagated for a (blocking) move.
    static func lmoveCommand(_ source: ByteString, _ destination: ByteString, fromLeft: Bool, toLeft: Bool)
        -> [ByteString]
    {
        [
            ByteString("LMOVE"), source, destination, ByteString(fromLeft ? "LEFT" : "RIGHT"),
            ByteString(toLeft ? "LEFT" : "RIGHT"),
        ]
    }
}
