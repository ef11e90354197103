import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// Set commands (Redis's `t_set.c`).
enum SetCommands {

    static let bindings: [CommandBinding] = [
        CommandBinding("sadd", sadd),
        CommandBinding("srem", srem),
        CommandBinding("smembers") {
            engine, client, args in
            switch engine.set(client, args[1], write: false) {
            case .wrongType: return
            case .missing: client.reply.setHeader(0)
            case .found(let set): replySet(client, set.members)
            }
        },
        CommandBinding("sismember") { engine, client, args in
            switch engine.set(client, args[1], write: false) {
            case .wrongType: return
            case .missing: client.reply.integer(0)
            case .found(let set): client.reply.integer(set.contains(args[2]) ? 1 : 0)
            }
        },
        CommandBinding("smismember") { engine, client, args in
            var set: SetValue?
            switch engine.set(client, args[1], write: false) {
            case .wrongType: return
            case .missing: set = nil
            case .found(let found): set = found
            }
            client.reply.arrayHeader(args.count - 2)
            for index in 2..<args.count { client.reply.integer(set?.contains(args[index]) == true ? 1 : 0) }
        },
        CommandBinding("scard") {
            engine, client, args in
            switch engine.set(client, args[1], write: false) {
            case .wrongType: return
            case .missing: client.reply.integer(0)
            case .found(let set): client.reply.integer(set.count)
            }
        },
        CommandBinding("spop", spop),
        CommandBinding("srandmember", srandmember),
        CommandBinding("smove", smove),
        CommandBinding("sinter") {
            combine($0, $1, $2, .intersection, storeAt: nil)
        },
        CommandBinding("sunion") {
            combine($0, $1, $2, .union, storeAt: nil)
        },
        CommandBinding("sdiff") {
            combine($0, $1, $2, .difference, storeAt: nil)
        },
        CommandBinding("sinterstore") { combine($0, $1, $2, .intersection, storeAt: 1) },
        CommandBinding("sunionstore") { combine($0, $1, $2, .union, storeAt: 1) },
        CommandBinding("sdiffstore") { combine($0, $1, $2, .difference, storeAt: 1) },
        CommandBinding("sintercard", sintercard),
        CommandBinding("sscan", sscan),
    ]

    static func replySet(_ client: ClientSession, _ members: [ByteString]) {
        client.reply.setHeader(members.count)
        for member in members { member.withUnsafeBytes { client.reply.bulk($0) } }
    }

    static func sadd(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let set = engine.setForWrite(client, args[1]) else { return }
        let limit = engine.intsetLimit
        var added = 0
        for index in 2..<args.count where set.add(args[index], maxIntsetEntries: limit) { added += 1 }
        engine.dirty += added
        if added > 0 { engine.notify(client, .set, "sadd", args[1]) }
        client.reply.integer(added)
    }

    static func srem(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        switch engine.set(client, args[1], write: true) {
        case .wrongType: return
        case .missing: client.reply.integer(0)
        case .found(let set):
            var removed = 0
            for index in 2..<args.count where set.remove(args[index]) { removed += 1 }
            engine.dirty += removed
            if removed > 0 { engine.notify(client, .set, "srem", args[1]) }
            engine.deleteIfEmpty(client.database, args[1], count: set.count)
            client.reply.integer(removed)
        }
    }

    static func spop(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard args.count <= 3 else {
            client.error(RedisError.syntax)
            return
        }
        let (count, failed) = SharedArguments.popCount(client, args)
        if failed { return }
        let set: SetValue
        switch engine.set(client, args[1], write: true) {
        case .wrongType: return
        case .missing:
            if count == nil { client.reply.null() } else { client.reply.setHeader(0) }
            return
        case .found(let found): set = found
        }
        var popped: [ByteString] = []
        for _ in 0..<min(count ?? 1, set.count) {
            guard let member = set.randomMember() else { break }
            member.withUnsafeBytes { _ = set.remove($0) }
            popped.append(member)
        }
        engine.dirty += popped.count
        if !popped.isEmpty {
            engine.notify(client, .set, "spop", args[1])
            engine.propagateInstead([[ByteString("SREM"), args.bytes(1)] + popped])
        }
        engine.deleteIfEmpty(client.database, args[1], count: set.count)
        if count == nil {
            popped[0].withUnsafeBytes { client.reply.bulk($0) }
        } else {
            replySet(client, popped)
        }
    }

