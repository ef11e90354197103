import DequeModule
import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// LCS, SORT and SORT_RO.
enum StringExtraCommands {
    static let bindings: [CommandBinding] = [
        CommandBinding("lcs", lcs),
        CommandBinding("sort", keys: KeyProcedures.sort) { sort($0, $1, $2, readOnly: false) },
        CommandBinding("sort_ro", keys: KeyProcedures.sortReadOnly) { sort($0, $1, $2, readOnly: true) },
    ]

    // MARK: LCS

    static func lcs(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        let db = client.database
        var strings: [[UInt8]] = []
        for index in 1...2 {
            guard let position = engine.lookupRead(db, args[index]) else {
                strings.append([])
                continue
            }
            guard let bytes = engine.databases[db].keys.value(at: position).value.withStringBytes({ Array($0) }) else {
                client.error("ERR The specified keys must contain string values")
                return
            }
            strings.append(bytes)
        }
        var wantIndexes = false
        var wantLength = false
        var withMatchLength = false
        var minimumMatch = 0
        var index = 3
        while index < args.count {
            if args.matches(index, "idx") {
                wantIndexes = true
            } else if args.matches(index, "len") {
                wantLength = true
            } else if args.matches(index, "withmatchlen") {
                withMatchLength = true
            } else if args.matches(index, "minmatchlen") && index + 1 < args.count {
                guard let value = args.integerOrReply(index + 1, client) else { return }
                minimumMatch = max(0, value)
                index += 1
            } else {
                client.error(RedisError.syntax)
                return
            }
            index += 1
        }
        if wantIndexes && wantLength {
            client.error("ERR If you want both the length and indexes, please just use IDX.")
            return
        }
        let a = strings[0]
        let b = strings[1]
        let width = b.count + 1
        guard (a.count + 1).multipliedReportingOverflow(by: width).overflow == false,
            (a.count + 1) * width <= engine.maxBulkLength / 4
        else {
            client.error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
            return
        }
        // table[i * width + j]: LCS length of a[0..<i] and b[0..<j].
        var table = [UInt32](repeating: 0, count: (a.count + 1) * width)
        if !a.isEmpty && !b.isEmpty {
            for i in 1...a.count {
                for j in 1...b.count {
                    table[i * width + j] =
                        a[i - 1] == b[j - 1]
                        ? table[(i - 1) * width + j - 1] + 1
                        : max(table[(i - 1) * width + j], table[i * width + j - 1])
                }
            }
        }
        let total = Int(table[a.count * width + b.count])
        if wantLength && !wantIndexes {
            client.reply.integer(total)
            return
        }
        // Walk back from the end as Redis does, collecting the string and the matching ranges.
        var result = [UInt8](repeating: 0, count: total)
        var ranges: [(aStart: Int, aEnd: Int, bStart: Int, bEnd: Int)] = []
        var remaining = total
        var i = a.count
        var j = b.count
        var aStart = a.count
        var aEnd = 0
        var bStart = 0
        var bEnd = 0
        while i > 0 && j > 0 {
            var emit = false
            if a[i - 1] == b[j - 1] {
                result[remaining - 1] = a[i - 1]
                if aStart == a.count {
                    aStart = i - 1
                    aEnd = i - 1
                    bStart = j - 1
                    bEnd = j - 1
                } else if aStart == i && bStart == j {
                    aStart -= 1
                    bStart -= 1
                } else {
                    emit = true
                }
                if aStart == 0 || bStart == 0 { emit = true }
                remaining -= 1
                i -= 1
                j -= 1
            } else {
                if table[(i - 1) * width + j] > table[i * width + j - 1] { i -= 1 } else { j -= 1 }
                if aStart != a.count { emit = true }
            }
            if emit {
                if minimumMatch == 0 || aEnd - aStart + 1 >= minimumMatch {
                    ranges.append((aStart, aEnd, bStart, bEnd))
                }
                aStart = a.count
            }
        }
        guard wantIndexes else {
            client.reply.bulk(bytes: result)
            return
        }
        client.reply.mapHeader(2)
        client.reply.bulk("matches")
        client.reply.arrayHeader(ranges.count)
        for range in ranges {
            client.reply.arrayHeader(withMatchLength ? 3 : 2)
            client.reply.arrayHeader(2)
            client.reply.integer(range.aStart)
            client.reply.integer(range.aEnd)
            client.reply.arrayHeader(2)
            client.reply.integer(range.bStart)
            client.reply.integer(range.bEnd)
            if withMatchLength { client.reply.integer(range.aEnd - range.aStart + 1) }
        }
        client.reply.bulk("len")
        client.reply.integer(total)
    }

