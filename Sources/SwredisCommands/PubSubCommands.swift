import SwredisBytes
import SwredisCluster
import SwredisEngine
import SwredisKeyspace

/// Publish/subscribe (Redis's `pubsub.c`). Channel subscribers are kept in subscription order, so messages
/// reach them in a stable order; pattern subscriptions are matched with Redis's glob rules.
enum PubSubCommands {
    static let bindings: [CommandBinding] = [
        CommandBinding("subscribe", options: [.allowedInSubscribe]) { subscribe($0, $1, $2, .channel) },
        CommandBinding("psubscribe", options: [.allowedInSubscribe]) { subscribe($0, $1, $2, .pattern) },
        CommandBinding("ssubscribe", options: [.allowedInSubscribe]) { subscribe($0, $1, $2, .shard) },
        CommandBinding("unsubscribe", options: [.allowedInSubscribe]) { unsubscribe($0, $1, $2, .channel) },
        CommandBinding("punsubscribe", options: [.allowedInSubscribe]) { unsubscribe($0, $1, $2, .pattern) },
        CommandBinding("sunsubscribe", options: [.allowedInSubscribe]) { unsubscribe($0, $1, $2, .shard) },
        CommandBinding("publish") { engine, client, args in
            client.reply.integer(engine.publish(args.bytes(1), args.bytes(2)))
            if let cluster = engine.cluster as? ClusterService {
                // In a cluster every node's subscribers get it, over the bus (replicas included).
                cluster.propagatePublish(channel: args.bytes(1), message: args.bytes(2), sharded: false)
            } else {
                // Like Redis, messages reach subscribers of replicas too (through the stream, not the AOF).
                engine.propagateToReplicasOnly(client.database, args)
            }
        },
        CommandBinding("spublish") { engine, client, args in
            client.reply.integer(engine.publishToShard(args.bytes(1), args.bytes(2)))
            // The other nodes of this shard (its master and replicas) get it over the bus.
            (engine.cluster as? ClusterService)?.propagatePublish(
                channel: args.bytes(1), message: args.bytes(2), sharded: true)
        },
        CommandBinding("pubsub") { _, _, _ in },
        CommandBinding("pubsub|channels") { engine, client, args in
            listChannels(client, args, engine.channelSubscribers)
        },
        CommandBinding("pubsub|numsub") { engine, client, args in
            numsub(client, args, engine.channelSubscribers)
        },
        CommandBinding("pubsub|numpat") { engine, client, _ in
            client.reply.integer(engine.uniquePatternCount)
        },
        CommandBinding("pubsub|shardchannels") { engine, client, args in
            listChannels(client, args, engine.shardSubscribers)
        },
        CommandBinding("pubsub|shardnumsub") { engine, client, args in
            numsub(client, args, engine.shardSubscribers)
        },
        CommandBinding("pubsub|help") { _, client, _ in
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
        },
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
