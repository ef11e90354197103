import SwredisBytes
import SwredisKeyspace

/// Which table a subscription is in.
package enum SubscriptionKind {
    case channel, pattern, shard

    package var subscribeName: String {
        self == .channel ? "subscribe" : (self == .pattern ? "psubscribe" : "ssubscribe")
    }
    package var unsubscribeName: String {
        self == .channel ? "unsubscribe" : (self == .pattern ? "punsubscribe" : "sunsubscribe")
    }
}

extension Engine {
    /// Delivers a message; returns how many subscriptions received it.
    @discardableResult
    public func publish(_ channel: ByteString, _ message: ByteString) -> Int {
        var receivers = 0
        if let subscribers = channelSubscribers[channel] {
            deliver("message", channel, message, to: subscribers)
            receivers += subscribers.count
        }
        for (pattern, subscriber) in patternSubscribers {
            let matches = pattern.withUnsafeBytes { p in channel.withUnsafeBytes { GlobPattern.matches(p, $0) } }
            guard matches else { continue }
            subscriber.reply.pushHeader(4)
            subscriber.reply.bulk("pmessage")
            pattern.withUnsafeBytes { subscriber.reply.bulk($0) }
            channel.withUnsafeBytes { subscriber.reply.bulk($0) }
            message.withUnsafeBytes { subscriber.reply.bulk($0) }
            clientsWithPendingWrites.append(subscriber)
            receivers += 1
        }
        return receivers
    }

    package func removeSubscription(_ client: ClientSession, _ name: ByteString, _ kind: SubscriptionKind) {
        switch kind {
        case .pattern:
            client.patterns.removeAll { $0 == name }
            patternSubscribers.removeAll { $0.0 == name && $0.1 === client }
        case .channel:
            client.channels.removeAll { $0 == name }
            channelSubscribers[name]?.removeAll { $0 === client }
            if channelSubscribers[name]?.isEmpty == true { channelSubscribers.removeValue(forKey: name) }
        case .shard:
            client.shardChannels.removeAll { $0 == name }
            shardSubscribers[name]?.removeAll { $0 === client }
            if shardSubscribers[name]?.isEmpty == true { shardSubscribers.removeValue(forKey: name) }
        }
    }

    /// Drops every subscription of a client (disconnect, RESET).
    package func removeAllSubscriptions(_ client: ClientSession) {
        for channel in client.channels { removeSubscription(client, channel, .channel) }
        for pattern in client.patterns { removeSubscription(client, pattern, .pattern) }
        for channel in client.shardChannels { removeSubscription(client, channel, .shard) }
    }

    /// SPUBLISH: shard channels are their own namespace (one shard here, as without cluster mode).
    package func publishToShard(_ channel: ByteString, _ message: ByteString) -> Int {
        guard let subscribers = shardSubscribers[channel] else { return 0 }
        deliver("smessage", channel, message, to: subscribers)
        return subscribers.count
    }

    /// Unsubscribes every client of shard channel `channel`, each told with a `sunsubscribe` push (Redis's
    /// `pubsubShardUnsubscribeAllClients`: a cluster node that loses the channel's slot).
    package func unsubscribeShardChannel(_ channel: ByteString) {
        guard let subscribers = shardSubscribers[channel] else { return }
        for subscriber in subscribers {
            removeSubscription(subscriber, channel, .shard)
            subscriber.reply.pushHeader(3)
            subscriber.reply.bulk("sunsubscribe")
            channel.withUnsafeBytes { subscriber.reply.bulk($0) }
            subscriber.reply.integer(subscriber.subscriptionCount)
            clientsWithPendingWrites.append(subscriber)
        }
    }

    /// The shard channels someone subscribes to.
    package var subscribedShardChannels: [ByteString] { Array(shardSubscribers.keys) }

    /// Writes a `[kind, channel, message]` push to each subscriber; they are flushed after the command.
    private func deliver(_ kind: String, _ channel: ByteString, _ message: ByteString, to subscribers: [ClientSession])
    {
        for subscriber in subscribers {
            subscriber.reply.pushHeader(3)
            subscriber.reply.bulk(kind)
            channel.withUnsafeBytes { subscriber.reply.bulk($0) }
            message.withUnsafeBytes { subscriber.reply.bulk($0) }
            clientsWithPendingWrites.append(subscriber)
        }
    }
}