    // MARK: SORT

    /// Looks a key up by a SORT pattern: the first `*` is replaced by `element`; `->field` reads a hash field;
    /// `#` is the element itself.
    static func lookupByPattern(_ engine: Engine, _ db: Int, _ pattern: [UInt8], _ element: ByteString) -> ByteString? {
        if pattern == [UInt8(ascii: "#")] { return element }
        guard let star = pattern.firstIndex(of: UInt8(ascii: "*")) else { return nil }
        var field: [UInt8]?
        var end = pattern.count
        if let arrow = find(pattern, [UInt8(ascii: "-"), UInt8(ascii: ">")], from: star + 1), arrow + 2 < pattern.count
        {
            field = Array(pattern[(arrow + 2)...])
            end = arrow
        }
        var key = Array(pattern[..<star])
        element.withUnsafeBytes { key.append(contentsOf: $0) }
        key.append(contentsOf: pattern[(star + 1)..<end])
        let value: Value? = key.withUnsafeBytes { raw in
            guard let position = engine.lookupRead(db, raw) else { return nil }
            return engine.databases[db].keys.value(at: position).value
        }
        guard let value else { return nil }
        if let field {
            guard case .hash(let hash) = value else { return nil }
            return field.withUnsafeBytes { hash.get($0) }
        }
        return value.withStringBytes { ByteString($0) }
    }

    static func find(_ haystack: [UInt8], _ needle: [UInt8], from: Int) -> Int? {
        guard haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        for start in from...(haystack.count - needle.count)
        where Array(haystack[start..<(start + needle.count)]) == needle {
            return start
        }
        return nil
    }

