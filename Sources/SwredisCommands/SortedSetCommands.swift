import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// Sorted set commands (Redis's `t_zset.c`). Blocking pops are in `BlockingCommands`.
enum SortedSetCommands {

    static let bindings: [CommandBinding] = [
        CommandBinding("zadd", zadd),
        CommandBinding("zincrby", zincrby),
        CommandBinding("zrem", zrem),
        CommandBinding("zscore") { engine, client, args in
            withZset(engine, client, args, missing: { client.reply.null() }) { zset in
                if let score = zset.score(args[2]) { client.replyScore(score) } else { client.reply.null() }
            }
        },
        CommandBinding("zmscore") { engine, client, args in
            var zset: SortedSetValue?
            switch engine.zset(client, args[1], write: false) {
            case .wrongType: return
            case .missing: zset = nil
            case .found(let found): zset = found
            }
            client.reply.arrayHeader(args.count - 2)
            for index in 2..<args.count {
                if let score = zset?.score(args[index]) { client.replyScore(score) } else { client.reply.null() }
            }
        },
        CommandBinding("zcard") { engine, client, args in
            withZset(engine, client, args, missing: { client.reply.integer(0) }) { client.reply.integer($0.count) }
        },
        CommandBinding("zcount") { engine, client, args in
            guard let (min, max) = scoreRange(client, args, 2, 3) else { return }
            withZset(engine, client, args, missing: { client.reply.integer(0) }) {
                client.reply.integer($0.ranks(min: min, max: max)?.count ?? 0)
            }
        },
        CommandBinding("zlexcount") { engine, client, args in
            guard let (min, max) = lexRange(client, args, 2, 3) else { return }
            withZset(engine, client, args, missing: { client.reply.integer(0) }) {
                client.reply.integer($0.ranks(min: min, max: max)?.count ?? 0)
            }
        },
        CommandBinding("zrange") {
            zrange($0, $1, $2, RangeRequest(firstArgument: 1, store: false, type: nil, reverse: nil))
        },
        CommandBinding("zrangestore") {
            zrange($0, $1, $2, RangeRequest(firstArgument: 2, store: true, type: nil, reverse: nil))
        },
        CommandBinding("zrangebyscore") {
            zrange($0, $1, $2, RangeRequest(firstArgument: 1, store: false, type: .score, reverse: false))
        },
        CommandBinding("zrevrangebyscore") {
            zrange($0, $1, $2, RangeRequest(firstArgument: 1, store: false, type: .score, reverse: true))
        },
        CommandBinding("zrangebylex") {
            zrange($0, $1, $2, RangeRequest(firstArgument: 1, store: false, type: .lex, reverse: false))
        },
        CommandBinding("zrevrangebylex") {
            zrange($0, $1, $2, RangeRequest(firstArgument: 1, store: false, type: .lex, reverse: true))
        },
        CommandBinding("zrevrange") {
            zrange($0, $1, $2, RangeRequest(firstArgument: 1, store: false, type: .rank, reverse: true))
        },
        CommandBinding("zrank") { zrank($0, $1, $2, reverse: false) },
        CommandBinding("zrevrank") { zrank($0, $1, $2, reverse: true) },
        CommandBinding("zremrangebyrank") { zremrange($0, $1, $2, .rank) },
        CommandBinding("zremrangebyscore") { zremrange($0, $1, $2, .score) },
        CommandBinding("zremrangebylex") { zremrange($0, $1, $2, .lex) },
        CommandBinding("zpopmin") { zpop($0, $1, $2, min: true) },
        CommandBinding("zpopmax") { zpop($0, $1, $2, min: false) },
        CommandBinding("zmpop", options: [.touchesServedKeyOnly]) { engine, client, args in
            guard let request = SharedArguments.multiPop(client, args, from: 1, front: "min", back: "max") else {
                return
            }
            if !multiPop(engine, client, args, request) { client.reply.nullArray() }
        },
        CommandBinding("zunion") { combine($0, $1, $2, .union, store: false) },
        CommandBinding("zinter") { combine($0, $1, $2, .intersection, store: false) },
        CommandBinding("zdiff") { combine($0, $1, $2, .difference, store: false) },
        CommandBinding("zunionstore") { combine($0, $1, $2, .union, store: true) },
        CommandBinding("zinterstore") { combine($0, $1, $2, .intersection, store: true) },
        CommandBinding("zdiffstore") { combine($0, $1, $2, .difference, store: true) },
        CommandBinding("zintercard", zintercard),
        CommandBinding("zrandmember", zrandmember),
        CommandBinding("zscan", zscan),
    ]

