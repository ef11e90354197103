import DequeModule
import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// List commands (Redis's `t_list.c`); the blocking variants are in `BlockingCommands`.
enum ListCommands {

    static let bindings: [CommandBinding] = [
        CommandBinding("lpush") { push($0, $1, $2, left: true, onlyExisting: false) },
        CommandBinding("rpush") { push($0, $1, $2, left: false, onlyExisting: false) },
        CommandBinding("lpushx") { push($0, $1, $2, left: true, onlyExisting: true) },
        CommandBinding("rpushx") { push($0, $1, $2, left: false, onlyExisting: true) },
        CommandBinding("lpop") { pop($0, $1, $2, left: true) },
        CommandBinding("rpop") { pop($0, $1, $2, left: false) },
        CommandBinding("llen", llen),
        CommandBinding("lrange", lrange),
        CommandBinding("lindex", lindex),
        CommandBinding("lset", lset),
        CommandBinding("lrem", lrem),
        CommandBinding("ltrim", ltrim),
        CommandBinding("linsert", linsert),
        CommandBinding("lpos", lpos),
        CommandBinding("lmove", lmove),
        CommandBinding("rpoplpush", rpoplpush),
        CommandBinding("lmpop", options: [.touchesServedKeyOnly], lmpop),
    ]

    static func push(_ engine: Engine, _ client: ClientSession, _ args: Arguments, left: Bool, onlyExisting: Bool) {
        let list: ListValue
        if onlyExisting {
            switch engine.list(client, args[1], write: true) {
            case .wrongType: return
            case .missing:
                client.reply.integer(0)
                return
            case .found(let existing): list = existing
            }
        } else {
            guard let existing = engine.listForWrite(client, args[1]) else { return }
            list = existing
        }
        for index in 2..<args.count {
            if left { list.items.prepend(args.bytes(index)) } else { list.items.append(args.bytes(index)) }
        }
        engine.dirty += args.count - 2
        engine.notify(client, .list, left ? "lpush" : "rpush", args[1])
        engine.signalKeyAsReady(client.database, args[1])
        client.reply.integer(list.items.count)
    }

    static func pop(_ engine: Engine, _ client: ClientSession, _ args: Arguments, left: Bool) {
        guard args.count <= 3 else {
            client.error(RedisError.wrongArity(left ? "lpop" : "rpop"))
            return
        }
        let (count, failed) = SharedArguments.popCount(client, args)
        if failed { return }
        let list: ListValue
        switch engine.list(client, args[1], write: true) {
        case .wrongType: return
        case .missing:
            if count != nil { client.reply.nullArray() } else { client.reply.null() }
            return
        case .found(let existing): list = existing
        }
        guard let count else {
            let element = left ? list.items.removeFirst() : list.items.removeLast()
            element.withUnsafeBytes { client.reply.bulk($0) }
            engine.notify(client, .list, left ? "lpop" : "rpop", args[1])
            finishPop(engine, client, args[1], list, removed: 1)
            return
        }
        let taken = min(count, list.items.count)
        client.reply.arrayHeader(taken)
        for _ in 0..<taken {
            let element = left ? list.items.removeFirst() : list.items.removeLast()
            element.withUnsafeBytes { client.reply.bulk($0) }
        }
        if taken > 0 {
            engine.notify(client, .list, left ? "lpop" : "rpop", args[1])
            finishPop(engine, client, args[1], list, removed: taken)
        }
    }

    static func finishPop(
        _ engine: Engine, _ client: ClientSession, _ key: UnsafeRawBufferPointer, _ list: ListValue, removed: Int
    ) {
        engine.dirty += removed
        engine.signalModifiedKey(client.database, key)
        engine.deleteIfEmpty(client.database, key, count: list.items.count)
    }

    static func llen(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        switch engine.list(client, args[1], write: false) {
        case .wrongType: return
        case .missing: client.reply.integer(0)
        case .found(let list): client.reply.integer(list.items.count)
        }
    }

