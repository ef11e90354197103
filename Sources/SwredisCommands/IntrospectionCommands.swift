import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// COMMAND and its subcommands, generated from the command table.
enum IntrospectionCommands {
    static let bindings: [CommandBinding] = [
        CommandBinding("command") { engine, client, _ in
            client.reply.arrayHeader(engine.commands.all.count)
            for spec in engine.commands.all { writeInfo(client, spec) }
        },
        CommandBinding("command|count") { engine, client, _ in
            client.reply.integer(engine.commands.all.count)
        },
        CommandBinding("command|info", info),
        CommandBinding("command|docs", docs),
        CommandBinding("command|list", list),
        CommandBinding("command|getkeys") { engine, client, args in getkeys(engine, client, args, withFlags: false) },
        CommandBinding("command|getkeysandflags") { engine, client, args in
            getkeys(engine, client, args, withFlags: true)
        },
        CommandBinding("command|help") { _, client, _ in
            HelpText.reply(
                client, "COMMAND",
                [
                    "(no subcommand)", "    Return details about all Redis commands.",
                    "COUNT", "    Return the total number of commands in this Redis server.",
                    "LIST", "    Return a list of all commands in this Redis server.",
                    "INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
                    "    If no command names are given, documentation details for all",
                    "    commands are returned.",
                    "DOCS [<command-name> ...]",
                    "    Return documentation details about multiple Redis commands.",
                    "    If no command names are given, documentation details for all",
                    "    commands are returned.",
                    "GETKEYS <full-command>", "    Return the keys from a full Redis command.",
                    "GETKEYSANDFLAGS <full-command>",
                    "    Return the keys and the access flags from a full Redis command.",
                ])
        },
    ]

    /// One COMMAND INFO entry: name, arity, flags, first/last/step, categories, tips, key specs, subcommands.
    static func writeInfo(_ client: ClientSession, _ spec: CommandSpec) {
        client.reply.arrayHeader(10)
        client.reply.bulk(spec.name)
        client.reply.integer(spec.arity)
        writeSet(client, spec.flags.names, simple: true)
        client.reply.integer(spec.legacyKeyRange.first)
        client.reply.integer(spec.legacyKeyRange.last)
        client.reply.integer(spec.legacyKeyRange.step)
        writeSet(client, spec.categories.names.map { "@" + $0 }, simple: true)
        writeSet(client, spec.declaration.tips, simple: false)
        client.reply.setHeader(spec.keySpecs.count)
        for keySpec in spec.keySpecs { writeKeySpec(client, keySpec) }
        // Redis sends an empty set when there are no subcommands, an array otherwise.
        let subs = spec.subcommands.values.sorted { $0.name < $1.name }
        if subs.isEmpty { client.reply.setHeader(0) } else { client.reply.arrayHeader(subs.count) }
        for sub in subs { writeInfo(client, sub) }
    }

    static func writeSet(_ client: ClientSession, _ items: [String], simple: Bool) {
        client.reply.setHeader(items.count)
        for item in items {
            if simple { client.reply.simple(item) } else { client.reply.bulk(item) }
        }
    }

    /// One key spec of COMMAND INFO: notes, flags, begin_search and find_keys (server.c's addReplyCommandKeySpecs).
    static func writeKeySpec(_ client: ClientSession, _ keySpec: KeySpecification) {
        client.reply.mapHeader(keySpec.notes == nil ? 3 : 4)
        if let notes = keySpec.notes {
            client.reply.bulk("notes")
            client.reply.bulk(notes)
        }
        client.reply.bulk("flags")
        writeSet(client, keySpec.flags.names, simple: true)
        client.reply.bulk("begin_search")
        switch keySpec.beginSearch {
        case .index(let position):
            writeTypedSpec(client, "index", [("index", .integer(position))])
        case .keyword(let keyword, let startFrom):
            writeTypedSpec(client, "keyword", [("keyword", .text(keyword)), ("startfrom", .integer(startFrom))])
        case .unknown:
            writeTypedSpec(client, "unknown", [])
        }
        client.reply.bulk("find_keys")
        switch keySpec.findKeys {
        case .range(let lastKey, let step, let limit):
            writeTypedSpec(
                client, "range",
                [("lastkey", .integer(lastKey)), ("keystep", .integer(step)), ("limit", .integer(limit))])
        case .keyCount(let countIndex, let firstKey, let step):
            writeTypedSpec(
                client, "keynum",
                [("keynumidx", .integer(countIndex)), ("firstkey", .integer(firstKey)), ("keystep", .integer(step))])
        case .unknown:
            writeTypedSpec(client, "unknown", [])
        }
    }

