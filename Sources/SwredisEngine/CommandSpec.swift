import SwredisBytes

/// Flags of a command, as the command table declares them and as the dispatcher enforces them. COMMAND INFO shows
/// the ones in `names`; the others are Redis's hidden flags (may_replicate, protected, sentinel...) and swredis's own.
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
    /// Runs even when the client is in RESP2 subscribed mode (swredis's; Redis tests the command procedures).
    public static let allowedInSubscribe = CommandFlags(rawValue: 1 << 16)
    /// Refused unless `enable-debug-command` allows it (Redis's CMD_PROTECTED; not shown by COMMAND INFO).
    public static let protected = CommandFlags(rawValue: 1 << 17)
    public static let asking = CommandFlags(rawValue: 1 << 18)
    public static let noMandatoryKeys = CommandFlags(rawValue: 1 << 19)
    public static let noAsyncLoading = CommandFlags(rawValue: 1 << 20)
    /// Part of Sentinel's command set (Redis's CMD_SENTINEL).
    public static let sentinel = CommandFlags(rawValue: 1 << 21)
    /// Only in Sentinel's command set (Redis's CMD_ONLY_SENTINEL).
    public static let onlySentinel = CommandFlags(rawValue: 1 << 22)
    public static let touchesArbitraryKeys = CommandFlags(rawValue: 1 << 23)
    /// Finding the keys needs the arguments: derived from the key specs, never declared.
    public static let movableKeys = CommandFlags(rawValue: 1 << 24)

    /// Names COMMAND INFO shows, in its order.
    package static let names: [(CommandFlags, String)] = [
        (.write, "write"), (.readonly, "readonly"), (.denyOOM, "denyoom"), (.admin, "admin"), (.pubsub, "pubsub"),
        (.noscript, "noscript"), (.blocking, "blocking"), (.loading, "loading"), (.stale, "stale"),
        (.skipMonitor, "skip_monitor"), (.skipSlowlog, "skip_slowlog"), (.asking, "asking"), (.fast, "fast"),
        (.noAuth, "no_auth"), (.noMandatoryKeys, "no_mandatory_keys"), (.noAsyncLoading, "no_async_loading"),
        (.noMulti, "no_multi"), (.movableKeys, "movablekeys"), (.allowBusy, "allow_busy"),
    ]

    /// Names a declaration may use besides `names` (never shown; `movablekeys` is derived, not declared).
    package static let hiddenNames: [(CommandFlags, String)] = [
        (.mayReplicate, "may_replicate"), (.protected, "protected"), (.sentinel, "sentinel"),
        (.onlySentinel, "only_sentinel"), (.touchesArbitraryKeys, "touches_arbitrary_keys"),
    ]

    /// The flag a declaration calls `name`.
    public init?(declaredName name: String) {
        guard name != "movablekeys",
            let flag = (CommandFlags.names + CommandFlags.hiddenNames).first(where: { $0.1 == name })?.0
        else { return nil }
        self = flag
    }

    /// Flag names in COMMAND INFO order.
    public var names: [String] {
        CommandFlags.names.filter { contains($0.0) }.map { $0.1 }
    }
}

/// Runs one command. The engine and client are passed so handlers reach the keyspace and write replies.
public typealias CommandHandler = (Engine, ClientSession, Arguments) -> Void

/// The handler of one declared command, bound by name, with what only the implementation knows.
public struct CommandBinding {
    public struct Options: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// Runs in RESP2 subscribed mode (PING, QUIT, RESET and the subscribe family).
        public static let allowedInSubscribe = Options(rawValue: 1 << 0)
        /// Touches (for WATCH) only the key it served itself, as BLPOP k1 k2 does: the dispatcher touches none.
        public static let touchesServedKeyOnly = Options(rawValue: 1 << 1)
    }

    public let name: String
    public let options: Options
    /// Finds the keys where the key specs cannot (Redis's getkeys procedure).
    public let keyProcedure: KeyProcedure?
    public let handler: CommandHandler

    public init(
        _ name: String, options: Options = [], keys keyProcedure: KeyProcedure? = nil,
        _ handler: @escaping CommandHandler
    ) {
        self.name = name
        self.options = options
        self.keyProcedure = keyProcedure
        self.handler = handler
    }
}

