import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// COMMAND and its subcommands, generated from the command table.
enum IntrospectionCommands {
    static let specs: [CommandSpec] = [
        CommandSpec(
            "command", arity: -1, flags: [.loading, .stale], categories: ["slow", "connection"], group: "server",
            summary: "Get array of Redis command details", since: "2.8.13",
            complexity: "O(N) where N is the total number of Redis commands",
            subcommands: [
                CommandSpec(
                    "command|count", arity: 2, flags: [.loading, .stale], categories: ["slow", "connection"],
                    group: "server", summary: "Get total number of Redis commands",
                    handler: { engine, client, _ in
                        client.reply.integer(engine.commands.all.count)
                    }),
                CommandSpec(
                    "command|info", arity: -2, flags: [.loading, .stale], categories: ["slow", "connection"],
                    group: "server",
                    summary: "Get array of specific Redis command details, or all when no argument is given.",
                    handler: info),
                CommandSpec(
                    "command|docs", arity: -2, flags: [.loading, .stale], categories: ["slow", "connection"],
                    group: "server", summary: "Get array of specific Redis command documentation", handler: docs),
                CommandSpec(
                    "command|list", arity: -2, flags: [.loading, .stale], categories: ["slow", "connection"],
                    group: "server", summary: "Get an array of Redis command names", handler: list),
                CommandSpec(
                    "command|getkeys", arity: -4, flags: [.loading, .stale], categories: ["slow", "connection"],
                    group: "server", summary: "Extract keys given a full Redis command",
                    handler: { engine, client, args in getkeys(engine, client, args, withFlags: false) }),
                CommandSpec(
                    "command|getkeysandflags", arity: -4, flags: [.loading, .stale],
                    categories: ["slow", "connection"], group: "server",
                    summary: "Extract keys and access flags given a full Redis command",
                    handler: { engine, client, args in getkeys(engine, client, args, withFlags: true) }),
                CommandSpec(
                    "command|help", arity: 2, flags: [.loading, .stale], categories: ["slow", "connection"],
                    group: "server", summary: "Show helpful text about the different subcommands",
                    handler: { _, client, _ in
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
                    }),
            ],
            handler: { engine, client, _ in
                client.reply.arrayHeader(engine.commands.all.count)
                for spec in engine.commands.all { writeInfo(client, spec) }
            })
    ]

    static func keySpecFlags(_ spec: CommandSpec) -> [String] {
        spec.flags.contains(.write) ? ["RW", "update"] : ["RO", "access"]
    }

    /// One COMMAND INFO entry: name, arity, flags, first/last/step, categories, tips, key specs, subcommands.
    static func writeInfo(_ client: ClientSession, _ spec: CommandSpec) {
        client.reply.arrayHeader(10)
        client.reply.bulk(spec.name)
        client.reply.integer(spec.arity)
        let flags = spec.flags.names + (spec.keys.isMovable ? ["movablekeys"] : [])
        client.reply.setHeader(flags.count)
        for flag in flags { client.reply.simple(flag) }
        client.reply.integer(spec.keys.first)
        client.reply.integer(spec.keys.last)
        client.reply.integer(spec.keys.step)
        client.reply.setHeader(spec.categories.count)
        for category in spec.categories { client.reply.simple("@" + category) }
        client.reply.setHeader(0)
        let hasRange = spec.keys.first > 0
        client.reply.setHeader((hasRange ? 1 : 0) + (spec.keys.numKeysAt != nil ? 1 : 0))
        if hasRange {
            writeKeySpec(
                client, spec, beginIndex: spec.keys.first, findType: "range",
                [
                    ("lastkey", spec.keys.last < 0 ? spec.keys.last : spec.keys.last - spec.keys.first),
                    ("keystep", spec.keys.step), ("limit", 0),
                ])
        }
        if let numKeysAt = spec.keys.numKeysAt {
            writeKeySpec(
                client, spec, beginIndex: numKeysAt, findType: "keynum",
                [("keynumidx", 0), ("firstkey", 1), ("keystep", 1)])
        }
        // Redis sends an empty set when there are no subcommands, an array otherwise.
        let subs = spec.subcommands.values.sorted { $0.name < $1.name }
        if subs.isEmpty { client.reply.setHeader(0) } else { client.reply.arrayHeader(subs.count) }
        for sub in subs { writeInfo(client, sub) }
    }

    /// One key spec of COMMAND INFO: flags, an index begin_search and a `range` or `keynum` find_keys.
    static func writeKeySpec(
        _ client: ClientSession, _ spec: CommandSpec, beginIndex: Int, findType: String, _ fields: [(String, Int)]
    ) {
        client.reply.mapHeader(3)
        client.reply.bulk("flags")
        let keyFlags = keySpecFlags(spec)
        client.reply.setHeader(keyFlags.count)
        for flag in keyFlags { client.reply.simple(flag) }
        client.reply.bulk("begin_search")
        client.reply.mapHeader(2)
        client.reply.bulk("type")
        client.reply.bulk("index")
        client.reply.bulk("spec")
        client.reply.mapHeader(1)
        client.reply.bulk("index")
        client.reply.integer(beginIndex)
        client.reply.bulk("find_keys")
        client.reply.mapHeader(2)
        client.reply.bulk("type")
        client.reply.bulk(findType)
        client.reply.bulk("spec")
        client.reply.mapHeader(fields.count)
        for (name, value) in fields {
            client.reply.bulk(name)
            client.reply.integer(value)
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

    static func writeDocs(_ client: ClientSession, _ spec: CommandSpec) {
        let subs = spec.subcommands.values.sorted { $0.name < $1.name }
        client.reply.mapHeader(subs.isEmpty ? 4 : 5)
        client.reply.bulk("summary")
        client.reply.bulk(spec.summary)
        client.reply.bulk("since")
        client.reply.bulk(spec.since)
        client.reply.bulk("group")
        client.reply.bulk(spec.group)
        client.reply.bulk("complexity")
        client.reply.bulk(spec.complexity)
        if !subs.isEmpty {
            client.reply.bulk("subcommands")
            client.reply.mapHeader(subs.count)
            for sub in subs {
                client.reply.bulk(sub.name)
                writeDocs(client, sub)
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
                    .filter { $0.categories.contains(category) }.map(\.name)
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

    static func getkeys(_ engine: Engine, _ client: ClientSession, _ args: Arguments, withFlags: Bool) {
        guard var spec = engine.commands.lookup(args[2]) else {
            client.error("ERR Invalid command specified")
            return
        }
        let commandArgs = args.count - 2
        if spec.isContainer, commandArgs >= 2, let sub = spec.subcommands[args.lowercased(3)] { spec = sub }
        // Redis's order: no keys at all before a wrong number of arguments.
        guard spec.keys.hasKeys && !spec.keys.notKey else {
            client.error("ERR The command has no key arguments")
            return
        }
        guard spec.acceptsArgumentCount(commandArgs) else {
            client.error("ERR Invalid number of arguments specified for command")
            return
        }
        let indexes = spec.keys.keyIndexes(in: args, from: 2)
        guard !indexes.isEmpty else {
            client.error("ERR Invalid arguments specified for command")
            return
        }
        client.reply.arrayHeader(indexes.count)
        for index in indexes {
            if withFlags {
                client.reply.arrayHeader(2)
                client.reply.bulk(args[index + 2])
                let flags = keySpecFlags(spec)
                client.reply.setHeader(flags.count)
                for flag in flags { client.reply.simple(flag) }
            } else {
                client.reply.bulk(args[index + 2])
            }
        }
    }
}
