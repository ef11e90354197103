import SwredisBytes
import SwredisConfig
import SwredisEngine
import SwredisKeyspace

#if canImport(Glibc)
import Glibc
#endif

/// CONFIG GET / SET / RESETSTAT / REWRITE, all driven by the directive table.
enum ConfigCommand {
    static let bindings: [CommandBinding] = [
        CommandBinding("config") { _, _, _ in },
        CommandBinding("config|get", get),
        CommandBinding("config|set", set),
        CommandBinding("config|resetstat", resetstat),
        CommandBinding("config|rewrite", rewrite),
        CommandBinding("config|help") { _, client, _ in
            HelpText.reply(
                client, "CONFIG",
                [
                    "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
                    "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
                    "RESETSTAT", "    Reset statistics reported by the INFO command.",
                    "REWRITE", "    Rewrite the configuration file.",
                ])
        },
    ]

    /// The value CONFIG GET reports, with the runtime facts Redis substitutes (the absolute `dir`).
    static func displayValue(_ engine: Engine, _ directive: Directive) -> String {
        if directive.name == "dir" {
            var buffer = [CChar](repeating: 0, count: 4096)
            if getcwd(&buffer, buffer.count) != nil { return String(cString: buffer) }
        }
        return engine.config.displayValue(directive)
    }

    static func get(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var matched: [(String, Directive)] = []
        var seen = Set<String>()
        for index in 2..<args.count {
            let pattern = args.lowercased(index)
            if !pattern.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) {
                if let directive = DirectiveTable.byName[pattern], !seen.contains(pattern) {
                    seen.insert(pattern)
                    matched.append((args.string(index), directive))
                }
                continue
            }
            for (name, directive) in DirectiveTable.byName.sorted(by: { $0.key < $1.key })
            where !seen.contains(name) && GlobPattern.matches(pattern, name, nocase: true) {
                seen.insert(name)
                matched.append((name, directive))
            }
        }
        client.reply.mapHeader(matched.count)
        for (name, directive) in matched {
            client.reply.bulk(name)
            client.reply.bulk(displayValue(engine, directive))
        }
    }

    static func set(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard args.count % 2 == 0 else {
            client.error(RedisError.syntax)
            return
        }
        // As Redis's configSetCommand: every name is checked (unknown, immutable, given twice as written: an alias
        // and its directive are two names) before any value.
        var written = Set<String>()
        var checked: [(index: Int, directive: Directive)] = []
        for index in stride(from: 2, to: args.count, by: 2) {
            guard let directive = DirectiveTable.byName[args.lowercased(index)] else {
                client.error("ERR Unknown option or number of arguments for CONFIG SET - '\(args.string(index))'")
                return
            }
            guard directive.mutable else {
                client.error(
                    "ERR CONFIG SET failed (possibly related to argument '\(args.string(index))') - can't set immutable config"
                )
                return
            }
            guard written.insert(args.lowercased(index)).inserted else {
                client.error(
                    "ERR CONFIG SET failed (possibly related to argument '\(args.string(index))') - duplicate parameter"
                )
                return
            }
            checked.append((index, directive))
            if directive.sensitive { engine.redactArgument(index + 1) }
        }
        var previous: [(String, ConfigValue)] = []
        for (index, directive) in checked {
            let name = args.lowercased(index)
            let old = engine.config.value(directive.name)
            do {
                try engine.config.set(name: name, value: args.string(index + 1))
                if let failure = applyRuntimeEffect(engine, directive.name) {
                    engine.config.restore(directive.name, old)
                    throw ConfigError(
                        "CONFIG SET failed (possibly related to argument '\(args.string(index))') - \(failure)")
                }
                previous.append((directive.name, old))
            } catch let error as ConfigError {
                rollback(engine, previous)
                client.error("ERR \(error.reason)")
                return
            } catch {
                rollback(engine, previous)
                client.error("ERR \(error)")
                return
            }
        }
        engine.config.announceChanges(Set(checked.map(\.directive.name)))
        client.reply.ok()
    }

    /// Effects a directive has outside the config store; returns Redis's reason text when it can't apply.
    static func applyRuntimeEffect(_ engine: Engine, _ name: String) -> String? {
        switch name {
        case "dir":
            let path = engine.config[.dir]
            if chdir(path) != 0 { return String(cString: strerror(errno)) }
        case "appendonly":
            if engine.config[.appendonly] {
                if engine.appendOnlyLog == nil && !engine.appendOnly.enabling { return engine.enableAppendOnly() }
            } else if engine.appendOnlyLog != nil {
                engine.disableAppendOnly()
            }
        case "appendfsync":
            engine.appendOnlyLog?.policy = engine.fsyncPolicy
        default:
            break
        }
        return nil
    }

    static func rollback(_ engine: Engine, _ previous: [(String, ConfigValue)]) {
        for (name, value) in previous.reversed() {
            engine.config.restore(name, value)
            _ = applyRuntimeEffect(engine, name)
        }
    }

    static func resetstat(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        engine.stats = EngineStats()
        engine.errorCounts = [:]
        func reset(_ spec: CommandSpec) {
            spec.calls = 0
            spec.microseconds = 0
            spec.rejectedCalls = 0
            spec.failedCalls = 0
            spec.subcommands.values.forEach(reset)
        }
        engine.commands.all.forEach(reset)
        client.reply.ok()
    }

    static func rewrite(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard !engine.configFile.isEmpty else {
            client.error("ERR The server is running without a config file")
            return
        }
        do {
            if let stateFile = engine.config.stateFile {
                try ConfigRewriter(store: engine.config, path: stateFile).rewriteState()
            } else {
                try ConfigRewriter(store: engine.config, path: engine.configFile).rewrite()
            }
            client.reply.ok()
        } catch {
            client.error("ERR Rewriting config file: \(error)")
        }
    }
}
