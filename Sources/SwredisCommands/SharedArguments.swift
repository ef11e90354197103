import SwredisBytes
import SwredisEngine

/// Argument shapes several commands share, parsed once with Redis's error texts.
enum SharedArguments {
    /// LPOP/RPOP/SPOP's optional `count` (argument 2); `failed` means the error was already replied.
    static func popCount(_ client: ClientSession, _ args: Arguments) -> (count: Int?, failed: Bool) {
        guard args.count == 3 else { return (nil, false) }
        guard let value = args.integer(2), value >= 0 else {
            client.error("ERR value is out of range, must be positive")
            return (nil, true)
        }
        return (value, false)
    }

    /// HRANDFIELD / ZRANDMEMBER: `[count [WITH…]]`.
    struct RandomCount {
        var count: Int?
        var withValues = false
    }

    static func randomCount(_ client: ClientSession, _ args: Arguments, flag: StaticString) -> RandomCount? {
        var request = RandomCount()
        guard args.count >= 3 else { return request }
        guard let value = args.integerOrReply(2, client) else { return nil }
        guard value != Int.min else {
            client.error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
            return nil
        }
        request.count = value
        if args.count == 4 {
            guard args.matches(3, flag) else {
                client.error(RedisError.syntax)
                return nil
            }
            request.withValues = true
            // The reply holds 2×count items, which must not overflow (either sign, as Redis checks).
            guard value >= -(Int.max / 2) && value <= Int.max / 2 else {
                client.error("ERR value is out of range")
                return nil
            }
        } else if args.count > 4 {
            client.error(RedisError.syntax)
            return nil
        }
        return request
    }

    /// LMPOP / ZMPOP / BLMPOP / BZMPOP: `numkeys key... FRONT|BACK [COUNT n]` starting at `from`.
    struct MultiPop {
        var keys: [Int]
        /// LEFT (lists) or MIN (sorted sets).
        var fromFront: Bool
        var count: Int
    }

    static func multiPop(_ client: ClientSession, _ args: Arguments, from: Int, front: StaticString, back: StaticString)
        -> MultiPop?
    {
        guard let numkeys = args.integer(from), numkeys > 0 else {
            client.error("ERR numkeys should be greater than 0")
            return nil
        }
        guard numkeys < args.count - from - 1 else {
            client.error(RedisError.syntax)
            return nil
        }
        let sideIndex = from + 1 + numkeys
        let fromFront: Bool
        if args.matches(sideIndex, front) {
            fromFront = true
        } else if args.matches(sideIndex, back) {
            fromFront = false
        } else {
            client.error(RedisError.syntax)
            return nil
        }
        var count = 1
        var index = sideIndex + 1
        var countSeen = false
        while index < args.count {
            guard args.matches(index, "count") && index + 1 < args.count && !countSeen else {
                client.error(RedisError.syntax)
                return nil
            }
            guard let value = args.integer(index + 1), value > 0 else {
                client.error("ERR count should be greater than 0")
                return nil
            }
            count = value
            countSeen = true
            index += 2
        }
        return MultiPop(keys: Array((from + 1)..<sideIndex), fromFront: fromFront, count: count)
    }

    /// SINTERCARD / ZINTERCARD: `[LIMIT n]` after the keys; 0 means no limit.
    static func intercardLimit(_ client: ClientSession, _ args: Arguments, from: Int) -> Int? {
        var limit = 0
        var index = from
        while index < args.count {
            guard args.matches(index, "limit") && index + 1 < args.count else {
                client.error(RedisError.syntax)
                return nil
            }
            guard let value = args.integer(index + 1), value >= 0 else {
                client.error("ERR LIMIT can't be negative")
                return nil
            }
            limit = value
            index += 2
        }
        return limit
    }
}