    static func withZset(
        _ engine: Engine, _ client: ClientSession, _ args: Arguments, missing: () -> Void,
        _ body: (SortedSetValue) -> Void
    ) {
        switch engine.zset(client, args[1], write: false) {
        case .wrongType: return
        case .missing: missing()
        case .found(let zset): body(zset)
        }
    }

    /// A score argument (`getDoubleFromObject`): replies `value is not a valid float` when invalid.
    static func score(_ client: ClientSession, _ args: Arguments, _ index: Int) -> Double? {
        guard let value = StringNumbers.parseDouble(args[index]) else {
            client.error(RedisError.notFloat)
            return nil
        }
        return value
    }

    static func scoreRange(_ client: ClientSession, _ args: Arguments, _ minIndex: Int, _ maxIndex: Int) -> (
        ScoreBound, ScoreBound
    )? {
        guard let min = ScoreBound(args[minIndex]), let max = ScoreBound(args[maxIndex]) else {
            client.error("ERR min or max is not a float")
            return nil
        }
        return (min, max)
    }

    static func lexRange(_ client: ClientSession, _ args: Arguments, _ minIndex: Int, _ maxIndex: Int) -> (
        LexBound, LexBound
    )? {
        guard let min = LexBound(args[minIndex]), let max = LexBound(args[maxIndex]) else {
            client.error("ERR min or max not valid string range item")
            return nil
        }
        return (min, max)
    }

    // MARK: ZADD, ZINCRBY, ZREM

    struct AddFlags {
        var nx = false, xx = false, gt = false, lt = false, ch = false, incr = false
    }

    /// Applies one ZADD element with Redis's `zsetAdd` rules. Returns the resulting score when the element was
    /// processed, nil when a flag skipped it; `added`/`updated` report what changed.
    static func apply(
        _ engine: Engine, _ zset: SortedSetValue, _ member: UnsafeRawBufferPointer, _ value: Double, _ flags: AddFlags,
        added: inout Int, updated: inout Int
    ) -> Double?? {
        let limits = engine.zsetLimits
        if let current = zset.score(member) {
            if flags.nx { return .some(nil) }
            var newScore = value
            if flags.incr {
                newScore = current + value
                if newScore.isNaN { return nil }
            }
            if (flags.lt && newScore >= current) || (flags.gt && newScore <= current) { return .some(nil) }
            if newScore != current {
                zset.set(ByteString(member), newScore, maxCompactEntries: limits.entries, maxCompactValue: limits.value)
                updated += 1
            }
            return .some(newScore)
        }
        if flags.xx { return .some(nil) }
        zset.set(ByteString(member), value, maxCompactEntries: limits.entries, maxCompactValue: limits.value)
        added += 1
        return .some(value)
    }

    static func zadd(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var flags = AddFlags()
        var index = 2
        while index < args.count {
            if args.matches(index, "nx") {
                flags.nx = true
            } else if args.matches(index, "xx") {
                flags.xx = true
            } else if args.matches(index, "ch") {
                flags.ch = true
            } else if args.matches(index, "incr") {
                flags.incr = true
            } else if args.matches(index, "gt") {
                flags.gt = true
            } else if args.matches(index, "lt") {
                flags.lt = true
            } else {
                break
            }
            index += 1
        }
        let elements = args.count - index
        guard elements > 0 && elements % 2 == 0 else {
            client.error(RedisError.syntax)
            return
        }
        if flags.nx && flags.xx {
            client.error("ERR XX and NX options at the same time are not compatible")
            return
        }
        if (flags.gt && flags.nx) || (flags.lt && flags.nx) || (flags.gt && flags.lt) {
            client.error("ERR GT, LT, and/or NX options at the same time are not compatible")
            return
        }
        if flags.incr && elements > 2 {
            client.error("ERR INCR option supports a single increment-element pair")
            return
        }
        var scores: [Double] = []
        for position in stride(from: index, to: args.count, by: 2) {
            guard let value = score(client, args, position) else { return }
            scores.append(value)
        }
        let zset: SortedSetValue
        switch engine.zset(client, args[1], write: true) {
        case .wrongType: return
        case .found(let found): zset = found
        case .missing:
            if flags.xx {
                if flags.incr { client.reply.null() } else { client.reply.integer(0) }
                return
            }
            guard let created = engine.zsetForWrite(client, args[1]) else { return }
            // Redis 7.0 starts a skiplist only when listpacks are disabled or the first member is too long.
            let limits = engine.zsetLimits
            if limits.entries == 0 || args[index + 1].count > limits.value { created.convertToSkiplist() }
            zset = created
        }
        var added = 0
        var updated = 0
        var lastScore: Double?
        for (offset, value) in scores.enumerated() {
            guard
                let result = apply(
                    engine, zset, args[index + offset * 2 + 1], value, flags, added: &added, updated: &updated)
            else {
                engine.deleteIfEmpty(client.database, args[1], count: zset.count)
                client.error("ERR resulting score is not a number (NaN)")
                return
            }
            lastScore = result
        }
        engine.deleteIfEmpty(client.database, args[1], count: zset.count)
        if added + updated > 0 {
            engine.dirty += added + updated
            engine.notify(client, .zset, flags.incr ? "zincr" : "zadd", args[1])
            engine.signalKeyAsReady(client.database, args[1])
        }
        if flags.incr {
            if let lastScore { client.replyScore(lastScore) } else { client.reply.null() }
        } else {
            client.reply.integer(flags.ch ? added + updated : added)
        }
    }

