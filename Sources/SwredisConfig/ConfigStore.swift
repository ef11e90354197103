import SwredisBytes

/// The running configuration: one typed value per directive in `DirectiveTable`, read by the engine and
/// changed by the config file, `--directive` flags and CONFIG SET.
public final class ConfigStore {
    private var values: [String: ConfigValue] = [:]
    /// Directives that were given explicitly (file, flags or CONFIG SET), for CONFIG REWRITE.
    public private(set) var explicitlySet: Set<String> = []
    /// Directives changed while running (CONFIG SET, REPLICAOF) or read from the state file: what an instance under
    /// the supervisor has become, written to `stateFile` by CONFIG REWRITE.
    public private(set) var changedAtRuntime: Set<String> = []
    /// Under the supervisor: the file CONFIG REWRITE writes instead of the declared one (never rewritten), read
    /// after it at start-up, so a restart keeps what a failover did.
    public var stateFile: String?
    /// Whether a `save` line was already seen in this load (the first one replaces the default points).
    private var saveSeenInFile = false

    public init() {
        for directive in DirectiveTable.all { values[directive.name] = directive.defaultValue }
    }

    // MARK: Typed reads

    public func value(_ name: String) -> ConfigValue {
        values[name] ?? DirectiveTable.byName[name]?.defaultValue ?? .string("")
    }
    // Reads by name stay inside this module; the rest of the code reads `config[.name]` (Settings.swift).
    func bool(_ name: String) -> Bool { value(name).asBool }
    func int(_ name: String) -> Int { value(name).asInt }
    func string(_ name: String) -> String { value(name).asString }
    func words(_ name: String) -> [String] { value(name).asWords }

    /// Save points as (seconds, changes) pairs.
    public var savePoints: [(seconds: Int, changes: Int)] {
        let words = self.words("save")
        return stride(from: 0, to: words.count - 1, by: 2).compactMap { index in
            guard let seconds = Int(words[index]), let changes = Int(words[index + 1]) else { return nil }
            return (seconds, changes)
        }
    }

    /// `rename-command` pairs (original name, new name; an empty new name disables the command).
    public var renamedCommands: [(from: String, to: String)] {
        let words = self.words("rename-command")
        return stride(from: 0, to: words.count - 1, by: 2).map { (words[$0], words[$0 + 1]) }
    }

    // MARK: Changing values

    /// Called after CONFIG SET changed directives (their names), so every part that caches a value re-reads it.
    public typealias ChangeObserver = (Set<String>) -> Void
    private var observers: [ChangeObserver] = []

    /// Registers a part that caches directives; observers are told in the order they registered.
    public func observeChanges(_ observer: @escaping ChangeObserver) {
        observers.append(observer)
    }

    /// The one path by which a runtime change reaches the parts that cache values (called by CONFIG SET once all
    /// its values are in).
    public func announceChanges(_ names: Set<String>) {
        for observer in observers { observer(names) }
    }

    func setValue(_ name: String, _ value: ConfigValue) {
        values[name] = value
    }

    /// Applies one directive line (`name arg...`), as from a config file.
    /// - Throws: `ConfigError` with Redis's reason text.
    public func apply(name rawName: String, arguments: [String], fromFile: Bool = true) throws {
        let name = rawName.lowercased()
        guard let directive = DirectiveTable.byName[name] else {
            throw ConfigError("Bad directive or wrong number of arguments")
        }
        let value = try parse(directive, arguments, accumulate: fromFile)
        try refuseUnsupported(directive, value)
        values[directive.name] = value
        explicitlySet.insert(directive.name)
    }

    /// Throws for a value whose feature swredis lacks and cannot safely run without (see `DirectiveLimitations`).
    private func refuseUnsupported(_ directive: Directive, _ value: ConfigValue) throws {
        let text = ConfigStore.display(value, of: directive)
        if let limitation = DirectiveLimitations.limitation(directive, value: text), limitation.refused {
            throw ConfigError("'\(directive.name) \(text)' is not supported: \(limitation.note)")
        }
    }

    /// What swredis does not do of the directives set explicitly, for the warnings `ConfigFileLoader` places.
    public func limitationMessages() -> [(name: String, message: String)] {
        DirectiveTable.all.compactMap { directive in
            guard explicitlySet.contains(directive.name) else { return nil }
            let text = displayValue(directive)
            guard let limitation = DirectiveLimitations.limitation(directive, value: text), !limitation.refused else {
                return nil
            }
            return (directive.name, "'\(directive.name) \(text)' has no effect: \(limitation.note)")
        }
    }

