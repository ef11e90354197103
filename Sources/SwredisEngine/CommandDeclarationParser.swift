import SwredisBytes

/// Reads command declarations from their text form, one block per command:
///
///     command set
///         summary "Set the string value of a key"
///         since 1.0.0
///         group string
///         complexity O(1)
///         history 6.0.0 "Added the `KEEPTTL` option."
///         arity -3
///         flags write denyoom
///         acl string
///         key RW access update variable_flags index 1 range 0 1 0
///         arg key key key_spec_index 0
///         arg condition oneof since 2.6.12 optional
///             arg nx pure-token token NX
///
/// Words are split as redis.conf lines are (`sdssplitargs` quoting). `acl` lists only the categories the flags do not
/// imply. `key` is: flags, then `index N` | `keyword WORD START` | `unknown`, then `range LAST STEP LIMIT` |
/// `keynum INDEX FIRST STEP` | `unknown`, then optionally `notes TEXT`. An `arg` line is: name, type, then
/// `key_spec_index`/`token`/`summary`/`since`/`deprecated_since` with a value and the flags `optional`, `multiple`,
/// `multiple_token`; arguments of a `oneof` or `block` are the lines indented one level (4 spaces) deeper.
public enum CommandDeclarationParser {
    /// A declaration text that does not parse; `line` counts from 1.
    public struct Failure: Error, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public static func parse(_ text: String) throws(Failure) -> [CommandDeclaration] {
        var declarations: [CommandDeclaration] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let indent = rawLine.prefix { $0 == " " }.count
            guard let words = split(rawLine), let keyword = words.first else {
                if rawLine.allSatisfy({ $0 == " " }) { continue }
                throw Failure(line: lineNumber, reason: "unbalanced quotes")
            }
            if keyword == "command" {
                guard indent == 0, words.count == 2 else { throw Failure(line: lineNumber, reason: "command NAME") }
                declarations.append(CommandDeclaration(name: words[1]))
                continue
            }
            guard !declarations.isEmpty else {
                throw Failure(line: lineNumber, reason: "'\(keyword)' before any command")
            }
            do {
                try apply(words, indent: indent, to: &declarations[declarations.count - 1])
            } catch {
                throw Failure(line: lineNumber, reason: error.reason)
            }
        }
        return declarations
    }

    struct LineError: Error { let reason: String }

    private static func split(_ line: Substring) -> [String]? {
        var storage: [UInt8] = []
        var spans: [Int] = []
        let ok = Array(line.utf8).withUnsafeBytes { InlineSplitter.split($0, storage: &storage, spans: &spans) }
        guard ok else { return nil }
        return stride(from: 0, to: spans.count, by: 2).map { index in
            String(decoding: storage[spans[index]..<(spans[index] + spans[index + 1])], as: UTF8.self)
        }
    }

    private static func apply(_ words: [String], indent: Int, to declaration: inout CommandDeclaration)
        throws(LineError)
    {
        let values = Array(words.dropFirst())
        func single() throws(LineError) -> String {
            guard values.count == 1 else { throw LineError(reason: "\(words[0]) takes one value") }
            return values[0]
        }
        switch words[0] {
        case "summary": declaration.docs.summary = try single()
        case "since": declaration.docs.since = try single()
        case "group": declaration.docs.group = try single()
        case "complexity": declaration.docs.complexity = try single()
        case "deprecated_since": declaration.docs.deprecatedSince = try single()
        case "replaced_by": declaration.docs.replacedBy = try single()
        case "docflags":
            guard values.allSatisfy({ $0 == "deprecated" || $0 == "syscmd" }) else {
                throw LineError(reason: "unknown doc flag")
            }
            declaration.docs.docFlags = values
        case "history":
            guard values.count == 2 else { throw LineError(reason: "history VERSION TEXT") }
            declaration.docs.history.append((values[0], values[1]))
        case "arity":
            guard let arity = Int(try single()), arity != 0 else { throw LineError(reason: "arity must be non-zero") }
            declaration.arity = arity
        case "flags":
            for name in values {
                guard let flag = CommandFlags(declaredName: name) else {
                    throw LineError(reason: "unknown flag '\(name)'")
                }
                declaration.flags.insert(flag)
            }
        case "acl":
            for name in values {
                guard let category = ACLCategories(name: name) else {
                    throw LineError(reason: "unknown ACL category '\(name)'")
                }
                declaration.declaredCategories.insert(category)
            }
        case "tips": declaration.tips = values
        case "key": declaration.keySpecs.append(try keySpec(values))
        case "arg":
            let depth = indent / 4 - 1
            guard indent % 4 == 0, depth >= 0 else { throw LineError(reason: "arguments are indented by 4 spaces") }
            let argument = try argument(values)
            guard insert(argument, depth: depth, into: &declaration.docs.arguments) else {
                throw LineError(reason: "argument nested under no oneof/block argument")
            }
        default:
            throw LineError(reason: "unknown attribute '\(words[0])'")
        }
    }

    /// Appends `argument` at `depth` levels below the top, under the last argument of each level.
    private static func insert(_ argument: CommandArgument, depth: Int, into arguments: inout [CommandArgument]) -> Bool
    {
        guard depth > 0 else {
            arguments.append(argument)
            return true
        }
        guard let last = arguments.indices.last, arguments[last].type == "oneof" || arguments[last].type == "block"
        else { return false }
        return insert(argument, depth: depth - 1, into: &arguments[last].arguments)
    }

    private static func keySpec(_ words: [String]) throws(LineError) -> KeySpecification {
        var flags: KeySpecification.Flags = []
        var index = 0
        while index < words.count, let flag = KeySpecification.Flags(name: words[index]) {
            flags.insert(flag)
            index += 1
        }
        func number(_ offset: Int) throws(LineError) -> Int {
            guard index + offset < words.count, let value = Int(words[index + offset]) else {
                throw LineError(reason: "key spec: a number expected after '\(words[index])'")
            }
            return value
        }
        let beginSearch: KeySpecification.BeginSearch
        switch index < words.count ? words[index] : "" {
        case "index":
            beginSearch = .index(try number(1))
            index += 2
        case "keyword":
            guard index + 1 < words.count else { throw LineError(reason: "key spec: keyword WORD START") }
            beginSearch = .keyword(words[index + 1], startFrom: try number(2))
            index += 3
        case "unknown":
            beginSearch = .unknown
            index += 1
        default:
            throw LineError(reason: "key spec: index, keyword or unknown expected")
        }
        let findKeys: KeySpecification.FindKeys
        switch index < words.count ? words[index] : "" {
        case "range":
            findKeys = .range(lastKey: try number(1), step: try number(2), limit: try number(3))
            index += 4
        case "keynum":
            findKeys = .keyCount(countIndex: try number(1), firstKey: try number(2), step: try number(3))
            index += 4
        case "unknown":
            findKeys = .unknown
            index += 1
        default:
            throw LineError(reason: "key spec: range, keynum or unknown expected")
        }
        var notes: String?
        if index + 1 < words.count, words[index] == "notes" {
            notes = words[index + 1]
            index += 2
        }
        guard index == words.count else { throw LineError(reason: "key spec: unexpected '\(words[index])'") }
        return KeySpecification(flags: flags, beginSearch: beginSearch, findKeys: findKeys, notes: notes)
    }

    private static func argument(_ words: [String]) throws(LineError) -> CommandArgument {
        guard words.count >= 2, CommandArgument.types.contains(words[1]) else {
            throw LineError(reason: "arg NAME TYPE (a COMMAND DOCS type)")
        }
        var argument = CommandArgument(name: words[0], type: words[1])
        var index = 2
        while index < words.count {
            let word = words[index]
            if CommandArgument.flagNames.contains(word) {
                argument.flags.append(word)
                index += 1
                continue
            }
            guard index + 1 < words.count else { throw LineError(reason: "arg: '\(word)' needs a value") }
            let value = words[index + 1]
            switch word {
            case "key_spec_index":
                guard let number = Int(value), number >= 0 else { throw LineError(reason: "arg: bad key_spec_index") }
                argument.keySpecIndex = number
            case "token": argument.token = value
            case "summary": argument.summary = value
            case "since": argument.since = value
            case "deprecated_since": argument.deprecatedSince = value
            default: throw LineError(reason: "arg: unknown attribute '\(word)'")
            }
            index += 2
        }
        return argument
    }
}