    static func zincrby(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let delta = score(client, args, 2) else { return }
        guard let zset = engine.zsetForWrite(client, args[1]) else { return }
        var added = 0
        var updated = 0
        var flags = AddFlags()
        flags.incr = true
        guard let result = apply(engine, zset, args[3], delta, flags, added: &added, updated: &updated),
            let newScore = result
        else {
            engine.deleteIfEmpty(client.database, args[1], count: zset.count)
            client.error("ERR resulting score is not a number (NaN)")
            return
        }
        // An increment that leaves the score as it was is no write (ZADD INCR's rule).
        if added + updated > 0 {
            engine.dirty += added + updated
            engine.notify(client, .zset, "zincr", args[1])
            engine.signalKeyAsReady(client.database, args[1])
        }
        client.replyScore(newScore)
    }

    static func zrem(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        switch engine.zset(client, args[1], write: true) {
        case .wrongType: return
        case .missing: client.reply.integer(0)
        case .found(let zset):
            var removed = 0
            for index in 2..<args.count where zset.remove(args[index]) { removed += 1 }
            engine.dirty += removed
            if removed > 0 { engine.notify(client, .zset, "zrem", args[1]) }
            engine.deleteIfEmpty(client.database, args[1], count: zset.count)
            client.reply.integer(removed)
        }
    }

    // MARK: Ranges

    enum RangeType { case rank, score, lex }

    struct RangeRequest {
        /// Index of the source key.
        let firstArgument: Int
        let store: Bool
        var type: RangeType?
        var reverse: Bool?
    }

    /// Writes (member, score) results, with scores as RESP3 pairs or flat RESP2 bulks.
    static func replyElements(
        _ client: ClientSession, _ elements: [(member: ByteString, score: Double)], withScores: Bool
    ) {
        let pairs = withScores && client.reply.isRESP3
        client.reply.arrayHeader(withScores && !pairs ? elements.count * 2 : elements.count)
        for element in elements {
            if pairs { client.reply.arrayHeader(2) }
            element.member.withUnsafeBytes { client.reply.bulk($0) }
            if withScores { client.replyScore(element.score) }
        }
    }