    enum SpecValue {
        case integer(Int)
        case text(String)
    }

    /// `{type: TYPE, spec: {fields}}`.
    static func writeTypedSpec(_ client: ClientSession, _ type: String, _ fields: [(String, SpecValue)]) {
        client.reply.mapHeader(2)
        client.reply.bulk("type")
        client.reply.bulk(type)
        client.reply.bulk("spec")
        client.reply.mapHeader(fields.count)
        for (name, value) in fields {
            client.reply.bulk(name)
            switch value {
            case .integer(let number): client.reply.integer(number)
            case .text(let text): client.reply.bulk(text)
            }
        }
    }

    static func info(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        if args.count == 2 {
            client.reply.arrayHeader(engine.commands.all.count)
            for spec in engine.commands.all { writeInfo(client, spec) }
            return
        }
        client.reply.arrayHeader(args.count - 2)
        for index in 2..<args.count {
            if let spec = resolve(engine, args.string(index)) { writeInfo(client, spec) } else { client.reply.null() }
        }
    }

    /// A command or `container|subcommand` by name.
    static func resolve(_ engine: Engine, _ name: String) -> CommandSpec? {
        let parts = name.lowercased().split(separator: "|", maxSplits: 1).map(String.init)
        guard let first = parts.first, let spec = engine.commands.lookup(name: first) else { return nil }
        if parts.count == 2 { return spec.subcommands[parts[1]] }
        return spec
    }

    /// One COMMAND DOCS entry, with Redis's optional fields (server.c's addReplyCommandDocs).
    static func writeDocs(_ client: ClientSession, _ spec: CommandSpec) {
        let docs = spec.declaration.docs
        let subs = spec.subcommands.values.sorted { $0.name < $1.name }
        let optional: [Bool] = [
            docs.summary != nil, docs.since != nil, docs.complexity != nil, !docs.docFlags.isEmpty,
            docs.deprecatedSince != nil, docs.replacedBy != nil, !docs.history.isEmpty, !docs.arguments.isEmpty,
            !subs.isEmpty,
        ]
        client.reply.mapHeader(1 + optional.filter { $0 }.count)
        writeField(client, "summary", docs.summary)
        writeField(client, "since", docs.since)
        writeField(client, "group", docs.group)
        writeField(client, "complexity", docs.complexity)
        if !docs.docFlags.isEmpty {
            client.reply.bulk("doc_flags")
            writeSet(client, ["deprecated", "syscmd"].filter(docs.docFlags.contains), simple: true)
        }
        writeField(client, "deprecated_since", docs.deprecatedSince)
        writeField(client, "replaced_by", docs.replacedBy)
        if !docs.history.isEmpty {
            client.reply.bulk("history")
            client.reply.setHeader(docs.history.count)
            for entry in docs.history {
                client.reply.arrayHeader(2)
                client.reply.bulk(entry.since)
                client.reply.bulk(entry.changes)
            }
        }
        if !docs.arguments.isEmpty {
            client.reply.bulk("arguments")
            writeArguments(client, docs.arguments)
        }
        if !subs.isEmpty {
            client.reply.bulk("subcommands")
            client.reply.mapHeader(subs.count)
            for sub in subs {
                client.reply.bulk(sub.name)
                writeDocs(client, sub)
            }
        }
    }

    static func writeField(_ client: ClientSession, _ name: String, _ value: String?) {
        guard let value else { return }
        client.reply.bulk(name)
        client.reply.bulk(value)
    }

