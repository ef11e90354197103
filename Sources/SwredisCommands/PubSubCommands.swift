import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// Publish/subscribe (Redis's `pubsub.c`). Channel subscribers are kept in subscription order, so messages
/// reach them in a stable order; pattern subscriptions are matched with Redis's glob rules.
enum PubSubCommands {
    static let specs: [CommandSpec] = [
        CommandSpec(
            "subscribe", arity: -2, flags: [.pubsub, .noscript, .loading, .stale, .allowedInSubscribe],
            categories: ["pubsub", "slow"], group: "pubsub",
            summary: "Listen for messages published to the given channels", since: "2.0.0",
            handler: { subscribe($0, $1, $2, .channel) }),
        CommandSpec(
            "psubscribe", arity: -2, flags: [.pubsub, .noscript, .loading, .stale, .allowedInSubscribe],
            categories: ["pubsub", "slow"], group: "pubsub",
            summary: "Listen for messages published to channels matching the given patterns", since: "2.0.0",
            handler: { subscribe($0, $1, $2, .pattern) }),
        CommandSpec(
            "ssubscribe", arity: -2, flags: [.pubsub, .noscript, .loading, .stale, .allowedInSubscribe],
            keys: .shardChannels, categories: ["pubsub", "slow"], group: "pubsub",
            summary: "Listen for messages published to the given shard channels", since: "7.0.0",
            handler: { subscribe($0, $1, $2, .shard) }),
        CommandSpec(
            "unsubscribe", arity: -1, flags: [.pubsub, .noscript, .loading, .stale, .allowedInSubscribe],
            categories: ["pubsub", "slow"], group: "pubsub",
            summary: "Stop listening for messages posted to the given channels", since: "2.0.0",
            handler: { unsubscribe($0, $1, $2, .channel) }),
        CommandSpec(
            "punsubscribe", arity: -1, flags: [.pubsub, .noscript, .loading, .stale, .allowedInSubscribe],
            categories: ["pubsub", "slow"], group: "pubsub",
            summary: "Stop listening for messages posted to channels matching the given patterns", since: "2.0.0",
            handler: { unsubscribe($0, $1, $2, .pattern) }),
        CommandSpec(
            "sunsubscribe", arity: -1, flags: [.pubsub, .noscript, .loading, .stale, .allowedInSubscribe],
            keys: .shardChannels, categories: ["pubsub", "slow"], group: "pubsub",
            summary: "Stop listening for messages posted to the given shard channels", since: "7.0.0",
            handler: { unsubscribe($0, $1, $2, .shard) }),
        CommandSpec(
            "publish", arity: 3, flags: [.pubsub, .loading, .stale, .fast, .mayReplicate],
            categories: ["pubsub", "fast"], group: "pubsub", summary: "Post a message to a channel", since: "2.0.0",
            handler: { engine, client, args in
                client.reply.integer(engine.publish(args.bytes(1), args.bytes(2)))
                // Like Redis, messages reach subscribers of replicas too (through the stream, not the AOF).
                engine.propagateToReplicasOnly(client.database, args)
            }),
        CommandSpec(
            "spublish", arity: 3, flags: [.pubsub, .loading, .stale, .fast, .mayReplicate], keys: .shardChannel,
            categories: ["pubsub", "fast"], group: "pubsub", summary: "Post a message to a shard channel",
            since: "7.0.0",
            handler: { engine, client, args in
                client.reply.integer(engine.publishToShard(args.bytes(1), args.bytes(2)))
            }),
        CommandSpec(
            "pubsub", arity: -2, flags: [], categories: ["slow"], group: "pubsub",
            summary: "A container for Pub/Sub commands", since: "2.8.0", complexity: "Depends on subcommand.",
            subcommands: [
                CommandSpec(
                    "pubsub|channels", arity: -2, flags: [.pubsub, .loading, .stale], categories: ["pubsub", "slow"],
                    group: "pubsub", summary: "List active channels",
                    handler: { engine, client, args in
                        listChannels(client, args, engine.channelSubscribers)
                    }),
                CommandSpec(
                    "pubsub|numsub", arity: -2, flags: [.pubsub, .loading, .stale], categories: ["pubsub", "slow"],
                    group: "pubsub", summary: "Get the count of subscribers for channels",
                    handler: { engine, client, args in
                        numsub(client, args, engine.channelSubscribers)
                    }),
                CommandSpec(
                    "pubsub|numpat", arity: 2, flags: [.pubsub, .loading, .stale], categories: ["pubsub", "slow"],
                    group: "pubsub", summary: "Get the count of unique patterns pattern subscriptions",
                    handler: { engine, client, _ in
                        client.reply.integer(engine.uniquePatternCount)
                    }),
                CommandSpec(
                    "pubsub|shardchannels", arity: -2, flags: [.pubsub, .loading, .stale],
                    categories: ["pubsub", "slow"], group: "pubsub", summary: "List active shard channels",
                    since: "7.0.0",
                    handler: { engine, client, args in
                        listChannels(client, args, engine.shardSubscribers)
                    }),
                CommandSpec(
                    "pubsub|shardnumsub", arity: -2, flags: [.pubsub, .loading, .stale],
                    categories: ["pubsub", "slow"], group: "pubsub",
                    summary: "Get the count of subscribers for shard channels", since: "7.0.0",
                    handler: { engine, client, args in
                        numsub(client, args, engine.shardSubscribers)
                    }),
                CommandSpec(
                    "pubsub|help", arity: 2, flags: [.loading, .stale], categories: ["slow"], group: "pubsub",
                    summary: "Show helpful text about the different subcommands",
                    handler: { _, client, _ in
                        HelpText.reply(
                            client, "PUBSUB",
                            [
                                "CHANNELS [<pattern>]",
                                "    Return the currently active channels matching a <pattern> (default: '*').",
                                "NUMPAT", "    Return number of subscriptions to patterns.",
                                "NUMSUB [<channel> ...]",
                                "    Return the number of subscribers for the specified channels, excluding",
                                "    pattern subscriptions(default: no channels).",
                                "SHARDCHANNELS [<pattern>]",
                                "    Return the currently active shard level channels matching a <pattern> (default: '*').",
                                "SHARDNUMSUB [<shardchannel> ...]",
                                "    Return the number of subscribers for the specified shard level channel(s)",
                            ])
                    }),
            ], handler: { _, _, _ in }),
    ]