    /// The ZRANGE family (Redis's `zrangeGenericCommand`).
    static func zrange(_ engine: Engine, _ client: ClientSession, _ args: Arguments, _ request: RangeRequest) {
        var request = request
        let keyIndex = request.firstArgument
        var minIndex = keyIndex + 1
        var maxIndex = keyIndex + 2
        var withScores = false
        var limit: (offset: Int, count: Int)?
        var index = keyIndex + 3
        while index < args.count {
            let remaining = args.count - index - 1
            if !request.store && args.matches(index, "withscores") {
                withScores = true
            } else if args.matches(index, "limit") && remaining >= 2 {
                guard let offset = args.integerOrReply(index + 1, client),
                    let count = args.integerOrReply(index + 2, client)
                else { return }
                limit = (offset, count)
                index += 2
            } else if request.reverse == nil && args.matches(index, "rev") {
                request.reverse = true
            } else if request.type == nil && args.matches(index, "bylex") {
                request.type = .lex
            } else if request.type == nil && args.matches(index, "byscore") {
                request.type = .score
            } else {
                client.error(RedisError.syntax)
                return
            }
            index += 1
        }
        let reverse = request.reverse ?? false
        let type = request.type ?? .rank
        if let given = limit, type == .rank {
            // Redis's "no limit" is a count of -1, so `LIMIT n -1` is accepted (and ignored) with a rank range.
            guard given.count == -1 else {
                client.error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
                return
            }
            limit = nil
        }
        if withScores && type == .lex {
            client.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
            return
        }
        if reverse && type != .rank { swap(&minIndex, &maxIndex) }
        var rankStart = 0
        var rankEnd = 0
        var scores: (ScoreBound, ScoreBound)?
        var lex: (LexBound, LexBound)?
        switch type {
        case .rank:
            guard let start = args.integerOrReply(minIndex, client), let end = args.integerOrReply(maxIndex, client)
            else { return }
            rankStart = start
            rankEnd = end
        case .score:
            guard let range = scoreRange(client, args, minIndex, maxIndex) else { return }
            scores = range
        case .lex:
            guard let range = lexRange(client, args, minIndex, maxIndex) else { return }
            lex = range
        }
        let zset: SortedSetValue
        switch engine.zset(client, args[keyIndex], write: false) {
        case .wrongType: return
        case .missing:
            if request.store { storeRange(engine, client, args, []) } else { client.reply.arrayHeader(0) }
            return
        case .found(let found): zset = found
        }
        var ranks: ClosedRange<Int>?
        switch type {
        case .rank:
            let count = zset.count
            var start = rankStart < 0 ? count + rankStart : rankStart
            var end = rankEnd < 0 ? count + rankEnd : rankEnd
            if start < 0 { start = 0 }
            if end >= count { end = count - 1 }
            if start <= end && start < count {
                ranks = reverse ? (count - 1 - end)...(count - 1 - start) : start...end
            }
        case .score:
            if let (min, max) = scores { ranks = zset.ranks(min: min, max: max) }
        case .lex:
            if let (min, max) = lex { ranks = zset.ranks(min: min, max: max) }
        }
        var elements: [(member: ByteString, score: Double)] = []
        if let matched = ranks, let selected = applyLimit(limit, to: matched, reverse: reverse) {
            elements = zset.range(selected)
            if reverse { elements.reverse() }
        }
        if request.store {
            storeRange(engine, client, args, elements)
        } else {
            replyElements(client, elements, withScores: withScores)
        }
    }

    /// Narrows matched ranks by LIMIT offset count (counted from the high end when reversed); nil when empty.
    static func applyLimit(_ limit: (offset: Int, count: Int)?, to ranks: ClosedRange<Int>, reverse: Bool)
        -> ClosedRange<Int>?
    {
        guard let limit else { return ranks }
        guard limit.offset >= 0, limit.offset < ranks.count else { return nil }
        let available = ranks.count - limit.offset
        let take = limit.count < 0 ? available : min(limit.count, available)
        guard take > 0 else { return nil }
        if reverse { return (ranks.upperBound - limit.offset - take + 1)...(ranks.upperBound - limit.offset) }
        return (ranks.lowerBound + limit.offset)...(ranks.lowerBound + limit.offset + take - 1)
    }

    static func storeRange(
        _ engine: Engine, _ client: ClientSession, _ args: Arguments, _ elements: [(member: ByteString, score: Double)]
    ) {
        store(engine, client, args.bytes(1), elements, event: "zrangestore")
        client.reply.integer(elements.count)
    }

    /// Replaces `destination` with a sorted set of `elements` (deleting it when empty).
    static func store(
        _ engine: Engine, _ client: ClientSession, _ destination: ByteString,
        _ elements: [(member: ByteString, score: Double)], event: String
    ) {
        let db = client.database
        let existed = destination.withUnsafeBytes { engine.lookupWrite(db, $0) } != nil
        if elements.isEmpty {
            if existed {
                engine.databases[db].remove(destination)
                engine.dirty += 1
                engine.notifyKeyspaceEvent(.generic, "del", destination, db)
            }
            return
        }
        let zset = SortedSetValue()
        let limits = engine.zsetLimits
        if elements.count > limits.entries || elements.contains(where: { $0.member.count > limits.value }) {
            zset.convertToSkiplist()
        }
        for element in elements {
            zset.set(element.member, element.score, maxCompactEntries: limits.entries, maxCompactValue: limits.value)
        }
        engine.storeValue(db, destination, .zset(zset))
        engine.dirty += 1
        engine.notifyKeyspaceEvent(.zset, event, destination, db)
        destination.withUnsafeBytes { engine.signalKeyAsReady(db, $0) }
    }