    /// CONFIG SET semantics: one string argument (split into words for list directives), mutable only.
    public func set(name rawName: String, value text: String) throws {
        let name = rawName.lowercased()
        guard let directive = DirectiveTable.byName[name] else {
            throw ConfigError("Unknown option or number of arguments for CONFIG SET - '\(rawName)'")
        }
        guard directive.mutable else {
            throw ConfigError(
                "CONFIG SET failed (possibly related to argument '\(rawName)') - can't set immutable config")
        }
        let arguments: [String]
        switch directive.kind {
        case .words, .accumulating:
            arguments = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        default:
            arguments = [text]
        }
        do {
            let value = try parse(directive, arguments.isEmpty ? [""] : arguments, accumulate: false)
            try refuseUnsupported(directive, value)
            values[directive.name] = value
            explicitlySet.insert(directive.name)
            changedAtRuntime.insert(directive.name)
        } catch let error as ConfigError {
            throw ConfigError("CONFIG SET failed (possibly related to argument '\(rawName)') - \(error.reason)")
        }
    }

    /// The value as CONFIG GET shows it.
    public func displayValue(_ directive: Directive) -> String {
        ConfigStore.display(value(directive.name), of: directive)
    }

    /// `value` as CONFIG GET shows it for `directive`.
    static func display(_ value: ConfigValue, of directive: Directive) -> String {
        switch value {
        case .bool(let flag): return flag ? "yes" : "no"
        case .integer(let number):
            if case .integer = directive.kind, directive.name == "unixsocketperm" { return String(number, radix: 8) }
            return String(number)
        case .string(let text): return text
        case .words(let words): return words.joined(separator: " ")
        }
    }

    // MARK: Parsing one directive's arguments

    private func parse(_ directive: Directive, _ rawArguments: [String], accumulate: Bool) throws -> ConfigValue {
        var arguments = rawArguments
        // Like Redis 7, one argument of a multi-word directive is split on spaces (`--bind "a b"`,
        // `--save "3600 1 300 100"`, `--client-output-buffer-limit "replica 1mb 0 0"`).
        switch directive.kind {
        case .words,
            .accumulating where directive.name != "rename-command":
            if arguments.count == 1 && arguments[0].contains(" ") {
                arguments = arguments[0].split(separator: " ").map(String.init)
            }
        default:
            break
        }
        switch directive.kind {
        case .bool:
            guard arguments.count == 1 else { throw ConfigError.wrongArguments }
            switch arguments[0].lowercased() {
            case "yes": return .bool(true)
            case "no": return .bool(false)
            default: throw ConfigError("argument must be 'yes' or 'no'")
            }
        case .integer(let minimum, let maximum):
            guard arguments.count == 1 else { throw ConfigError.wrongArguments }
            let text = arguments[0]
            let number: Int
            if directive.name == "unixsocketperm" {
                guard let octal = Int(text, radix: 8) else {
                    throw ConfigError("argument couldn't be parsed into an integer")
                }
                number = octal
            } else {
                // Redis's string2ll: no '+' sign, no leading zeros, no spaces.
                var digits = text
                guard let decimal = digits.withUTF8({ StringNumbers.parseCanonicalInteger(UnsafeRawBufferPointer($0)) })
                else {
                    throw ConfigError("argument couldn't be parsed into an integer")
                }
                number = decimal
            }
            guard number >= minimum && number <= maximum else {
                throw ConfigError("argument must be between \(minimum) and \(maximum) inclusive")
            }
            // Redis keeps hz within 1..500 whatever is asked.
            if directive.name == "hz" { return .integer(Swift.min(Swift.max(number, 1), 500)) }
            return .integer(number)
        case .memory(let minimum, let maximum):
            guard arguments.count == 1 else { throw ConfigError.wrongArguments }
            // An empty value reads as 0, as Redis's memtoull does (`maxmemory ""`), and is bounds-checked like any
            // other: `client-query-buffer-limit ""` is refused, not set to 0.
            let text = arguments[0]
            let parsed = text.isEmpty ? 0 : MemoryUnits.parse(text)
            // Redis reads a plain number too large for 64 bits as out of range, not as a malformed value.
            if parsed == nil && text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                throw ConfigError("argument must be between \(minimum) and \(maximum) inclusive")
            }
            guard let number = parsed, number >= 0 else { throw ConfigError("argument must be a memory value") }
            guard number >= minimum && number <= maximum else {
                throw ConfigError("argument must be between \(minimum) and \(maximum) inclusive")
            }
            return .integer(number)
        case .enumeration(let options, let synonyms):
            guard arguments.count == 1 else { throw ConfigError.wrongArguments }
            let choice = arguments[0].lowercased()
            guard options.contains(choice) else {
                throw ConfigError("argument(s) must be one of the following: " + options.joined(separator: ", "))
            }
            return .string(synonyms[choice] ?? choice)
        case .string:
            guard arguments.count == 1 else { throw ConfigError.wrongArguments }
            if directive.name == "notify-keyspace-events" {
                guard let flags = KeyspaceEventFlags(parsing: arguments[0]) else {
                    throw ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
                }
                return .string(flags.description)
            }
            return .string(arguments[0])
        case .words(let minimum, let maximum):
            let words = arguments.filter { !$0.isEmpty }
            guard words.count >= minimum && words.count <= maximum else { throw ConfigError.wrongArguments }
            if directive.name == "replicaof" {
                if words[0].lowercased() == "no" && words[1].lowercased() == "one" { return .words([]) }
                guard let port = Int(words[1]), (0...65535).contains(port) else {
                    throw ConfigError("Invalid master port")
                }
            }
            return .words(words)
        case .accumulating:
            return try accumulateValue(directive, arguments, accumulate: accumulate)
        }
    }

    private func accumulateValue(_ directive: Directive, _ arguments: [String], accumulate: Bool) throws -> ConfigValue
    {
        switch directive.name {
        case "save":
            if arguments.count == 1 && arguments[0].isEmpty {
                saveSeenInFile = true
                return .words([])
            }
            guard arguments.count % 2 == 0, !arguments.isEmpty,
                arguments.allSatisfy({ Int($0).map { $0 >= 0 } ?? false })
            else {
                throw ConfigError("Invalid save parameters")
            }
            let previous = accumulate && saveSeenInFile ? words("save") : []
            saveSeenInFile = true
            return .words(previous + arguments)
        case "rename-command":
            guard arguments.count == 2 else { throw ConfigError.wrongArguments }
            return .words(words("rename-command") + [arguments[0].lowercased(), arguments[1]])
        case "client-output-buffer-limit":
            // Like Redis, an empty value changes nothing (CONFIG SET client-output-buffer-limit "").
            let arguments = arguments.filter { !$0.isEmpty }
            guard arguments.count % 4 == 0 else {
                throw ConfigError("Wrong number of arguments in buffer limit configuration.")
            }
            var limits = ClientBufferLimits(words: words("client-output-buffer-limit"))
            for group in stride(from: 0, to: arguments.count, by: 4) {
                guard let kind = ClientBufferLimits.className(arguments[group]) else {
                    throw ConfigError("Invalid client class specified in buffer limit configuration.")
                }
                guard let hard = MemoryUnits.parse(arguments[group + 1]),
                    let soft = MemoryUnits.parse(arguments[group + 2]),
                    let seconds = Int(arguments[group + 3]), hard >= 0, soft >= 0, seconds >= 0
                else {
                    throw ConfigError("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
                }
                limits.classes[kind] = [hard, soft, seconds]
            }
            return .words(limits.words)
        default:
            throw ConfigError.wrongArguments
        }
    }

    /// Marks the start of a fresh file load (the first `save` line then replaces the defaults again).
    public func beginLoad() {
        saveSeenInFile = false
    }
}

