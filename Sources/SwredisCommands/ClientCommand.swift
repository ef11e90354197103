import SwredisBytes
import SwredisEngine

/// CLIENT and its subcommands (Redis's `networking.c`).
enum ClientCommand {

    static let bindings: [CommandBinding] = [
        CommandBinding("client") { _, _, _ in },
        CommandBinding("client|id") { _, client, _ in
            client.reply.integer(client.id)
        },
        CommandBinding("client|info") { engine, client, _ in
            client.reply.verbatim(ClientDescription.describe(engine, client) + "\n")
        },
        CommandBinding("client|list", list),
        CommandBinding("client|kill", kill),
        CommandBinding("client|setname") { _, client, args in
            guard validName(args[2]) else {
                client.error("ERR Client names cannot contain spaces, newlines or special characters.")
                return
            }
            client.name = args.string(2)
            client.reply.ok()
        },
        CommandBinding("client|getname") { _, client, _ in
            if client.name.isEmpty { client.reply.null() } else { client.reply.bulk(client.name) }
        },
        CommandBinding("client|setinfo") { _, client, args in
            guard validName(args[3]) else {
                client.error(
                    "ERR \(args.string(2).uppercased()) cannot contain spaces, newlines or special characters.")
                return
            }
            if args.matches(2, "lib-name") {
                client.libraryName = args.string(3)
            } else if args.matches(2, "lib-ver") {
                client.libraryVersion = args.string(3)
            } else {
                client.error("ERR Unrecognized option '\(args.string(2))'")
                return
            }
            client.reply.ok()
        },
        CommandBinding("client|reply") { _, client, args in
            if args.matches(2, "on") {
                client.replyMode = .on
                client.reply.ok()
            } else if args.matches(2, "off") {
                client.replyMode = .off
            } else if args.matches(2, "skip") {
                if client.replyMode == .on { client.replyMode = .skipNext }
            } else {
                client.error(RedisError.syntax)
            }
        },
        CommandBinding("client|pause") { engine, client, args in
            guard let timeout = BlockingCommands.millisecondsTimeout(client, args, 2) else { return }
            var writesOnly = false
            if args.count == 4 {
                if args.matches(3, "write") {
                    writesOnly = true
                } else if !args.matches(3, "all") {
                    client.error("ERR CLIENT PAUSE mode must be WRITE or ALL")
                    return
                }
            } else if args.count > 4 {
                client.error(RedisError.syntax)
                return
            }
            let (until, overflow) = engine.clock.unixMilliseconds().addingReportingOverflow(timeout)
            engine.pauseUntil = max(engine.pauseUntil, overflow ? Int.max : until)
            engine.pauseWritesOnly = writesOnly
            client.reply.ok()
        },
        CommandBinding("client|unpause") { engine, client, _ in
            engine.pauseUntil = 0
            client.reply.ok()
        },
        CommandBinding("client|unblock") {
            engine, client, args in
            guard args.count <= 4 else {
                client.error(RedisError.subcommandSyntax(args.string(1), "client"))
                return
            }
            // Redis checks the reason before the client id.
            var asError = false
            if args.count == 4 {
                if args.matches(3, "error") {
                    asError = true
                } else if !args.matches(3, "timeout") {
                    client.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
                    return
                }
            }
            guard let id = args.integer(2) else {
                client.error(RedisError.notInteger)
                return
            }
            // A busy script's caller and a transfer's are not blocked in Redis's sense (Redis runs both inline).
            guard let target = engine.clients[id], let blocked = target.blocked, !blocked.operation.endsWithItsWork
            else {
                client.reply.integer(0)
                return
            }
            if asError { engine.failBlockedClient(target) } else { engine.timeOutBlockedClient(target) }
            client.reply.integer(1)
        },
        CommandBinding("client|no-evict") { _, client, args in
            if args.matches(2, "on") {
                client.noEvict = true
            } else if args.matches(2, "off") {
                client.noEvict = false
            } else {
                client.error(RedisError.syntax)
                return
            }
            client.reply.ok()
        },
        CommandBinding("client|tracking") {
            _, client, args in
            if args.matches(2, "off") {
                client.reply.ok()
            } else if args.matches(2, "on") {
                // Accepting it would leave client-side caches stale forever: no invalidation is ever sent.
                client.error(
                    "ERR CLIENT TRACKING is not supported by this server (no invalidation messages are sent)")
            } else {
                client.error(RedisError.syntax)
            }
        },
        CommandBinding("client|caching") {
            _, client, _ in
            client.error(
                "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"
            )
        },
        CommandBinding("client|getredir") { _, client, _ in
            client.reply.integer(-1)
        },
        CommandBinding("client|trackinginfo") { _, client, _ in
            client.reply.mapHeader(3)
            client.reply.bulk("flags")
            client.reply.setHeader(1)
            client.reply.bulk("off")
            client.reply.bulk("redirect")
            client.reply.integer(-1)
            client.reply.bulk("prefixes")
            client.reply.arrayHeader(0)
        },
        CommandBinding("client|help") { _, client, _ in
            HelpText.reply(
                client, "CLIENT",
                [
                    "CACHING (YES|NO)",
                    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
                    "GETREDIR", "    Return the client ID we are redirecting to when tracking is enabled.",
                    "GETNAME", "    Return the name of the current connection.",
                    "ID", "    Return the ID of the current connection.",
                    "INFO", "    Return information about the current client connection.",
                    "KILL <ip:port>", "    Kill connection made from <ip:port>.",
                    "KILL <option> <value> [<option> <value> [...]]", "    Kill connections. Options are:",
                    "    * ADDR (<ip:port>|<unixsocket>:0)",
                    "      Kill connections made from the specified address",
                    "    * LADDR (<ip:port>|<unixsocket>:0)",
                    "      Kill connections made to specified local address",
                    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Kill connections by type.",
                    "    * USER <username>", "      Kill connections authenticated by <username>.",
                    "    * SKIPME (YES|NO)", "      Skip killing current connection (default: yes).",
                    "LIST [options ...]", "    Return information about client connections. Options:",
                    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Return clients of specified type.",
                    "UNPAUSE", "    Stop the current client pause, resuming traffic.",
                    "PAUSE <timeout> [WRITE|ALL]",
                    "    Suspend all, or just write, clients for <timeout> milliseconds.",
                    "REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
                    "SETNAME <name>", "    Assign the name <name> to the current connection.",
                    "UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
                    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
                    "         [OPTIN] [OPTOUT] [NOLOOP]",
                    "    Control server assisted client side caching.",
                    "TRACKINGINFO", "    Report tracking status for the current connection.",
                    "NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.",
                ])
        },
    ]

