import SwredisEngine

extension StandardDeclarations {
    /// The `pubsub` group: what each command is (see `CommandDeclarationParser` for the format).
    static let pubsub = #"""
        command psubscribe
            summary "Listen for messages published to channels matching the given patterns"
            since 2.0.0
            group pubsub
            complexity "O(N) where N is the number of patterns the client is already subscribed to."
            arity -2
            flags pubsub noscript loading stale sentinel
            arg pattern block multiple
                arg pattern pattern

        command publish
            summary "Post a message to a channel"
            since 2.0.0
            group pubsub
            complexity "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client)."
            arity 3
            flags pubsub loading stale fast may_replicate sentinel
            arg channel string
            arg message string

        command pubsub
            summary "A container for Pub/Sub commands"
            since 2.8.0
            group pubsub
            complexity "Depends on subcommand."
            arity -2

        command pubsub|channels
            summary "List active channels"
            since 2.8.0
            group pubsub
            complexity "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)"
            arity -2
            flags pubsub loading stale
            arg pattern pattern optional

        command pubsub|help
            summary "Show helpful text about the different subcommands"
            since 6.2.0
            group pubsub
            complexity O(1)
            arity 2
            flags loading stale

        command pubsub|numpat
            summary "Get the count of unique patterns pattern subscriptions"
            since 2.8.0
            group pubsub
            complexity O(1)
            arity 2
            flags pubsub loading stale

        command pubsub|numsub
            summary "Get the count of subscribers for channels"
            since 2.8.0
            group pubsub
            complexity "O(N) for the NUMSUB subcommand, where N is the number of requested channels"
            arity -2
            flags pubsub loading stale
            arg channel string optional multiple

        command pubsub|shardchannels
            summary "List active shard channels"
            since 7.0.0
            group pubsub
            complexity "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels)."
            arity -2
            flags pubsub loading stale
            arg pattern pattern optional

        command pubsub|shardnumsub
            summary "Get the count of subscribers for shard channels"
            since 7.0.0
            group pubsub
            complexity "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels"
            arity -2
            flags pubsub loading stale
            arg shardchannel string optional multiple

        command punsubscribe
            summary "Stop listening for messages posted to channels matching the given patterns"
            since 2.0.0
            group pubsub
            complexity "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client)."
            arity -1
            flags pubsub noscript loading stale sentinel
            arg pattern pattern optional multiple

        command spublish
            summary "Post a message to a shard channel"
            since 7.0.0
            group pubsub
            complexity "O(N) where N is the number of clients subscribed to the receiving shard channel."
            arity 3
            flags pubsub loading stale fast may_replicate
            key not_key index 1 range 0 1 0
            arg shardchannel string
            arg message string

        command ssubscribe
            summary "Listen for messages published to the given shard channels"
            since 7.0.0
            group pubsub
            complexity "O(N) where N is the number of shard channels to subscribe to."
            arity -2
            flags pubsub noscript loading stale
            key not_key index 1 range -1 1 0
            arg shardchannel string multiple

        command subscribe
            summary "Listen for messages published to the given channels"
            since 2.0.0
            group pubsub
            complexity "O(N) where N is the number of channels to subscribe to."
            arity -2
            flags pubsub noscript loading stale sentinel
            arg channel string multiple

        command sunsubscribe
            summary "Stop listening for messages posted to the given shard channels"
            since 7.0.0
            group pubsub
            complexity "O(N) where N is the number of clients already subscribed to a shard channel."
            arity -1
            flags pubsub noscript loading stale
            key not_key index 1 range -1 1 0
            arg shardchannel string optional multiple

        command unsubscribe
            summary "Stop listening for messages posted to the given channels"
            since 2.0.0
            group pubsub
            complexity "O(N) where N is the number of clients already subscribed to a channel."
            arity -1
            flags pubsub noscript loading stale sentinel
            arg channel string optional multiple
        """#
}