    static func srandmember(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var count: Int?
        if args.count == 3 {
            guard let value = args.integerOrReply(2, client) else { return }
            guard value != Int.min else {
                client.error(
                    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
                return
            }
            count = value
        } else if args.count > 3 {
            client.error(RedisError.syntax)
            return
        }
        let set: SetValue
        switch engine.set(client, args[1], write: false) {
        case .wrongType: return
        case .missing:
            if count == nil { client.reply.null() } else { client.reply.arrayHeader(0) }
            return
        case .found(let found): set = found
        }
        guard let count else {
            set.randomMember()?.withUnsafeBytes { client.reply.bulk($0) }
            return
        }
        var chosen: [ByteString] = []
        if count < 0 {
            for _ in 0..<(-count) { if let member = set.randomMember() { chosen.append(member) } }
        } else if count >= set.count {
            chosen = set.members
        } else {
            chosen = Array(set.members.shuffled().prefix(count))
        }
        client.reply.arrayHeader(chosen.count)
        for member in chosen { member.withUnsafeBytes { client.reply.bulk($0) } }
    }

    static func smove(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        let source: SetValue
        switch engine.set(client, args[1], write: true) {
        case .wrongType: return
        case .missing:
            client.reply.integer(0)
            return
        case .found(let found): source = found
        }
        if case .wrongType = engine.set(client, args[2], write: true) { return }
        if args[1].elementsEqual(args[2]) {
            client.reply.integer(source.contains(args[3]) ? 1 : 0)
            return
        }
        guard source.remove(args[3]) else {
            client.reply.integer(0)
            return
        }
        engine.notify(client, .set, "srem", args[1])
        engine.deleteIfEmpty(client.database, args[1], count: source.count)
        guard let destination = engine.setForWrite(client, args[2]) else { return }
        destination.add(args[3], maxIntsetEntries: engine.intsetLimit)
        engine.dirty += 1
        engine.notify(client, .set, "sadd", args[2])
        client.reply.integer(1)
    }

    enum Operation { case intersection, union, difference }

    /// Reads the sets named by args[first...]; nil after a WRONGTYPE reply. Missing keys are empty sets.
    static func operands(_ engine: Engine, _ client: ClientSession, _ args: Arguments, from first: Int, to last: Int)
        -> [SetValue?]?
    {
        var sets: [SetValue?] = []
        for index in first...last {
            switch engine.set(client, args[index], write: false) {
            case .wrongType: return nil
            case .missing: sets.append(nil)
            case .found(let set): sets.append(set)
            }
        }
        return sets
    }

    static func compute(_ operation: Operation, _ sets: [SetValue?]) -> [ByteString] {
        switch operation {
        case .intersection:
            if sets.contains(where: { $0 == nil }) { return [] }
            let present = sets.compactMap { $0 }.sorted { $0.count < $1.count }
            guard let smallest = present.first else { return [] }
            return smallest.members.filter { member in
                member.withUnsafeBytes { bytes in present.dropFirst().allSatisfy { $0.contains(bytes) } }
            }
        case .union:
            var seen = Set<ByteString>()
            var result: [ByteString] = []
            for set in sets.compactMap({ $0 }) {
                for member in set.members where seen.insert(member).inserted { result.append(member) }
            }
            return result
        case .difference:
            guard let first = sets.first ?? nil else { return [] }
            let others = sets.dropFirst().compactMap { $0 }
            return first.members.filter { member in
                member.withUnsafeBytes { bytes in !others.contains { $0.contains(bytes) } }
            }
        }
    }

    static func combine(
        _ engine: Engine, _ client: ClientSession, _ args: Arguments, _ operation: Operation, storeAt destination: Int?
    ) {
        let first = destination == nil ? 1 : 2
        guard let sets = operands(engine, client, args, from: first, to: args.count - 1) else { return }
        let result = compute(operation, sets)
        guard destination != nil else {
            replySet(client, result)
            return
        }
        let db = client.database
        let target = args.bytes(1)
        let existed = engine.lookupWrite(db, args[1]) != nil
        if result.isEmpty {
            if existed {
                engine.databases[db].remove(target)
                engine.dirty += 1
                engine.notify(client, .generic, "del", args[1])
            }
            client.reply.integer(0)
            return
        }
        let stored = SetValue()
        let limit = engine.intsetLimit
        for member in result { member.withUnsafeBytes { _ = stored.add($0, maxIntsetEntries: limit) } }
        engine.storeValue(db, target, .set(stored))
        engine.dirty += 1
        engine.notify(client, .set, args.lowercased(0), args[1])
        client.reply.integer(stored.count)
    }

    static func sintercard(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let numkeys = args.integer(1), numkeys > 0 else {
            client.error("ERR numkeys should be greater than 0")
            return
        }
        guard numkeys <= args.count - 2 else {
            client.error("ERR Number of keys can't be greater than number of args")
            return
        }
        guard let limit = SharedArguments.intercardLimit(client, args, from: 2 + numkeys) else { return }
        guard let sets = operands(engine, client, args, from: 2, to: 1 + numkeys) else { return }
        let count = compute(.intersection, sets).count
        client.reply.integer(limit > 0 ? min(limit, count) : count)
    }

    static func sscan(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let cursor = ScanOptions.parseCursor(client, args, 2) else { return }
        var members: [ByteString] = []
        var next: UInt64 = 0
        switch engine.set(client, args[1], write: false) {
        case .wrongType: return
        case .missing: break
        case .found(let set):
            // As in Redis, options are parsed only once the key is known to exist with the right type.
            guard let options = ScanOptions.parse(client, args, from: 3) else { return }
            next = set.scan(cursor: cursor, count: options.count) { member in
                if let pattern = options.pattern,
                    !pattern.withUnsafeBytes({ p in member.withUnsafeBytes { GlobPattern.matches(p, $0) } })
                {
                    return
                }
                members.append(member)
            }
        }
        ScanOptions.reply(client, cursor: next, keys: members)
    }
}
