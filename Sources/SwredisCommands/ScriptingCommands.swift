import SwredisEngine
import SwredisScripting

/// EVAL, EVALSHA, their `_RO` forms and SCRIPT (Redis's eval.c); the interpreter is SwredisScripting's.
enum ScriptingCommands {
    static let bindings: [CommandBinding] = [
        CommandBinding("eval") { engine, client, args in
            engine.evaluateScript(client, args, bySHA: false, readOnly: false)
        },
        CommandBinding("evalsha") { engine, client, args in
            engine.evaluateScript(client, args, bySHA: true, readOnly: false)
        },
        CommandBinding("eval_ro") { engine, client, args in
            engine.evaluateScript(client, args, bySHA: false, readOnly: true)
        },
        CommandBinding("evalsha_ro") { engine, client, args in
            engine.evaluateScript(client, args, bySHA: true, readOnly: true)
        },
        CommandBinding("script") { _, _, _ in },
        CommandBinding("script|load") { engine, client, args in
            switch engine.loadScript(args[2]) {
            case .success(let sha): client.reply.bulk(sha)
            case .failure(let error): client.error(error.message)
            }
        },
        CommandBinding("script|exists") { engine, client, args in
            client.reply.arrayHeader(args.count - 2)
            for index in 2..<args.count { client.reply.integer(engine.scriptExists(args[index]) ? 1 : 0) }
        },
        CommandBinding("script|flush") { engine, client, args in
            if args.count == 3 && !["sync", "async"].contains(args.lowercased(2)) || args.count > 3 {
                client.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
                return
            }
            engine.flushScripts()
            client.reply.ok()
        },
        CommandBinding("script|kill") { engine, client, _ in
            if let refusal = engine.killBusyScript(function: false) { client.error(refusal) } else { client.reply.ok() }
        },
        CommandBinding("script|debug") { _, client, args in
            switch args.lowercased(2) {
            case "no": client.reply.ok()
            case "yes", "sync": client.error("ERR SCRIPT DEBUG (the Lua debugger) is not supported by swredis")
            default: client.error("ERR Use SCRIPT DEBUG YES/SYNC/NO")
            }
        },
        CommandBinding("script|help") { _, client, _ in
            HelpText.reply(
                client, "SCRIPT",
                [
                    "DEBUG (YES|SYNC|NO)", "    Set the debug mode for subsequent scripts executed.",
                    "EXISTS <sha1> [<sha1> ...]",
                    "    Return information about the existence of the scripts in the script cache.",
                    "FLUSH [ASYNC|SYNC]", "    Flush the Lua scripts cache. Very dangerous on replicas.",
                    "    When called without the optional mode argument, the behavior is determined by the",
                    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
                    "    * ASYNC: Asynchronously flush the scripts cache.",
                    "    * SYNC: Synchronously flush the scripts cache.", "KILL",
                    "    Kill the currently executing Lua script.", "LOAD <script>",
                    "    Load a script into the scripts cache without executing it.",
                ])
        },
    ]
}