    /// COMMAND DOCS arguments (server.c's addReplyCommandArgList).
    static func writeArguments(_ client: ClientSession, _ arguments: [CommandArgument]) {
        client.reply.arrayHeader(arguments.count)
        for argument in arguments {
            let nested = argument.type == "oneof" || argument.type == "block"
            let optional: [Bool] = [
                argument.keySpecIndex != nil, argument.token != nil, argument.summary != nil, argument.since != nil,
                argument.deprecatedSince != nil, !argument.flags.isEmpty, nested,
            ]
            client.reply.mapHeader(2 + optional.filter { $0 }.count)
            writeField(client, "name", argument.name)
            writeField(client, "type", argument.type)
            if let index = argument.keySpecIndex {
                client.reply.bulk("key_spec_index")
                client.reply.integer(index)
            }
            writeField(client, "token", argument.token)
            writeField(client, "summary", argument.summary)
            writeField(client, "since", argument.since)
            writeField(client, "deprecated_since", argument.deprecatedSince)
            if !argument.flags.isEmpty {
                client.reply.bulk("flags")
                writeSet(client, CommandArgument.flagNames.filter(argument.flags.contains), simple: true)
            }
            if nested {
                client.reply.bulk("arguments")
                writeArguments(client, argument.arguments)
            }
        }
    }

    static func docs(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        let specs: [CommandSpec]
        if args.count == 2 {
            specs = engine.commands.all
        } else {
            specs = (2..<args.count).compactMap { resolve(engine, args.string($0)) }
        }
        client.reply.mapHeader(specs.count)
        for spec in specs {
            client.reply.bulk(spec.name)
            writeDocs(client, spec)
        }
    }

    static func list(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var names = engine.commands.all.flatMap { spec in [spec.name] + spec.subcommands.values.map(\.name) }
        if args.count == 5 && args.matches(2, "filterby") {
            let value = args.string(4)
            if args.matches(3, "pattern") {
                names = names.filter { GlobPattern.matches(value, $0, nocase: true) }
            } else if args.matches(3, "aclcat") {
                let category = value.lowercased()
                names = engine.commands.all.flatMap { spec in [spec] + Array(spec.subcommands.values) }
                    .filter { spec in ACLCategories(name: category).map { spec.categories.contains($0) } ?? false }
                    .map(\.name)
            } else if args.matches(3, "module") {
                names = []
            } else {
                client.error(RedisError.syntax)
                return
            }
        } else if args.count != 2 {
            client.error(RedisError.syntax)
            return
        }
        client.reply.arrayHeader(names.count)
        for name in names { client.reply.bulk(name) }
    }

    /// COMMAND GETKEYS / GETKEYSANDFLAGS, with Redis's checks in Redis's order (server.c's getKeysSubcommandImpl).
    static func getkeys(_ engine: Engine, _ client: ClientSession, _ args: Arguments, withFlags: Bool) {
        let commandArgs = args.count - 2
        guard var spec = engine.commands.lookup(args[2]) else {
            client.error("ERR Invalid command specified")
            return
        }
        if spec.isContainer, commandArgs >= 2 {
            guard let sub = spec.subcommands[args.lowercased(3)] else {
                client.error("ERR Invalid command specified")
                return
            }
            spec = sub
        }
        guard spec.hasKeys else {
            client.error("ERR The command has no key arguments")
            return
        }
        guard spec.acceptsArgumentCount(commandArgs) else {
            client.error("ERR Invalid number of arguments specified for command")
            return
        }
        let keys = spec.keys(in: args, from: 2)
        guard !keys.isEmpty else {
            if spec.flags.contains(.noMandatoryKeys) {
                client.reply.arrayHeader(0)
            } else {
                client.error("ERR Invalid arguments specified for command")
            }
            return
        }
        client.reply.arrayHeader(keys.count)
        for key in keys {
            if withFlags {
                client.reply.arrayHeader(2)
                client.reply.bulk(args[key.index + 2])
                writeSet(client, key.flags.names, simple: true)
            } else {
                client.reply.bulk(args[key.index + 2])
            }
        }
    }
}
