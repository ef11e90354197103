/// Where a command's keys are and how it uses them: Redis 7's key specs (a `begin_search` step that finds the first
/// key, a `find_keys` step that finds the others, and access flags), as COMMAND INFO reports them and as
/// `getKeysUsingKeySpecs` in db.c reads them.
public struct KeySpecification: Sendable {
    /// How the command uses the keys of this spec (COMMAND INFO order).
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public static let readOnly = Flags(rawValue: 1 << 0)
        public static let readWrite = Flags(rawValue: 1 << 1)
        public static let overwrite = Flags(rawValue: 1 << 2)
        public static let remove = Flags(rawValue: 1 << 3)
        public static let access = Flags(rawValue: 1 << 4)
        public static let update = Flags(rawValue: 1 << 5)
        public static let insert = Flags(rawValue: 1 << 6)
        public static let delete = Flags(rawValue: 1 << 7)
        /// The "keys" are shard channels (SPUBLISH): hashed to a slot, but not keys.
        public static let notKey = Flags(rawValue: 1 << 8)
        /// The spec may miss keys (a keyword that can appear anywhere): key extraction needs the command's procedure.
        public static let incomplete = Flags(rawValue: 1 << 9)
        /// The flags depend on the arguments (SET ... GET): `variable_flags`.
        public static let variable = Flags(rawValue: 1 << 10)

        public static let allNames = [
            "RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete", "variable_flags",
        ]

        public init?(name: String) {
            guard let index = Flags.allNames.firstIndex(of: name) else { return nil }
            self.init(rawValue: 1 << UInt16(index))
        }

        public var names: [String] {
            Flags.allNames.indices.filter { rawValue & (1 << UInt16($0)) != 0 }.map { Flags.allNames[$0] }
        }

        /// Whether the command may change the key (Redis's RW, OW and RM).
        public var modifies: Bool { !isDisjoint(with: [.readWrite, .overwrite, .remove]) }
    }

    /// How the first key is found.
    public enum BeginSearch: Sendable, Equatable {
        /// At this argument index.
        case index(Int)
        /// After this keyword, searched from argument `startFrom` (backwards from the end when negative).
        case keyword(String, startFrom: Int)
        /// Only the command's own procedure knows (SORT's STORE).
        case unknown
    }

    /// How the keys after the first are found.
    public enum FindKeys: Sendable, Equatable {
        /// Up to `lastKey` (relative to the first key; negative counts from the end), every `step`; with a `limit`,
        /// only the first 1/limit of the remaining arguments.
        case range(lastKey: Int, step: Int, limit: Int)
        /// The argument at `countIndex` (relative to the first) says how many keys follow from `firstKey`.
        case keyCount(countIndex: Int, firstKey: Int, step: Int)
        case unknown
    }

    public var flags: Flags
    public var beginSearch: BeginSearch
    public var findKeys: FindKeys
    public var notes: String?

    public init(flags: Flags, beginSearch: BeginSearch, findKeys: FindKeys, notes: String? = nil) {
        self.flags = flags
        self.beginSearch = beginSearch
        self.findKeys = findKeys
        self.notes = notes
    }

    /// A plain `index N` + `range` spec, the only kind the legacy first/last/step triple can express.
    var plainRange: (first: Int, lastKey: Int, step: Int)? {
        guard case .index(let first) = beginSearch, case .range(let lastKey, let step, _) = findKeys else { return nil }
        return (first, lastKey, step)
    }
}

/// One key of a command: its argument index and how the command uses it.
public struct KeyReference: Sendable, Equatable {
    public let index: Int
    public let flags: KeySpecification.Flags

    public init(index: Int, flags: KeySpecification.Flags) {
        self.index = index
        self.flags = flags
    }
}

/// The keys of a command whose key specs cannot find them all (Redis's getkeys procedures, such as sortGetKeys):
/// argument indexes relative to the command name at `offset`.
public typealias KeyProcedure = @Sendable (Arguments, _ offset: Int) -> [KeyReference]

extension [KeySpecification] {
    /// The keys `args` (the command name at `offset`) names, as Redis's `getKeysUsingKeySpecs` finds them; nil when
    /// a spec cannot be applied (an unknown or incomplete spec, a key count that is not a number or points past the
    /// end). Indexes are relative to the command name.
    /// `includingNotKeys`: channels of sharded pub/sub count too (Redis's `GET_KEYSPEC_INCLUDE_NOT_KEYS`).
    public func keys(in args: Arguments, from offset: Int = 0, includingNotKeys: Bool = false) -> [KeyReference]? {
        let count = args.count - offset
        var keys: [KeyReference] = []
        for spec in self where includingNotKeys || !spec.flags.contains(.notKey) {
            var first = 0
            switch spec.beginSearch {
            case .index(let position):
                first = position
            case .keyword(let keyword, let startFrom):
                guard let found = Self.search(keyword, startFrom: startFrom, in: args, offset: offset) else { continue }
                first = found + 1
            case .unknown:
                return nil
            }
            let last: Int
            let step: Int
            switch spec.findKeys {
            case .range(let lastKey, let keyStep, let limit):
                step = keyStep
                if lastKey >= 0 {
                    last = first + lastKey
                } else if limit == 0 {
                    last = count + lastKey
                } else {
                    guard lastKey == -1, count >= first else { return nil }
                    last = first + ((count - first) / limit + lastKey)
                }
            case .keyCount(let countIndex, let firstKey, let keyStep):
                step = keyStep
                guard first + countIndex < count, let keyCount = args.integer(offset + first + countIndex),
                    keyCount >= 0, keyCount <= count
                else { return nil }
                first += firstKey
                last = first + keyCount - 1
            case .unknown:
                return nil
            }
            guard last < count, last >= first, first < count, step > 0 else { return nil }
            for index in stride(from: first, through: last, by: step) {
                keys.append(KeyReference(index: index, flags: spec.flags))
            }
            if spec.flags.contains(.incomplete) { return nil }
        }
        return keys
    }

    /// The index of `keyword` (any case), searched as Redis does: forwards from `startFrom` up to the argument before
    /// the last, or backwards from `count + startFrom` down to argument 2.
    private static func search(_ keyword: String, startFrom: Int, in args: Arguments, offset: Int) -> Int? {
        let count = args.count - offset
        let start = startFrom > 0 ? startFrom : count + startFrom
        let end = startFrom > 0 ? count - 1 : 1
        var index = start
        while index != end {
            guard index < count, index >= 1 else { return nil }
            if args.lowercased(offset + index) == keyword.lowercased() { return index }
            index += start <= end ? 1 : -1
        }
        return nil
    }
}
