import SwredisEngine
import SwredisKeyspace
import SwredisScripting
import SwredisStorage

/// FUNCTION and FCALL (Redis's functions.c); the libraries and their interpreter are SwredisScripting's.
enum FunctionCommands {
    static let bindings: [CommandBinding] = [
        CommandBinding("fcall") { engine, client, args in engine.callFunction(client, args, readOnly: false) },
        CommandBinding("fcall_ro") { engine, client, args in engine.callFunction(client, args, readOnly: true) },
        CommandBinding("function") { _, _, _ in },
        CommandBinding("function|load") { engine, client, args in
            for index in 2..<(args.count - 1) where !args.matches(index, "replace") {
                client.error("ERR Unknown option given: \(args.string(index))")
                return
            }
            let code = Array(args[args.count - 1])
            switch engine.loadFunctionLibrary(code, replace: args.count > 3, client: client) {
            case .success(let name): client.reply.bulk(name)
            case .failure(let error): client.error(error.message)
            }
        },
        CommandBinding("function|delete") { engine, client, args in
            if engine.deleteFunctionLibrary(args.string(2)) {
                client.reply.ok()
            } else {
                client.error("ERR Library not found")
            }
        },
        CommandBinding("function|flush") { engine, client, args in
            if args.count > 3 {
                client.error(RedisError.subcommandSyntax(args.string(1), "function"))
                return
            }
            if args.count == 3 && !args.matches(2, "sync") && !args.matches(2, "async") {
                client.error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
                return
            }
            engine.flushFunctionLibraries()
            client.reply.ok()
        },
        CommandBinding("function|list", list),
        CommandBinding("function|stats") { engine, client, _ in
            if engine.busyScript == .eval {
                client.error(BusyScript.eval.refusal)
                return
            }
            let stats = engine.functionStats()
            client.reply.mapHeader(2)
            client.reply.bulk("running_script")
            if let running = stats.running {
                client.reply.mapHeader(3)
                client.reply.bulk("name")
                client.reply.bulk(running.name)
                client.reply.bulk("command")
                client.reply.arrayHeader(running.command.count)
                for word in running.command { word.withUnsafeBytes { client.reply.bulk($0) } }
                client.reply.bulk("duration_ms")
                client.reply.integer(running.milliseconds)
            } else {
                client.reply.null()
            }
            client.reply.bulk("engines")
            client.reply.mapHeader(1)
            client.reply.bulk("LUA")
            client.reply.mapHeader(2)
            client.reply.bulk("libraries_count")
            client.reply.integer(stats.libraries)
            client.reply.bulk("functions_count")
            client.reply.integer(stats.functions)
        },
        CommandBinding("function|kill") { engine, client, _ in
            if let refusal = engine.killBusyScript(function: true) { client.error(refusal) } else { client.reply.ok() }
        },
        CommandBinding("function|dump") { engine, client, _ in
            let codes = engine.functionLibraryList().map(\.code)
            client.reply.bulk(bytes: FunctionPayload.encode(codes, compression: engine.config[.rdbcompression]))
        },
        CommandBinding("function|restore") { engine, client, args in
            guard args.count <= 4 else {
                client.error(RedisError.subcommandSyntax(args.string(1), "function"))
                return
            }
            var policy = Engine.RestorePolicy.append
            if args.count == 4 {
                switch args.lowercased(3) {
                case "flush": policy = .flush
                case "append": policy = .append
                case "replace": policy = .replace
                default:
                    client.error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
                    return
                }
            }
            switch FunctionPayload.decode(args[2]) {
            case .failure(let error): client.error("ERR " + error.message)
            case .success(let codes):
                if let error = engine.restoreFunctionLibraries(codes, policy: policy, client: client) {
                    client.error("ERR " + error)
                } else {
                    client.reply.ok()
                }
            }
        },
        CommandBinding("function|help") { _, client, _ in HelpText.reply(client, "FUNCTION", helpLines) },
    ]

    /// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: each option once, in any order.
    private static func list(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var pattern: String?
        var withCode = false
        var index = 2
        while index < args.count {
            if args.matches(index, "withcode") && !withCode {
                withCode = true
            } else if args.matches(index, "libraryname") && pattern == nil {
                guard index + 1 < args.count else {
                    client.error("ERR library name argument was not given")
                    return
                }
                index += 1
                pattern = args.string(index)
            } else {
                client.error("ERR Unknown argument \(args.string(index))")
                return
            }
            index += 1
        }
        let libraries = engine.functionLibraryList().filter { library in
            pattern.map { GlobPattern.matches($0, library.name, nocase: true) } ?? true
        }
        client.reply.arrayHeader(libraries.count)
        for library in libraries {
            client.reply.mapHeader(withCode ? 4 : 3)
            client.reply.bulk("library_name")
            client.reply.bulk(library.name)
            client.reply.bulk("engine")
            client.reply.bulk("LUA")
            client.reply.bulk("functions")
            client.reply.arrayHeader(library.functions.count)
            for (name, description, flags) in library.functions {
                client.reply.mapHeader(3)
                client.reply.bulk("name")
                client.reply.bulk(name)
                client.reply.bulk("description")
                if let description { client.reply.bulk(description) } else { client.reply.null() }
                client.reply.bulk("flags")
                client.reply.setHeader(flags.count)
                for flag in flags { client.reply.simple(flag) }
            }
            if withCode {
                client.reply.bulk("library_code")
                client.reply.bulk(bytes: library.code)
            }
        }
    }

    static let helpLines = [
        "LOAD [REPLACE] <FUNCTION CODE>", "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>", "    Delete the given library.", "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:", "    * Library name",
        "    * The engine used to run the Library", "    * Library description", "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.", "STATS",
        "    Return information about the current function running:", "    * Function name",
        "    * Command used to run the function", "    * Duration in MS that the function is running",
        "    If no function is running, return nil", "    In addition, returns a list of available engines.", "KILL",
        "    Kill the current running function.", "FLUSH [ASYNC|SYNC]", "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.", "    * SYNC: Synchronously flush the libraries.", "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):", "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
    ]
}