    static func lrange(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let start = args.integerOrReply(2, client), let end = args.integerOrReply(3, client) else { return }
        switch engine.list(client, args[1], write: false) {
        case .wrongType: return
        case .missing: client.reply.arrayHeader(0)
        case .found(let list):
            guard let range = normalizedRange(start: start, end: end, count: list.items.count) else {
                client.reply.arrayHeader(0)
                return
            }
            let items = list.items
            client.reply.arrayHeader(range.count)
            for index in range { items[index].withUnsafeBytes { client.reply.bulk($0) } }
        }
    }

    static func lindex(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        switch engine.list(client, args[1], write: false) {
        case .wrongType: return
        case .missing: client.reply.null()
        case .found(let list):
            guard let index = args.integerOrReply(2, client) else { return }
            let position = index < 0 ? list.items.count + index : index
            guard position >= 0 && position < list.items.count else {
                client.reply.null()
                return
            }
            list.items[position].withUnsafeBytes { client.reply.bulk($0) }
        }
    }

    static func lset(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        switch engine.list(client, args[1], write: true) {
        case .wrongType: return
        case .missing: client.error(RedisError.noSuchKey)
        case .found(let list):
            guard let index = args.integerOrReply(2, client) else { return }
            let position = index < 0 ? list.items.count + index : index
            guard position >= 0 && position < list.items.count else {
                client.error("ERR index out of range")
                return
            }
            list.items[position] = args.bytes(3)
            engine.dirty += 1
            engine.notify(client, .list, "lset", args[1])
            client.reply.ok()
        }
    }

    static func lrem(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let count = args.integerOrReply(2, client) else { return }
        guard case .found(let list) = engine.list(client, args[1], write: true) else {
            if !client.currentCommandFailed { client.reply.integer(0) }
            return
        }
        let target = args[3]
        var removed = 0
        let limit = count == 0 ? Int.max : Int(clamping: count.magnitude)
        if count >= 0 {
            var index = 0
            while index < list.items.count && removed < limit {
                if list.items[index].equals(target) {
                    list.items.remove(at: index)
                    removed += 1
                } else {
                    index += 1
                }
            }
        } else {
            var index = list.items.count - 1
            while index >= 0 && removed < limit {
                if list.items[index].equals(target) {
                    list.items.remove(at: index)
                    removed += 1
                }
                index -= 1
            }
        }
        if removed > 0 {
            engine.dirty += removed
            engine.notify(client, .list, "lrem", args[1])
            engine.deleteIfEmpty(client.database, args[1], count: list.items.count)
        }
        client.reply.integer(removed)
    }

    static func ltrim(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let start = args.integerOrReply(2, client), let end = args.integerOrReply(3, client) else { return }
        switch engine.list(client, args[1], write: true) {
        case .wrongType: return
        case .missing: client.reply.ok()
        case .found(let list):
            let before = list.items.count
            if let range = normalizedRange(start: start, end: end, count: before) {
                list.items = Deque(list.items[range])
            } else {
                list.items.removeAll()
            }
            engine.dirty += before - list.items.count
            // Redis signals the key as modified even when nothing was trimmed (WATCH breaks).
            engine.signalModifiedKey(client.database, args[1])
            engine.notify(client, .list, "ltrim", args[1])
            engine.deleteIfEmpty(client.database, args[1], count: list.items.count)
            client.reply.ok()
        }
    }

    static func linsert(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        let after: Bool
        if args.matches(2, "after") {
            after = true
        } else if args.matches(2, "before") {
            after = false
        } else {
            client.error(RedisError.syntax)
            return
        }
        switch engine.list(client, args[1], write: true) {
        case .wrongType: return
        case .missing: client.reply.integer(0)
        case .found(let list):
            guard let pivot = list.items.firstIndex(where: { $0.equals(args[3]) }) else {
                client.reply.integer(-1)
                return
            }
            list.items.insert(args.bytes(4), at: after ? pivot + 1 : pivot)
            engine.dirty += 1
            engine.notify(client, .list, "linsert", args[1])
            engine.signalKeyAsReady(client.database, args[1])
            client.reply.integer(list.items.count)
        }
    }