/// One entry of the command table: a declaration and its binding.
public final class CommandSpec: @unchecked Sendable {
    /// Lower-case name (`get`, or `config|get` for a subcommand).
    public let name: String
    /// Redis arity: N means exactly N arguments, -N at least N (the command name counts).
    public let arity: Int
    /// The declared flags, plus `movablekeys` where the key specs call for it and the binding's own.
    public let flags: CommandFlags
    public let declaration: CommandDeclaration
    public let categories: ACLCategories
    public let keyProcedure: KeyProcedure?
    /// Whether the dispatcher touches WATCHed keys after the command wrote (false when the handler does it).
    public let touchesWrittenKeys: Bool
    /// COMMAND INFO's legacy (first, last, step) triple, derived from the key specs as Redis does.
    public let legacyKeyRange: (first: Int, last: Int, step: Int)
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

    public init(_ declaration: CommandDeclaration, _ binding: CommandBinding, subcommands: [CommandSpec] = []) {
        name = declaration.name
        arity = declaration.arity
        self.declaration = declaration
        categories = declaration.categories
        let (range, movable) = CommandSpec.legacyRange(of: declaration.keySpecs)
        legacyKeyRange = range
        var flags = declaration.flags
        if movable { flags.insert(.movableKeys) }
        if binding.options.contains(.allowedInSubscribe) { flags.insert(.allowedInSubscribe) }
        self.flags = flags
        keyProcedure = binding.keyProcedure
        touchesWrittenKeys = !binding.options.contains(.touchesServedKeyOnly)
        handler = binding.handler
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

    public var keySpecs: [KeySpecification] { declaration.keySpecs }

    /// Whether the command has keys at all (Redis's `doesCommandHaveKeys`).
    public var hasKeys: Bool {
        keyProcedure != nil || keySpecs.contains { !$0.flags.contains(.notKey) }
    }

    /// The keys of `args` (the command name at `offset`) with their flags, as Redis's
    /// `getKeysFromCommandWithSpecs` finds them: from the key specs when they are reliable, else from the binding's
    /// procedure; empty when neither finds any. Indexes are relative to the command name.
    public func keys(in args: Arguments, from offset: Int = 0) -> [KeyReference] {
        let reliable = !keySpecs.contains { $0.flags.contains(.variable) }
        if reliable, keySpecs.contains(where: { !$0.flags.contains(.notKey) }),
            let keys = keySpecs.keys(in: args, from: offset)
        {
            return keys
        }
        return keyProcedure?(args, offset) ?? LegacyKeyCounts.keys(name, args, from: offset) ?? []
    }

    /// The argument indexes of the keys a write command may have changed.
    public func writtenKeyIndexes(in args: Arguments) -> [Int] {
        keys(in: args).filter { $0.flags.modifies || $0.flags.contains(.variable) }.map(\.index)
    }

    /// Redis's `populateCommandLegacyRangeSpec`: the first/last/step triple covering the plain consecutive range
    /// specs, and whether any key is outside it (`movablekeys`).
    static func legacyRange(of specs: [KeySpecification]) -> (range: (first: Int, last: Int, step: Int), movable: Bool)
    {
        guard !specs.isEmpty else { return ((0, 0, 0), false) }
        if specs.count == 1, let plain = specs[0].plainRange {
            let last = plain.lastKey >= 0 ? plain.lastKey + plain.first : plain.lastKey
            return ((plain.first, last, plain.step), specs[0].flags.contains(.incomplete))
        }
        var movable = false
        var first = Int.max
        var last = 0
        var previousLast = 0
        for spec in specs {
            guard let plain = spec.plainRange, plain.step == 1, previousLast == 0 || previousLast == plain.first - 1
            else {
                movable = true
                continue
            }
            if spec.flags.contains(.incomplete) { movable = true }
            first = min(first, plain.first)
            let absoluteLast = plain.lastKey >= 0 ? plain.lastKey + plain.first : plain.lastKey
            // Redis compares as unsigned, so a negative (counted from the end) last key wins.
            if UInt32(truncatingIfNeeded: absoluteLast) > UInt32(truncatingIfNeeded: last) { last = absoluteLast }
            previousLast = last
        }
        guard first != Int.max else { return ((0, 0, 0), true) }
        return ((first, last, 1), movable)
    }
}