    static func zrank(_ engine: Engine, _ client: ClientSession, _ args: Arguments, reverse: Bool) {
        withZset(engine, client, args, missing: { client.reply.null() }) { zset in
            guard let rank = zset.rank(args[2]) else {
                client.reply.null()
                return
            }
            client.reply.integer(reverse ? zset.count - 1 - rank : rank)
        }
    }

    static func zremrange(_ engine: Engine, _ client: ClientSession, _ args: Arguments, _ type: RangeType) {
        var rankBounds: (Int, Int)?
        var scores: (ScoreBound, ScoreBound)?
        var lex: (LexBound, LexBound)?
        switch type {
        case .rank:
            guard let start = args.integerOrReply(2, client), let end = args.integerOrReply(3, client) else { return }
            rankBounds = (start, end)
        case .score:
            guard let range = scoreRange(client, args, 2, 3) else { return }
            scores = range
        case .lex:
            guard let range = lexRange(client, args, 2, 3) else { return }
            lex = range
        }
        switch engine.zset(client, args[1], write: true) {
        case .wrongType: return
        case .missing: client.reply.integer(0)
        case .found(let zset):
            var ranks: ClosedRange<Int>?
            if let (start, end) = rankBounds { ranks = normalizedRange(start: start, end: end, count: zset.count) }
            if let (min, max) = scores { ranks = zset.ranks(min: min, max: max) }
            if let (min, max) = lex { ranks = zset.ranks(min: min, max: max) }
            guard let ranks else {
                client.reply.integer(0)
                return
            }
            for element in zset.range(ranks) { element.member.withUnsafeBytes { _ = zset.remove($0) } }
            engine.dirty += ranks.count
            engine.notify(client, .zset, args.lowercased(0), args[1])
            engine.deleteIfEmpty(client.database, args[1], count: zset.count)
            client.reply.integer(ranks.count)
        }
    }

    // MARK: Pops

    static func zpop(_ engine: Engine, _ client: ClientSession, _ args: Arguments, min: Bool) {
        guard args.count <= 3 else {
            client.error(RedisError.syntax)
            return
        }
        var count = 1
        if args.count == 3 {
            guard let value = args.integer(2), value >= 0 else {
                client.error("ERR value is out of range, must be positive")
                return
            }
            count = value
        }
        switch engine.zset(client, args[1], write: true) {
        case .wrongType: return
        case .missing: client.reply.arrayHeader(0)
        case .found(let zset):
            let elements = SortedSetOperations.popElements(engine, client, args[1], zset, min: min, count: count)
            if args.count == 3 {
                replyElements(client, elements, withScores: true)
            } else {
                client.reply.arrayHeader(elements.count * 2)
                for element in elements {
                    element.member.withUnsafeBytes { client.reply.bulk($0) }
                    client.replyScore(element.score)
                }
            }
        }
    }

    /// ZMPOP's reply: [key, [[member, score], ...]]. Returns false when every key was empty.
    static func multiPop(
        _ engine: Engine, _ client: ClientSession, _ args: Arguments, _ request: SharedArguments.MultiPop
    ) -> Bool {
        for keyIndex in request.keys {
            switch engine.zset(client, args[keyIndex], write: true) {
            case .wrongType: return true
            case .missing: continue
            case .found(let zset):
                let elements = SortedSetOperations.popElements(
                    engine, client, args[keyIndex], zset, min: request.fromFront, count: request.count)
                client.reply.arrayHeader(2)
                client.reply.bulk(args[keyIndex])
                client.reply.arrayHeader(elements.count)
                for element in elements {
                    client.reply.arrayHeader(2)
                    element.member.withUnsafeBytes { client.reply.bulk($0) }
                    client.replyScore(element.score)
                }
                return true
            }
        }
        return false
    }

    // MARK: Set algebra

    enum Operation { case union, intersection, difference }
    enum Aggregate { case sum, min, max }

