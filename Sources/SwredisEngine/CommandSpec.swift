import SwredisBytes

/// Flags of a command, as COMMAND INFO reports them and as the dispatcher enforces them.
public struct CommandFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let write = CommandFlags(rawValue: 1 << 0)
    public static let readonly = CommandFlags(rawValue: 1 << 1)
    public static let denyOOM = CommandFlags(rawValue: 1 << 2)
    public static let admin = CommandFlags(rawValue: 1 << 3)
    public static let pubsub = CommandFlags(rawValue: 1 << 4)
    public static let noscript = CommandFlags(rawValue: 1 << 5)
    public static let blocking = CommandFlags(rawValue: 1 << 6)
    public static let loading = CommandFlags(rawValue: 1 << 7)
    public static let stale = CommandFlags(rawValue: 1 << 8)
    public static let skipMonitor = CommandFlags(rawValue: 1 << 9)
    public static let skipSlowlog = CommandFlags(rawValue: 1 << 10)
    public static let fast = CommandFlags(rawValue: 1 << 11)
    /// May run before the client authenticated (AUTH, HELLO, QUIT...).
    public static let noAuth = CommandFlags(rawValue: 1 << 12)
    public static let mayReplicate = CommandFlags(rawValue: 1 << 13)
    public static let noMulti = CommandFlags(rawValue: 1 << 14)
    public static let allowBusy = CommandFlags(rawValue: 1 << 15)
    /// Runs even when the client is in RESP2 subscribed mode.
    public static let allowedInSubscribe = CommandFlags(rawValue: 1 << 16)
    /// Refused unless `enable-debug-command` allows it (Redis's internal CMD_PROTECTED; not shown by COMMAND INFO).
    public static let protected = CommandFlags(rawValue: 1 << 17)

    package static let names: [(CommandFlags, String)] = [
        (.write, "write"), (.readonly, "readonly"), (.denyOOM, "denyoom"), (.admin, "admin"), (.pubsub, "pubsub"),
        (.noscript, "noscript"), (.blocking, "blocking"), (.loading, "loading"), (.stale, "stale"),
        (.skipMonitor, "skip_monitor"), (.skipSlowlog, "skip_slowlog"), (.fast, "fast"), (.noAuth, "no_auth"),
        (.mayReplicate, "may_replicate"), (.noMulti, "no_multi"), (.allowBusy, "allow_busy"),
    ]

    /// Flag names in COMMAND INFO order.
    public var names: [String] {
        CommandFlags.names.filter { contains($0.0) }.map { $0.1 }
    }
}

/// Where a command's keys are: Redis's legacy (first, last, step) triple — `last` -1 means the last argument,
/// -2 the one before it — plus, for commands like ZUNIONSTORE or LMPOP, a `numkeys` argument followed by that
/// many keys, and for SORT the destination that follows its STORE option.
public struct KeySpec: Sendable {
    /// Which of a write command's keys it writes: WATCH is broken only for those (ZUNIONSTORE's sources are only read).
    /// SORT writes only its STORE destination (see `sortStore`).
    public enum WrittenKeys: Sendable {
        case all
        /// Only the key at this argument index.
        case argument(Int)
        /// The one key the command popped from, which the handler touches itself (BLPOP k1 k2, LMPOP...): Redis
        /// signals only the key it modified, so WATCH on the other keys stays intact.
        case served
    }

    public let first: Int
    public let last: Int
    public let step: Int
    /// Index of a `numkeys` argument whose keys follow it.
    public let numKeysAt: Int?
    /// Whether SORT's `STORE destination` is a key too (Redis's `sortGetKeys`), and the only one written.
    public let sortStore: Bool
    /// Whether BY/GET patterns name further keys (SORT, SORT_RO): Redis flags those commands `movablekeys`.
    public let patternKeys: Bool
    public let written: WrittenKeys
    /// The "keys" are shard channels (SPUBLISH, SSUBSCRIBE): Redis's NOT_KEY spec, hashed to a slot but not a key,
    /// so COMMAND GETKEYS finds none.
    public let notKey: Bool
    public static let none = KeySpec(first: 0, last: 0, step: 0)
    public static let single = KeySpec(first: 1, last: 1, step: 1)
    public static let all = KeySpec(first: 1, last: -1, step: 1)
    /// The first key is written, the others only read (SINTERSTORE dst k1 k2...).
    public static let storeIntoFirst = KeySpec(first: 1, last: -1, step: 1, written: .argument(1))
    /// SORT: the sorted key, and the STORE destination (the only one written).
    public static let sort = KeySpec(first: 1, last: 1, step: 1, sortStore: true, patternKeys: true)
    /// SORT_RO: the sorted key.
    public static let sortReadOnly = KeySpec(first: 1, last: 1, step: 1, patternKeys: true)

    public init(
        first: Int, last: Int, step: Int, numKeysAt: Int? = nil, sortStore: Bool = false, patternKeys: Bool = false,
        written: WrittenKeys = .all, notKey: Bool = false
    ) {
        self.notKey = notKey
        self.first = first
        self.last = last
        self.step = step
        self.numKeysAt = numKeysAt
        self.sortStore = sortStore
        self.patternKeys = patternKeys
        self.written = written
    }