    static func lpos(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var rank = 1
        var count: Int?
        var maxLength = 0
        var index = 3
        while index < args.count {
            guard index + 1 < args.count else {
                client.error(RedisError.syntax)
                return
            }
            if args.matches(index, "rank") {
                guard let value = args.integerOrReply(index + 1, client) else { return }
                guard value != 0 else {
                    client.error(
                        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
                    )
                    return
                }
                // Redis negates the rank in a signed long, so LONG_MIN stays negative and acts like -1.
                rank = value == Int.min ? -1 : value
            } else if args.matches(index, "count") {
                guard let value = args.integer(index + 1), value >= 0 else {
                    client.error("ERR COUNT can't be negative")
                    return
                }
                count = value
            } else if args.matches(index, "maxlen") {
                guard let value = args.integer(index + 1), value >= 0 else {
                    client.error("ERR MAXLEN can't be negative")
                    return
                }
                maxLength = value
            } else {
                client.error(RedisError.syntax)
                return
            }
            index += 2
        }
        let list: ListValue
        switch engine.list(client, args[1], write: false) {
        case .wrongType: return
        case .missing:
            if count != nil { client.reply.arrayHeader(0) } else { client.reply.null() }
            return
        case .found(let existing): list = existing
        }
        let wanted = count == 0 ? Int.max : (count ?? 1)
        var matches: [Int] = []
        var skip = rank.magnitude - 1
        let total = list.items.count
        var compared = 0
        var position = rank > 0 ? 0 : total - 1
        while position >= 0 && position < total && matches.count < wanted && (maxLength == 0 || compared < maxLength) {
            if list.items[position].equals(args[2]) {
                if skip > 0 { skip -= 1 } else { matches.append(position) }
            }
            compared += 1
            position += rank > 0 ? 1 : -1
        }
        if count != nil {
            client.reply.arrayHeader(matches.count)
            for match in matches { client.reply.integer(match) }
        } else if let first = matches.first {
            client.reply.integer(first)
        } else {
            client.reply.null()
        }
    }

    /// Parses LEFT/RIGHT.
    static func side(_ args: Arguments, _ index: Int) -> Bool? {
        if args.matches(index, "left") { return true }
        if args.matches(index, "right") { return false }
        return nil
    }

    static func lmove(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let fromLeft = side(args, 3), let toLeft = side(args, 4) else {
            client.error(RedisError.syntax)
            return
        }
        replyMoved(
            client,
            ListOperations.move(
                engine, client, source: args[1], destination: args[2], fromLeft: fromLeft, toLeft: toLeft))
    }

    static func rpoplpush(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        replyMoved(
            client,
            ListOperations.move(engine, client, source: args[1], destination: args[2], fromLeft: false, toLeft: true))
    }

    static func replyMoved(_ client: ClientSession, _ element: ByteString?) {
        if let element {
            element.withUnsafeBytes { client.reply.bulk($0) }
        } else if !client.currentCommandFailed {
            client.reply.null()
        }
    }

    /// Pops from the first non-empty list; returns false when all were empty (nothing replied).
    static func multiPop(
        _ engine: Engine, _ client: ClientSession, _ args: Arguments, _ request: SharedArguments.MultiPop
    ) -> Bool {
        for keyIndex in request.keys {
            switch engine.list(client, args[keyIndex], write: true) {
            case .wrongType: return true
            case .missing: continue
            case .found(let list):
                let taken = min(request.count, list.items.count)
                client.reply.arrayHeader(2)
                client.reply.bulk(args[keyIndex])
                client.reply.arrayHeader(taken)
                for _ in 0..<taken {
                    let element = request.fromFront ? list.items.removeFirst() : list.items.removeLast()
                    element.withUnsafeBytes { client.reply.bulk($0) }
                }
                engine.notify(client, .list, request.fromFront ? "lpop" : "rpop", args[keyIndex])
                finishPop(engine, client, args[keyIndex], list, removed: taken)
                return true
            }
        }
        return false
    }

    static func lmpop(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let request = SharedArguments.multiPop(client, args, from: 1, front: "left", back: "right") else {
            return
        }
        if !multiPop(engine, client, args, request) { client.reply.nullArray() }
    }
}