    /// The inputs of ZUNION/ZINTER/ZDIFF/ZINTERCARD and their STORE forms: sorted sets, or plain sets (members scored
    /// 1), nil for a missing key; nil after a WRONGTYPE reply.
    static func readInputs(
        _ engine: Engine, _ client: ClientSession, _ args: Arguments, _ keyIndexes: ClosedRange<Int>,
        forWrite: Bool
    ) -> [[(member: ByteString, score: Double)]?]? {
        let db = client.database
        var inputs: [[(member: ByteString, score: Double)]?] = []
        for keyIndex in keyIndexes {
            guard
                let position = forWrite ? engine.lookupWrite(db, args[keyIndex]) : engine.lookupRead(db, args[keyIndex])
            else {
                inputs.append(nil)
                continue
            }
            switch engine.databases[db].keys.value(at: position).value {
            case .zset(let zset): inputs.append(zset.all)
            case .set(let set): inputs.append(set.members.map { ($0, 1.0) })
            default:
                client.error(RedisError.wrongType)
                return nil
            }
        }
        return inputs
    }

    static func combine(
        _ engine: Engine, _ client: ClientSession, _ args: Arguments, _ operation: Operation, store: Bool
    ) {
        let numkeysIndex = store ? 2 : 1
        let name = args.lowercased(0)
        guard let numkeys = args.integerOrReply(numkeysIndex, client) else { return }
        guard numkeys >= 1 else {
            client.error("ERR at least 1 input key is needed for '\(name)' command")
            return
        }
        guard numkeys <= args.count - numkeysIndex - 1 else {
            client.error(RedisError.syntax)
            return
        }
        // Like Redis, a wrong type is reported before any option is parsed.
        guard
            let inputs = readInputs(
                engine, client, args, (numkeysIndex + 1)...(numkeysIndex + numkeys), forWrite: store)
        else { return }
        var weights = Array(repeating: 1.0, count: numkeys)
        var aggregate = Aggregate.sum
        var withScores = false
        var index = numkeysIndex + numkeys + 1
        while index < args.count {
            let remaining = args.count - index - 1
            if operation != .difference && args.matches(index, "weights") && remaining >= numkeys {
                for offset in 0..<numkeys {
                    guard let weight = StringNumbers.parseDouble(args[index + 1 + offset]) else {
                        client.error("ERR weight value is not a float")
                        return
                    }
                    weights[offset] = weight
                }
                index += numkeys + 1
            } else if operation != .difference && args.matches(index, "aggregate") && remaining >= 1 {
                if args.matches(index + 1, "sum") {
                    aggregate = .sum
                } else if args.matches(index + 1, "min") {
                    aggregate = .min
                } else if args.matches(index + 1, "max") {
                    aggregate = .max
                } else {
                    client.error(RedisError.syntax)
                    return
                }
                index += 2
            } else if !store && args.matches(index, "withscores") {
                withScores = true
                index += 1
            } else {
                client.error(RedisError.syntax)
                return
            }
        }
        let result = compute(operation, inputs, weights: weights, aggregate: aggregate)
        if store {
            self.store(engine, client, args.bytes(1), result, event: name)
            client.reply.integer(result.count)
        } else {
            replyElements(client, result, withScores: withScores)
        }
    }

    static func combineScores(_ a: Double, _ b: Double, _ aggregate: Aggregate) -> Double {
        switch aggregate {
        case .sum:
            let sum = a + b
            return sum.isNaN ? 0 : sum
        case .min: return Swift.min(a, b)
        case .max: return Swift.max(a, b)
        }
    }

    static func weighted(_ score: Double, _ weight: Double) -> Double {
        let value = score * weight
        return value.isNaN ? 0 : value
    }