    /// Keys counted by the argument at `index`, nothing else.
    public static func numKeys(at index: Int, written: WrittenKeys = .all) -> KeySpec {
        KeySpec(first: 0, last: 0, step: 0, numKeysAt: index, written: written)
    }

    /// SPUBLISH's channel.
    public static let shardChannel = KeySpec(first: 1, last: 1, step: 1, notKey: true)
    /// SSUBSCRIBE / SUNSUBSCRIBE channels.
    public static let shardChannels = KeySpec(first: 1, last: -1, step: 1, notKey: true)

    /// Multi-key pops (BLPOP k1 k2 timeout): keys up to the last-but-one argument, of which only the served
    /// one is written.
    public static let poppedBeforeTimeout = KeySpec(first: 1, last: -2, step: 1, written: .served)

    /// Whether the command takes keys at all (COMMAND GETKEYS: "The command has no key arguments" otherwise).
    public var hasKeys: Bool { (first > 0 && step > 0) || numKeysAt != nil || sortStore }

    /// Whether finding the keys needs the arguments (COMMAND INFO's `movablekeys`).
    public var isMovable: Bool { numKeysAt != nil || sortStore || patternKeys }

    /// Indexes (relative to the command name at `offset`) of the arguments that are keys; empty when a `numkeys`
    /// argument is not a count of the arguments that follow it (Redis's getkeys procs give up then).
    public func keyIndexes(in args: Arguments, from offset: Int = 0) -> [Int] {
        let argumentCount = args.count - offset
        var indexes: [Int] = []
        if first > 0, step > 0 {
            let lastIndex = last < 0 ? argumentCount + last : last
            if first <= lastIndex, lastIndex < argumentCount {
                indexes = Array(stride(from: first, through: lastIndex, by: step))
            }
        }
        if let numKeysAt {
            guard numKeysAt < argumentCount, let count = args.integer(offset + numKeysAt),
                count > 0, count < argumentCount - numKeysAt
            else { return [] }
            indexes += Array((numKeysAt + 1)...(numKeysAt + count))
        }
        if sortStore, let destination = KeySpec.sortDestination(in: args, from: offset) { indexes.append(destination) }
        return indexes
    }

    /// The keys a write command writes (a subset of `keyIndexes`).
    public func writtenKeyIndexes(in args: Arguments) -> [Int] {
        if sortStore { return KeySpec.sortDestination(in: args, from: 0).map { [$0] } ?? [] }
        switch written {
        case .all: return keyIndexes(in: args)
        case .argument(let index): return index < args.count ? [index] : []
        case .served: return []
        }
    }

    /// The argument after SORT's last STORE, skipping the arguments of LIMIT (2), GET and BY (1 each).
    package static func sortDestination(in args: Arguments, from offset: Int) -> Int? {
        var index = offset + 2
        var destination: Int?
        while index < args.count {
            if args.matches(index, "limit") {
                index += 2
            } else if args.matches(index, "get") || args.matches(index, "by") {
                index += 1
            } else if args.matches(index, "store") && index + 1 < args.count {
                destination = index + 1 - offset
            }
            index += 1
        }
        return destination
    }
}

/// Runs one command. The engine and client are passed so handlers reach the keyspace and write replies.
public typealias CommandHandler = (Engine, ClientSession, Arguments) -> Void

/// One entry of the command table.
public final class CommandSpec: @unchecked Sendable {
    /// Lower-case name (`get`, or `config|get` for a subcommand).
    public let name: String
    /// Redis arity: N means exactly N arguments, -N at least N (the command name counts).
    public let arity: Int
    public let flags: CommandFlags
    public let keys: KeySpec
    /// ACL category names (without `@`), for COMMAND INFO and DOCS.
    public let categories: [String]
    /// COMMAND DOCS group (`string`, `generic`, `server`, `connection`...).
    public let group: String
    public let summary: String
    public let since: String
    public let complexity: String
    public let handler: CommandHandler
    /// Subcommands by lower-case name (CONFIG GET, CLIENT LIST...). Empty for plain commands.
    public private(set) var subcommands: [String: CommandSpec] = [:]
    /// The container (CONFIG for CONFIG GET), which owns this spec; `unowned`, not `weak`, so specs need no
    /// side table for their reference counts (see `Engine.init`).
    public unowned var parent: CommandSpec?

    // Statistics for INFO commandstats.
    public var calls = 0
    public var microseconds = 0
    public var rejectedCalls = 0
    public var failedCalls = 0

    public init(
        _ name: String, arity: Int, flags: CommandFlags, keys: KeySpec = .none, categories: [String] = [],
        group: String, summary: String = "", since: String = "1.0.0", complexity: String = "O(1)",
        subcommands: [CommandSpec] = [], handler: @escaping CommandHandler
    ) {
        self.name = name
        self.arity = arity
        self.flags = flags
        self.keys = keys
        self.categories = categories
        self.group = group
        self.summary = summary
        self.since = since
        self.complexity = complexity
        self.handler = handler
        for sub in subcommands {
            let short = sub.name.split(separator: "|").last.map(String.init) ?? sub.name
            self.subcommands[short] = sub
            sub.parent = self
        }
    }

    /// Whether `count` arguments satisfy the arity.
    @inlinable public func acceptsArgumentCount(_ count: Int) -> Bool {
        arity >= 0 ? count == arity : count >= -arity
    }

    public var isContainer: Bool { !subcommands.isEmpty }
}
