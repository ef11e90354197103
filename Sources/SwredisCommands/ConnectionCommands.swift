import SwredisBytes
import SwredisConfig
import SwredisEngine
import SwredisKeyspace

/// Connection commands: PING, ECHO, QUIT, RESET, AUTH, HELLO, CLIENT.
enum ConnectionCommands {
    static let bindings: [CommandBinding] = [
        CommandBinding("ping", options: [.allowedInSubscribe], ping),
        CommandBinding("echo") { _, client, args in client.reply.bulk(args[1]) },
        CommandBinding("quit", options: [.allowedInSubscribe]) { _, client, _ in
            client.reply.ok()
            client.closeAfterReply = true
        },
        CommandBinding("reset", options: [.allowedInSubscribe], reset),
        CommandBinding("auth", auth),
        CommandBinding("hello", hello),
    ]

    static func ping(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard args.count <= 2 else {
            client.error(RedisError.wrongArity("ping"))
            return
        }
        if client.isInSubscribedMode {
            client.reply.arrayHeader(2)
            client.reply.bulk("pong")
            if args.count == 2 { client.reply.bulk(args[1]) } else { client.reply.bulk("") }
        } else if args.count == 2 {
            client.reply.bulk(args[1])
        } else {
            client.reply.simple("PONG")
        }
    }

    static func reset(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        client.transaction = nil
        engine.unwatchAll(client)
        engine.removeAllSubscriptions(client)
        client.database = 0
        client.reply.protocolVersion = 2
        client.name = ""
        client.replyMode = .on
        client.noEvict = false
        if client.isMonitor {
            client.isMonitor = false
            engine.monitors.removeAll { $0 === client }
        }
        client.authenticated = engine.requirePass.isEmpty
        client.reply.simple("RESET")
    }

    /// Checks a username/password pair against the single `default` user that `requirepass` defines.
    static func credentialsValid(_ engine: Engine, user: UnsafeRawBufferPointer?, password: UnsafeRawBufferPointer)
        -> Bool
    {
        if let user, !user.elementsEqual("default".utf8) { return false }
        if engine.requirePass.isEmpty { return true }
        var secret = engine.requirePass
        return secret.withUTF8 { ConstantTime.equal(password, UnsafeRawBufferPointer($0)) }
    }

    static func auth(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard args.count <= 3 else {
            client.error(RedisError.syntax)
            return
        }
        for index in 1..<args.count { engine.redactArgument(index) }
        if args.count == 2 && engine.requirePass.isEmpty {
            client.error(
                "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
            )
            return
        }
        let user: UnsafeRawBufferPointer? = args.count == 3 ? args[1] : nil
        let password = args[args.count - 1]
        if credentialsValid(engine, user: user, password: password) {
            client.authenticated = true
            client.reply.ok()
        } else {
            client.error(RedisError.wrongPass)
        }
    }

    static func hello(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var version = client.reply.protocolVersion
        var index = 1
        if args.count >= 2 {
            guard let requested = args.integer(1) else {
                client.error("ERR Protocol version is not an integer or out of range")
                return
            }
            guard requested == 2 || requested == 3 else {
                client.error("NOPROTO unsupported protocol version")
                return
            }
            version = requested
            index = 2
        }
        var newName: String?
        var authenticatedNow = false
        while index < args.count {
            let remaining = args.count - index - 1
            if args.matches(index, "auth") && remaining >= 2 {
                engine.redactArgument(index + 1)
                engine.redactArgument(index + 2)
                guard credentialsValid(engine, user: args[index + 1], password: args[index + 2]) else {
                    client.error(RedisError.wrongPass)
                    return
                }
                authenticatedNow = true
                index += 3
            } else if args.matches(index, "setname") && remaining >= 1 {
                let name = args.string(index + 1)
                guard ClientCommand.validName(args[index + 1]) else {
                    client.error("ERR Client names cannot contain spaces, newlines or special characters.")
                    return
                }
                newName = name
                index += 2
            } else {
                client.error("ERR Syntax error in HELLO option '\(args.string(index))'")
                return
            }
        }
        if authenticatedNow { client.authenticated = true }
        guard client.authenticated else {
            client.error(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
            )
            return
        }
        if let newName { client.name = newName }
        client.reply.protocolVersion = version
        // A sentinel reports its mode and no role (6 fields).
        let isSentinel = engine.mode == "sentinel"
        client.reply.mapHeader(isSentinel ? 6 : 7)
        client.reply.bulk("server")
        client.reply.bulk("redis")
        client.reply.bulk("version")
        client.reply.bulk(ServerIdentity.redisVersion)
        client.reply.bulk("proto")
        client.reply.integer(version)
        client.reply.bulk("id")
        client.reply.integer(client.id)
        client.reply.bulk("mode")
        client.reply.bulk(engine.mode)
        if !isSentinel {
            client.reply.bulk("role")
            client.reply.bulk("master")
        }
        client.reply.bulk("modules")
        client.reply.arrayHeader(0)
    }
}
