import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// The blocking list commands.
enum BlockingCommands {
    static let bindings: [CommandBinding] = [
        CommandBinding("blpop", options: [.touchesServedKeyOnly]) { blockingPop($0, $1, $2, left: true) },
        CommandBinding("brpop", options: [.touchesServedKeyOnly]) { blockingPop($0, $1, $2, left: false) },
        CommandBinding("blmove", blmove),
        CommandBinding("brpoplpush", brpoplpush),
        CommandBinding("bzpopmin", options: [.touchesServedKeyOnly]) { blockingZsetPop($0, $1, $2, min: true) },
        CommandBinding("bzpopmax", options: [.touchesServedKeyOnly]) { blockingZsetPop($0, $1, $2, min: false) },
        CommandBinding("bzmpop", options: [.touchesServedKeyOnly], bzmpop),
        CommandBinding("blmpop", options: [.touchesServedKeyOnly], blmpop),
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
        guard result <= Int.max - client.engine.clock.unixMilliseconds() else {
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
                let element = SortedSetOperations.popElements(engine, client, args[index], zset, min: min, count: 1)[0]
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
        if let element = ListOperations.move(
            engine, client, source: args[1], destination: args[2], fromLeft: fromLeft, toLeft: toLeft)
        {
            element.withUnsafeBytes { client.reply.bulk($0) }
            engine.propagateInstead([
                ListOperations.lmoveCommand(args.bytes(1), args.bytes(2), fromLeft: fromLeft, toLeft: toLeft)
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