    /// The three subscription namespaces.

    static func subscribe(_ engine: Engine, _ client: ClientSession, _ args: Arguments, _ kind: SubscriptionKind) {
        if kind == .shard && client.inTransaction {
            client.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
            return
        }
        for index in 1..<args.count {
            let name = args.bytes(index)
            switch kind {
            case .pattern:
                if !client.patterns.contains(name) {
                    client.patterns.append(name)
                    engine.patternSubscribers.append((name, client))
                }
            case .channel:
                if !client.channels.contains(name) {
                    client.channels.append(name)
                    engine.channelSubscribers[name, default: []].append(client)
                }
            case .shard:
                if !client.shardChannels.contains(name) {
                    client.shardChannels.append(name)
                    engine.shardSubscribers[name, default: []].append(client)
                }
            }
            client.reply.pushHeader(3)
            client.reply.bulk(kind.subscribeName)
            name.withUnsafeBytes { client.reply.bulk($0) }
            client.reply.integer(count(client, kind))
        }
    }

    /// The count a (un)subscribe reply carries: channels and patterns together, shard channels apart.
    static func count(_ client: ClientSession, _ kind: SubscriptionKind) -> Int {
        kind == .shard ? client.shardChannels.count : client.channels.count + client.patterns.count
    }

    static func unsubscribe(_ engine: Engine, _ client: ClientSession, _ args: Arguments, _ kind: SubscriptionKind) {
        let current = kind == .channel ? client.channels : (kind == .pattern ? client.patterns : client.shardChannels)
        let names = args.count > 1 ? (1..<args.count).map { args.bytes($0) } : current
        if names.isEmpty {
            client.reply.pushHeader(3)
            client.reply.bulk(kind.unsubscribeName)
            client.reply.null()
            client.reply.integer(count(client, kind))
            return
        }
        for name in names {
            engine.removeSubscription(client, name, kind)
            client.reply.pushHeader(3)
            client.reply.bulk(kind.unsubscribeName)
            name.withUnsafeBytes { client.reply.bulk($0) }
            client.reply.integer(count(client, kind))
        }
    }

    static func listChannels(_ client: ClientSession, _ args: Arguments, _ table: [ByteString: [ClientSession]]) {
        guard args.count <= 3 else {
            client.error(
                "ERR unknown subcommand or wrong number of arguments for '\(args.string(1))'. Try PUBSUB HELP.")
            return
        }
        var names = Array(table.keys)
        if args.count == 3 {
            names = names.filter { name in name.withUnsafeBytes { GlobPattern.matches(args[2], $0) } }
        }
        client.reply.arrayHeader(names.count)
        for name in names { name.withUnsafeBytes { client.reply.bulk($0) } }
    }

    /// NUMSUB replies are flat arrays even in RESP3.
    static func numsub(_ client: ClientSession, _ args: Arguments, _ table: [ByteString: [ClientSession]]) {
        client.reply.arrayHeader((args.count - 2) * 2)
        for index in 2..<max(2, args.count) {
            client.reply.bulk(args[index])
            client.reply.integer(table[args.bytes(index)]?.count ?? 0)
        }
    }
}
