import SwredisEngine

/// ACL in a sentinel: swredis has the default user only. WHOAMI, USERS, LIST, CAT, GENPASS and HELP answer as
/// Redis does for that user; the subcommands that manage users answer an error that says so (README: compatibility).
enum SentinelACL {
    static let bindings: [CommandBinding] =
        [
            CommandBinding("acl") { _, _, _ in },
            CommandBinding("acl|whoami") { _, client, _ in client.reply.bulk("default") },
            CommandBinding("acl|users") { _, client, _ in
                client.reply.arrayHeader(1)
                client.reply.bulk("default")
            },
            CommandBinding("acl|list") { engine, client, _ in
                guard engine.config[.requirepass].isEmpty else {
                    return client.error("ERR ACL LIST with requirepass set is not supported by swredis")
                }
                client.reply.arrayHeader(1)
                client.reply.bulk("user default on nopass sanitize-payload ~* &* +@all")
            },
            CommandBinding("acl|cat") { engine, client, args in
                guard args.count == 3 else {
                    client.reply.arrayHeader(ACLCategories.allNames.count)
                    for name in ACLCategories.allNames { client.reply.bulk(name) }
                    return
                }
                guard let category = ACLCategories(name: args.string(2)) else {
                    return client.error("ERR Unknown category '\(args.string(2))'")
                }
                var names: [String] = []
                for spec in engine.commands.all {
                    if spec.declaration.categories.contains(category) { names.append(spec.declaration.name) }
                    for sub in spec.subcommands.values.sorted(by: { $0.declaration.name < $1.declaration.name })
                    where sub.declaration.categories.contains(category) {
                        names.append(sub.declaration.name)
                    }
                }
                client.reply.arrayHeader(names.count)
                for name in names { client.reply.bulk(name) }
            },
            CommandBinding("acl|genpass") { _, client, args in
                var bits = 256
                if args.count == 3 {
                    guard let requested = args.integer(2), requested > 0, requested <= 4096 else {
                        return client.error(
                            "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"
                        )
                    }
                    bits = requested
                }
                let characters = (bits + 3) / 4
                var text = ""
                while text.count < characters {
                    text += String(UInt64.random(in: .min ... .max), radix: 16).leftPadded(16)
                }
                client.reply.bulk(String(text.prefix(characters)))
            },
            CommandBinding("acl|help") { _, client, _ in
                let lines = [
                    "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "CAT [<category>]",
                    "    List all commands that belong to <category>, or all command categories",
                    "    when no category is specified.", "GENPASS [<bits>]",
                    "    Generate a secure 256-bit user password. The optional `bits` argument can",
                    "    be used to specify a different size.", "LIST", "    Show users details in config file format.",
                    "USERS", "    List all the registered usernames.", "WHOAMI",
                    "    Return the current connection username.", "HELP", "    Prints this help.",
                ]
                client.reply.arrayHeader(lines.count)
                for line in lines { client.reply.simple(line) }
            },
        ]
        + ["setuser", "deluser", "getuser", "load", "save", "log", "dryrun"].map { name in
            CommandBinding("acl|\(name)") { _, client, _ in
                client.error("ERR ACL \(name.uppercased()) is not supported: swredis has the default user only")
            }
        }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