    static func sort(_ engine: Engine, _ client: ClientSession, _ args: Arguments, readOnly: Bool) {
        var descending = false
        var alpha = false
        var dontSort = false
        var limit: (offset: Int, count: Int)?
        var sortBy: [UInt8]?
        var getPatterns: [[UInt8]] = []
        var storeKey: ByteString?
        var index = 2
        while index < args.count {
            let remaining = args.count - index - 1
            if args.matches(index, "asc") {
                descending = false
            } else if args.matches(index, "desc") {
                descending = true
            } else if args.matches(index, "alpha") {
                alpha = true
            } else if args.matches(index, "limit") && remaining >= 2 {
                guard let offset = args.integerOrReply(index + 1, client),
                    let count = args.integerOrReply(index + 2, client)
                else { return }
                limit = (offset, count)
                index += 2
            } else if !readOnly && args.matches(index, "store") && remaining >= 1 {
                storeKey = args.bytes(index + 1)
                index += 1
            } else if args.matches(index, "by") && remaining >= 1 {
                sortBy = Array(args[index + 1])
                if !(sortBy?.contains(UInt8(ascii: "*")) ?? false) {
                    dontSort = true
                } else if engine.cluster != nil {
                    // Patterns name keys of other slots.
                    return client.error("ERR BY option of SORT denied in Cluster mode.")
                }
                index += 1
            } else if args.matches(index, "get") && remaining >= 1 {
                if engine.cluster != nil { return client.error("ERR GET option of SORT denied in Cluster mode.") }
                getPatterns.append(Array(args[index + 1]))
                index += 1
            } else {
                client.error(RedisError.syntax)
                return
            }
            index += 1
        }
        let db = client.database
        var elements: [ByteString] = []
        var isSet = false
        if let position = storeKey == nil ? engine.lookupRead(db, args[1]) : engine.lookupWrite(db, args[1]) {
            switch engine.databases[db].keys.value(at: position).value {
            case .list(let list): elements = Array(list.items)
            case .set(let set):
                elements = set.members
                isSet = true
            case .zset(let zset):
                // Redis converts a listpack sorted set to a skiplist before sorting it.
                zset.convertToSkiplist()
                elements = zset.all.map(\.member)
            default:
                client.error(RedisError.wrongType)
                return
            }
        }
        // A set sorted BY a constant into a key is sorted ALPHA, so the stored result is deterministic.
        if dontSort && isSet && storeKey != nil {
            dontSort = false
            alpha = true
            sortBy = nil
        }
        var start = 0
        var end = elements.count - 1
        if let limit {
            // Both bounds are clamped to the input's size first, so no client value reaches the arithmetic.
            start = min(max(0, limit.offset), elements.count)
            let count = min(max(-1, limit.count), elements.count)
            end = count < 0 ? elements.count - 1 : start + count - 1
            if start >= elements.count {
                start = elements.count - 1
                end = elements.count - 2
            }
            if end >= elements.count { end = elements.count - 1 }
        }
        if !dontSort {
            var keys: [(element: ByteString, score: Double, by: ByteString?)] = []
            for element in elements {
                var byValue: ByteString? = element
                if let sortBy { byValue = lookupByPattern(engine, db, sortBy, element) }
                var score = 0.0
                if !alpha, let byValue {
                    guard let parsed = byValue.withUnsafeBytes({ StringNumbers.parseRangeDouble($0) }) else {
                        client.error("ERR One or more scores can't be converted into double")
                        return
                    }
                    score = parsed
                }
                keys.append((element, score, sortBy == nil ? nil : byValue))
            }
            let byPattern = sortBy != nil
            keys.sort { left, right in
                var order: Int
                if !alpha {
                    order =
                        left.score > right.score
                        ? 1 : (left.score < right.score ? -1 : compare(left.element, right.element))
                } else if byPattern {
                    switch (left.by, right.by) {
                    case (nil, nil): order = 0
                    case (nil, _): order = -1
                    case (_, nil): order = 1
                    case (let l?, let r?): order = compare(l, r)
                    }
                } else {
                    order = compare(left.element, right.element)
                }
                return descending ? order > 0 : order < 0
            }
            elements = keys.map(\.element)
        } else if descending {
            // Without sorting, DESC walks the native order backwards, as Redis does.
            elements.reverse()
        }
        let selected = start <= end && start >= 0 ? Array(elements[start...end]) : []
        var output: [ByteString?] = []
        for element in selected {
            if getPatterns.isEmpty {
                output.append(element)
            } else {
                for pattern in getPatterns { output.append(lookupByPattern(engine, db, pattern, element)) }
            }
        }
        if let storeKey {
            if output.isEmpty {
                if storeKey.withUnsafeBytes({ engine.deleteKey(db, $0) }) { engine.dirty += 1 }
            } else {
                let list = ListValue(Deque(output.map { $0 ?? .empty }))
                engine.storeValue(db, storeKey, .list(list))
                engine.dirty += output.count
                engine.notifyKeyspaceEvent(.list, "sortstore", storeKey, db)
            }
            client.reply.integer(output.count)
            return
        }
        client.reply.arrayHeader(output.count)
        for item in output {
            if let item { item.withUnsafeBytes { client.reply.bulk($0) } } else { client.reply.null() }
        }
    }

    /// Byte-wise comparison: -1, 0 or 1.
    static func compare(_ a: ByteString, _ b: ByteString) -> Int {
        a < b ? -1 : (b < a ? 1 : 0)
    }
}