    /// The result of a ZUNION/ZINTER/ZDIFF, sorted by (score, member). Like Redis, union and intersection visit
    /// their sources smallest first, which decides the order floating-point sums are taken in.
    static func compute(
        _ operation: Operation, _ inputs: [[(member: ByteString, score: Double)]?], weights: [Double],
        aggregate: Aggregate
    ) -> [(member: ByteString, score: Double)] {
        var inputs = inputs
        var weights = weights
        if operation != .difference {
            let order = inputs.indices.sorted { (inputs[$0]?.count ?? 0, $0) < (inputs[$1]?.count ?? 0, $1) }
            inputs = order.map { inputs[$0] }
            weights = order.map { weights[$0] }
        }
        var scores: [ByteString: Double] = [:]
        switch operation {
        case .union:
            for (offset, input) in inputs.enumerated() {
                for element in input ?? [] {
                    let value = weighted(element.score, weights[offset])
                    if let existing = scores[element.member] {
                        scores[element.member] = combineScores(existing, value, aggregate)
                    } else {
                        scores[element.member] = value
                    }
                }
            }
        case .intersection:
            guard !inputs.contains(where: { $0 == nil }), let first = inputs.first ?? nil else { return [] }
            let lookups = inputs.dropFirst().map { input in
                Dictionary((input ?? []).map { ($0.member, $0.score) }, uniquingKeysWith: { a, _ in a })
            }
            outer: for element in first {
                var value = weighted(element.score, weights[0])
                for (offset, lookup) in lookups.enumerated() {
                    guard let other = lookup[element.member] else { continue outer }
                    // Only the first source's inf×0 is zeroed; later NaNs go through the aggregate as they are.
                    value = combineScores(value, other * weights[offset + 1], aggregate)
                }
                scores[element.member] = value
            }
        case .difference:
            guard let first = inputs.first ?? nil else { return [] }
            let excluded = Set(inputs.dropFirst().flatMap { ($0 ?? []).map(\.member) })
            for element in first where !excluded.contains(element.member) { scores[element.member] = element.score }
        }
        return scores.map { (member: $0.key, score: $0.value) }.sorted {
            ScoreTree.precedes($0.score, $0.member, $1.score, $1.member)
        }
    }

    static func zintercard(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let numkeys = args.integerOrReply(1, client) else { return }
        guard numkeys > 0 else {
            client.error("ERR at least 1 input key is needed for 'zintercard' command")
            return
        }
        guard numkeys <= args.count - 2 else {
            client.error(RedisError.syntax)
            return
        }
        // Redis reads the keys (WRONGTYPE) before the LIMIT option.
        guard let inputs = readInputs(engine, client, args, 2...(1 + numkeys), forWrite: false) else { return }
        guard let limit = SharedArguments.intercardLimit(client, args, from: 2 + numkeys) else { return }
        let count = compute(.intersection, inputs, weights: Array(repeating: 1, count: numkeys), aggregate: .sum).count
        client.reply.integer(limit > 0 ? min(limit, count) : count)
    }

    static func zrandmember(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let request = SharedArguments.randomCount(client, args, flag: "withscores") else { return }
        let count = request.count
        let withScores = request.withValues
        let zset: SortedSetValue
        switch engine.zset(client, args[1], write: false) {
        case .wrongType: return
        case .missing:
            if count == nil { client.reply.null() } else { client.reply.arrayHeader(0) }
            return
        case .found(let found): zset = found
        }
        guard let count else {
            zset.randomMember()?.0.withUnsafeBytes { client.reply.bulk($0) }
            return
        }
        var chosen: [(member: ByteString, score: Double)] = []
        if count < 0 {
            for _ in 0..<(-count) { if let element = zset.randomMember() { chosen.append(element) } }
        } else if count >= zset.count {
            chosen = zset.all
        } else {
            chosen = Array(zset.all.shuffled().prefix(count))
        }
        replyElements(client, chosen, withScores: withScores)
    }

    static func zscan(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let cursor = ScanOptions.parseCursor(client, args, 2) else { return }
        var items: [ByteString] = []
        var next: UInt64 = 0
        switch engine.zset(client, args[1], write: false) {
        case .wrongType: return
        case .missing: break
        case .found(let zset):
            // As in Redis, options are parsed only once the key is known to exist with the right type.
            guard let options = ScanOptions.parse(client, args, from: 3) else { return }
            let keep: (ByteString) -> Bool = { member in
                guard let pattern = options.pattern else { return true }
                return pattern.withUnsafeBytes { p in member.withUnsafeBytes { GlobPattern.matches(p, $0) } }
            }
            if zset.isCompact {
                for element in zset.all where keep(element.member) {
                    items.append(element.member)
                    items.append(ByteString(ScoreFormat.formatStored(element.score)))
                }
            } else {
                next = zset.scores.scan(cursor: cursor, count: options.count) { member, score in
                    guard keep(member) else { return }
                    items.append(member)
                    items.append(ByteString(ScoreFormat.format(score)))
                }
            }
        }
        ScanOptions.reply(client, cursor: next, keys: items)
    }
}