/// A configuration problem, with Redis's reason text.
public struct ConfigError: Error, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
    static let wrongArguments = ConfigError("wrong number of arguments")
}

/// `client-output-buffer-limit` as its three classes.
public struct ClientBufferLimits {
    public var classes: [String: [Int]] = [:]
    static let order = ["normal", "slave", "pubsub"]

    public init(words: [String]) {
        for group in stride(from: 0, to: words.count - 3, by: 4) {
            guard let name = ClientBufferLimits.className(words[group]) else { continue }
            classes[name] = words[(group + 1)...(group + 3)].compactMap { Int($0) }
        }
    }

    static func className(_ text: String) -> String? {
        switch text.lowercased() {
        case "normal": return "normal"
        case "slave", "replica": return "slave"
        case "pubsub": return "pubsub"
        default: return nil
        }
    }

    var words: [String] {
        ClientBufferLimits.order.flatMap { name -> [String] in
            let limit = classes[name] ?? [0, 0, 0]
            return [name] + limit.map(String.init)
        }
    }

    /// (hard, soft, soft seconds) for a class.
    public func limit(_ name: String) -> (hard: Int, soft: Int, seconds: Int) {
        let limit = classes[name] ?? [0, 0, 0]
        return (limit[0], limit[1], limit[2])
    }
}

/// Redis's memory units: `1k` = 1000, `1kb` = 1024, and so on for m/mb and g/gb; case-insensitive.
public enum MemoryUnits {
    public static func parse(_ text: String) -> Int? {
        let lower = text.lowercased()
        let units: [(String, Int)] = [
            ("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10),
            ("g", 1_000_000_000), ("m", 1_000_000), ("k", 1000), ("b", 1),
        ]
        var digits = Substring(lower)
        var multiplier = 1
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            digits = lower.dropLast(suffix.count)
            multiplier = factor
            break
        }
        // No sign: Redis's memtoull refuses a leading '-' (even "-0").
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits) else {
            return nil
        }
        let (result, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : result
    }
}

extension ConfigStore {
    /// REPLICAOF changed the master: CONFIG REWRITE writes the new `replicaof` line (or drops it).
    public func setReplicaOf(_ master: (host: String, port: Int)?) {
        setValue("replicaof", .words(master.map { [$0.host, String($0.port)] } ?? []))
        explicitlySet.insert("replicaof")
        changedAtRuntime.insert("replicaof")
    }

    /// Directives the state file set count as changed, so the next rewrite of the state file keeps them.
    public func markChangedAtRuntime(_ names: some Sequence<String>) {
        changedAtRuntime.formUnion(names)
    }

    /// Puts back a value saved before a failed multi-directive CONFIG SET.
    public func restore(_ name: String, _ value: ConfigValue) {
        setValue(name, value)
    }
}
