/// What a command is, as COMMAND INFO and COMMAND DOCS describe it: the declarative half of a command-table entry.
/// Handlers are bound to declarations by name (`CommandBinding`), so a command set — the data server's, or later
/// Sentinel's — is a list of declarations plus the handlers of the ones it serves.
///
/// Declarations are written in the text format `CommandDeclarationParser` reads; ACL categories that Redis derives
/// from flags (`setImplicitACLCategories` in server.c) are derived here too and are not declared.
public struct CommandDeclaration: Sendable {
    /// Lower-case name; `container|subcommand` for subcommands.
    public var name: String
    /// Redis arity: N means exactly N arguments, -N at least N (the command name counts).
    public var arity: Int
    public var flags: CommandFlags
    /// Categories declared explicitly (`@string`, `@keyspace`...), without the ones flags imply.
    public var declaredCategories: ACLCategories
    public var tips: [String]
    public var keySpecs: [KeySpecification]
    public var docs: CommandDocs

    public init(name: String) {
        self.name = name
        arity = 0
        flags = []
        declaredCategories = []
        tips = []
        keySpecs = []
        docs = CommandDocs()
    }

    /// The container's name for a subcommand (`config` for `config|get`), nil for a top-level command.
    public var containerName: Substring? {
        guard let bar = name.firstIndex(of: "|") else { return nil }
        return name[..<bar]
    }

    /// Every ACL category of the command: the declared ones plus the ones Redis derives from the flags.
    public var categories: ACLCategories {
        var categories = declaredCategories
        if flags.contains(.write) { categories.insert(.write) }
        if flags.contains(.readonly) && !declaredCategories.contains(.scripting) { categories.insert(.read) }
        if flags.contains(.admin) { categories.formUnion([.admin, .dangerous]) }
        if flags.contains(.pubsub) { categories.insert(.pubsub) }
        if flags.contains(.fast) { categories.insert(.fast) }
        if flags.contains(.blocking) { categories.insert(.blocking) }
        if !categories.contains(.fast) { categories.insert(.slow) }
        return categories
    }
}

/// The COMMAND DOCS part of a declaration.
public struct CommandDocs: Sendable {
    public var summary: String?
    public var since: String?
    /// Redis's command group (`string`, `generic`, `sorted-set`...).
    public var group = "generic"
    public var complexity: String?
    /// `deprecated`, `syscmd`.
    public var docFlags: [String] = []
    public var deprecatedSince: String?
    public var replacedBy: String?
    /// (version, what changed) pairs.
    public var history: [(since: String, changes: String)] = []
    public var arguments: [CommandArgument] = []

    public init() {}
}

/// One argument of COMMAND DOCS; `oneof` and `block` arguments have their own arguments.
public struct CommandArgument: Sendable {
    /// Types Redis's COMMAND DOCS reports.
    public static let types: Set<String> = [
        "string", "integer", "double", "key", "pattern", "unix-time", "pure-token", "oneof", "block",
    ]
    /// Flags in COMMAND DOCS order.
    public static let flagNames = ["optional", "multiple", "multiple_token"]

    public var name: String
    public var type: String
    public var keySpecIndex: Int?
    public var token: String?
    public var summary: String?
    public var since: String?
    public var deprecatedSince: String?
    public var flags: [String] = []
    public var arguments: [CommandArgument] = []

    public init(name: String, type: String) {
        self.name = name
        self.type = type
    }
}

/// ACL categories, in the order Redis lists them (acl.c's category table).
public struct ACLCategories: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let keyspace = ACLCategories(rawValue: 1 << 0)
    public static let read = ACLCategories(rawValue: 1 << 1)
    public static let write = ACLCategories(rawValue: 1 << 2)
    public static let set = ACLCategories(rawValue: 1 << 3)
    public static let sortedset = ACLCategories(rawValue: 1 << 4)
    public static let list = ACLCategories(rawValue: 1 << 5)
    public static let hash = ACLCategories(rawValue: 1 << 6)
    public static let string = ACLCategories(rawValue: 1 << 7)
    public static let bitmap = ACLCategories(rawValue: 1 << 8)
    public static let hyperloglog = ACLCategories(rawValue: 1 << 9)
    public static let geo = ACLCategories(rawValue: 1 << 10)
    public static let stream = ACLCategories(rawValue: 1 << 11)
    public static let pubsub = ACLCategories(rawValue: 1 << 12)
    public static let admin = ACLCategories(rawValue: 1 << 13)
    public static let fast = ACLCategories(rawValue: 1 << 14)
    public static let slow = ACLCategories(rawValue: 1 << 15)
    public static let blocking = ACLCategories(rawValue: 1 << 16)
    public static let dangerous = ACLCategories(rawValue: 1 << 17)
    public static let connection = ACLCategories(rawValue: 1 << 18)
    public static let transaction = ACLCategories(rawValue: 1 << 19)
    public static let scripting = ACLCategories(rawValue: 1 << 20)

    /// Category names without `@`, in Redis's order.
    public static let allNames = [
        "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog", "geo",
        "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting",
    ]

    /// The category called `name` (without `@`, any case).
    public init?(name: String) {
        guard let index = ACLCategories.allNames.firstIndex(of: name.lowercased()) else { return nil }
        self.init(rawValue: 1 << UInt32(index))
    }

    /// Names without `@`, in Redis's order.
    public var names: [String] {
        ACLCategories.allNames.indices.filter { rawValue & (1 << UInt32($0)) != 0 }.map { ACLCategories.allNames[$0] }
    }
}