    /// Client names may hold printable ASCII except spaces (Redis's `validateClientName`).
    static func validName(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.allSatisfy { $0 > 32 && $0 < 127 }
    }

    static func list(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        // Redis 7.0 takes one filter: `TYPE t`, or `ID id...` (listed in the order given; unknown IDs are skipped).
        var selected = engine.clients.values.sorted { $0.id < $1.id }
        if args.count == 4 && args.matches(2, "type") {
            let type = args.lowercased(3)
            guard ["normal", "master", "replica", "slave", "pubsub"].contains(type) else {
                client.error("ERR Unknown client type '\(args.string(3))'")
                return
            }
            let wanted = type == "slave" ? "replica" : type
            selected = selected.filter { $0.kind == wanted }
        } else if args.count > 3 && args.matches(2, "id") {
            var chosen: [ClientSession] = []
            for index in 3..<args.count {
                guard let id = args.integer(index) else {
                    client.error("ERR Invalid client ID")
                    return
                }
                if let found = engine.clients[id] { chosen.append(found) }
            }
            selected = chosen
        } else if args.count != 2 {
            client.error(RedisError.syntax)
            return
        }
        let text = selected.map { ClientDescription.describe(engine, $0) + "\n" }.joined()
        client.reply.verbatim(text)
    }

    static func kill(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        if args.count == 3 {
            let address = args.string(2)
            guard
                let victim = engine.clients.values.first(where: {
                    $0.address == address || ($0.isUnixSocket && "\($0.address):0" == address)
                })
            else {
                client.error("ERR No such client")
                return
            }
            terminate(engine, victim, caller: client)
            client.reply.ok()
            return
        }
        var id: Int?
        var address: String?
        var localAddress: String?
        var type: String?
        var user: String?
        var skipMe = true
        var index = 2
        while index < args.count {
            guard index + 1 < args.count else {
                client.error(RedisError.syntax)
                return
            }
            let value = args.string(index + 1)
            if args.matches(index, "id") {
                guard let number = args.integer(index + 1), number > 0 else {
                    client.error("ERR client-id should be greater than 0")
                    return
                }
                id = number
            } else if args.matches(index, "addr") {
                address = value
            } else if args.matches(index, "laddr") {
                localAddress = value
            } else if args.matches(index, "type") {
                let lowered = value.lowercased()
                guard ["normal", "master", "replica", "slave", "pubsub"].contains(lowered) else {
                    client.error("ERR Unknown client type '\(value)'")
                    return
                }
                type = lowered
            } else if args.matches(index, "user") {
                user = value
            } else if args.matches(index, "skipme") {
                if value.lowercased() == "yes" {
                    skipMe = true
                } else if value.lowercased() == "no" {
                    skipMe = false
                } else {
                    client.error(RedisError.syntax)
                    return
                }
            } else {
                client.error(RedisError.syntax)
                return
            }
            index += 2
        }
        var killed = 0
        for victim in engine.clients.values.sorted(by: { $0.id < $1.id }) {
            if let id, victim.id != id { continue }
            if let address, victim.address != address { continue }
            if let localAddress, victim.localAddress != localAddress { continue }
            if let type, (type == "slave" ? "replica" : type) != victim.kind { continue }
            if let user, user != "default" { continue }
            if skipMe && victim === client { continue }
            terminate(engine, victim, caller: client)
            killed += 1
        }
        client.reply.integer(killed)
    }

    /// Closes a client: the caller itself after its reply, any other at once.
    static func terminate(_ engine: Engine, _ victim: ClientSession, caller: ClientSession) {
        if victim === caller {
            victim.closeAfterReply = true
        } else {
            victim.connection?.closeNow()
        }
    }
}
