import SwredisEngine

extension StandardDeclarations {
    /// The `server` group: what each command is (see `CommandDeclarationParser` for the format).
    static let server = #"""
        command bgrewriteaof
            summary "Asynchronously rewrite the append-only file"
            since 1.0.0
            group server
            complexity O(1)
            arity 1
            flags admin noscript no_async_loading

        command bgsave
            summary "Asynchronously save the dataset to disk"
            since 1.0.0
            group server
            complexity O(1)
            history 3.2.2 "Added the `SCHEDULE` option."
            arity -1
            flags admin noscript no_async_loading
            arg schedule pure-token token SCHEDULE since 3.2.2 optional

        command command
            summary "Get array of Redis command details"
            since 2.8.13
            group server
            complexity "O(N) where N is the total number of Redis commands"
            arity -1
            flags loading stale sentinel
            acl connection
            tips nondeterministic_output_order

        command command|count
            summary "Get total number of Redis commands"
            since 2.8.13
            group server
            complexity O(1)
            arity 2
            flags loading stale sentinel
            acl connection

        command command|docs
            summary "Get array of specific Redis command documentation"
            since 7.0.0
            group server
            complexity "O(N) where N is the number of commands to look up"
            arity -2
            flags loading stale sentinel
            acl connection
            tips nondeterministic_output_order
            arg command-name string optional multiple

        command command|getkeys
            summary "Extract keys given a full Redis command"
            since 2.8.13
            group server
            complexity "O(N) where N is the number of arguments to the command"
            arity -4
            flags loading stale sentinel
            acl connection

        command command|getkeysandflags
            summary "Extract keys and access flags given a full Redis command"
            since 7.0.0
            group server
            complexity "O(N) where N is the number of arguments to the command"
            arity -4
            flags loading stale sentinel
            acl connection

        command command|help
            summary "Show helpful text about the different subcommands"
            since 5.0.0
            group server
            complexity O(1)
            arity 2
            flags loading stale sentinel
            acl connection

        command command|info
            summary "Get array of specific Redis command details, or all when no argument is given."
            since 2.8.13
            group server
            complexity "O(N) where N is the number of commands to look up"
            history 7.0.0 "Allowed to be called with no argument to get info on all commands."
            arity -2
            flags loading stale sentinel
            acl connection
            tips nondeterministic_output_order
            arg command-name string optional multiple

        command command|list
            summary "Get an array of Redis command names"
            since 7.0.0
            group server
            complexity "O(N) where N is the total number of Redis commands"
            arity -2
            flags loading stale sentinel
            acl connection
            tips nondeterministic_output_order
            arg filterby oneof token FILTERBY optional
                arg module-name string token MODULE
                arg category string token ACLCAT
                arg pattern pattern token PATTERN

        command config
            summary "A container for server configuration commands"
            since 2.0.0
            group server
            complexity "Depends on subcommand."
            arity -2

        command config|get
            summary "Get the values of configuration parameters"
            since 2.0.0
            group server
            complexity "O(N) when N is the number of configuration parameters provided"
            history 7.0.0 "Added the ability to pass multiple pattern parameters in one call"
            arity -3
            flags admin noscript loading stale
            arg parameter block multiple
                arg parameter string

        command config|help
            summary "Show helpful text about the different subcommands"
            since 5.0.0
            group server
            complexity O(1)
            arity 2
            flags loading stale

        command config|resetstat
            summary "Reset the stats returned by INFO"
            since 2.0.0
            group server
            complexity O(1)
            arity 2
            flags admin noscript loading stale

        command config|rewrite
            summary "Rewrite the configuration file with the in memory configuration"
            since 2.8.0
            group server
            complexity O(1)
            arity 2
            flags admin noscript loading stale

        command config|set
            summary "Set configuration parameters to the given values"
            since 2.0.0
            group server
            complexity "O(N) when N is the number of configuration parameters provided"
            history 7.0.0 "Added the ability to set multiple parameters in one call."
            arity -4
            flags admin noscript loading stale
            tips request_policy:all_nodes response_policy:all_succeeded
            arg parameter_value block multiple
                arg parameter string
                arg value string

        command dbsize
            summary "Return the number of keys in the selected database"
            since 1.0.0
            group server
            complexity O(1)
            arity 1
            flags readonly fast
            acl keyspace
            tips request_policy:all_shards response_policy:agg_sum

        command debug
            summary "A container for debugging commands"
            since 1.0.0
            group server
            complexity "Depends on subcommand."
            docflags syscmd
            arity -2
            flags admin noscript loading stale protected

        command flushall
            summary "Remove all keys from all databases"
            since 1.0.0
            group server
            complexity "O(N) where N is the total number of keys in all databases"
            history 4.0.0 "Added the `ASYNC` flushing mode modifier."
            history 6.2.0 "Added the `SYNC` flushing mode modifier."
            arity -1
            flags write
            acl keyspace dangerous
            tips request_policy:all_shards response_policy:all_succeeded
            arg async oneof optional
                arg async pure-token token ASYNC since 4.0.0
                arg sync pure-token token SYNC since 6.2.0

        command flushdb
            summary "Remove all keys from the current database"
            since 1.0.0
            group server
            complexity "O(N) where N is the number of keys in the selected database"
            history 4.0.0 "Added the `ASYNC` flushing mode modifier."
            history 6.2.0 "Added the `SYNC` flushing mode modifier."
            arity -1
            flags write
            acl keyspace dangerous
            tips request_policy:all_shards response_policy:all_succeeded
            arg async oneof optional
                arg async pure-token token ASYNC since 4.0.0
                arg sync pure-token token SYNC since 6.2.0

        command info
            summary "Get information and statistics about the server"
            since 1.0.0
            group server
            complexity O(1)
            history 7.0.0 "Added support for taking multiple section arguments."
            arity -1
            flags loading stale sentinel
            acl dangerous
            tips nondeterministic_output request_policy:all_shards response_policy:special
            arg section string optional multiple

        command lastsave
            summary "Get the UNIX time stamp of the last successful save to disk"
            since 1.0.0
            group server
            complexity O(1)
            arity 1
            flags loading stale fast
            acl admin dangerous
            tips nondeterministic_output

        command latency
            summary "A container for latency diagnostics commands"
            since 2.8.13
            group server
            complexity "Depends on subcommand."
            arity -2

        command latency|doctor
            summary "Return a human readable latency analysis report."
            since 2.8.13
            group server
            complexity O(1)
            arity 2
            flags admin noscript loading stale
            tips nondeterministic_output request_policy:all_nodes response_policy:special

        command latency|graph
            summary "Return a latency graph for the event."
            since 2.8.13
            group server
            complexity O(1)
            arity 3
            flags admin noscript loading stale
            tips nondeterministic_output request_policy:all_nodes response_policy:special
            arg event string

        command latency|help
            summary "Show helpful text about the different subcommands."
            since 2.8.13
            group server
            complexity O(1)
            arity 2
            flags loading stale

        command latency|histogram
            summary "Return the cumulative distribution of latencies of a subset of commands or all."
            since 7.0.0
            group server
            complexity "O(N) where N is the number of commands with latency information being retrieved."
            arity -2
            flags admin noscript loading stale
            tips nondeterministic_output request_policy:all_nodes response_policy:special
            arg command string optional multiple

        command latency|history
            summary "Return timestamp-latency samples for the event."
            since 2.8.13
            group server
            complexity O(1)
            arity 3
            flags admin noscript loading stale
            tips nondeterministic_output request_policy:all_nodes response_policy:special
            arg event string

        command latency|latest
            summary "Return the latest latency samples for all events."
            since 2.8.13
            group server
            complexity O(1)
            arity 2
            flags admin noscript loading stale
            tips nondeterministic_output request_policy:all_nodes response_policy:special

        command latency|reset
            summary "Reset latency data for one or more events."
            since 2.8.13
            group server
            complexity O(1)
            arity -2
            flags admin noscript loading stale
            tips request_policy:all_nodes response_policy:all_succeeded
            arg event string optional multiple

        command monitor
            summary "Listen for all requests received by the server in real time"
            since 1.0.0
            group server
            arity 1
            flags admin noscript loading stale

        command psync
            summary "Internal command used for replication"
            since 2.8.0
            group server
            arity -3
            flags admin noscript no_async_loading no_multi
            arg replicationid string
            arg offset integer

        command replconf
            summary "An internal command for configuring the replication stream"
            since 3.0.0
            group server
            complexity O(1)
            docflags syscmd
            arity -1
            flags admin noscript loading stale allow_busy

        command replicaof
            summary "Make the server a replica of another instance, or promote it as master."
            since 5.0.0
            group server
            complexity O(1)
            arity 3
            flags admin noscript stale no_async_loading
            arg args oneof
                arg host-port block
                    arg host string
                    arg port integer
                arg no-one block
                    arg no pure-token token NO
                    arg one pure-token token ONE

        command role
            summary "Return the role of the instance in the context of replication"
            since 2.8.12
            group server
            complexity O(1)
            arity 1
            flags noscript loading stale fast sentinel
            acl admin dangerous

        command save
            summary "Synchronously save the dataset to disk"
            since 1.0.0
            group server
            complexity "O(N) where N is the total number of keys in all databases"
            arity 1
            flags admin noscript no_async_loading no_multi

        command shutdown
            summary "Synchronously save the dataset to disk and then shut down the server"
            since 1.0.0
            group server
            complexity "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)"
            history 7.0.0 "Added the `NOW`, `FORCE` and `ABORT` modifiers."
            arity -1
            flags admin noscript loading stale no_multi allow_busy sentinel
            arg nosave_save oneof optional
                arg nosave pure-token token NOSAVE
                arg save pure-token token SAVE
            arg now pure-token token NOW since 7.0.0 optional
            arg force pure-token token FORCE since 7.0.0 optional
            arg abort pure-token token ABORT since 7.0.0 optional

        command slaveof
            summary "Make the server a replica of another instance, or promote it as master."
            since 1.0.0
            group server
            complexity O(1)
            deprecated_since 5.0.0
            replaced_by "`REPLICAOF`"
            docflags deprecated
            arity 3
            flags admin noscript stale no_async_loading
            arg args oneof
                arg host-port block
                    arg host string
                    arg port integer
                arg no-one block
                    arg no pure-token token NO
                    arg one pure-token token ONE

        command slowlog
            summary "A container for slow log commands"
            since 2.2.12
            group server
            complexity "Depends on subcommand."
            arity -2

        command slowlog|get
            summary "Get the slow log's entries"
            since 2.2.12
            group server
            complexity "O(N) where N is the number of entries returned"
            history 4.0.0 "Added client IP address, port and name to the reply."
            arity -2
            flags admin loading stale
            tips request_policy:all_nodes nondeterministic_output
            arg count integer optional

        command slowlog|help
            summary "Show helpful text about the different subcommands"
            since 6.2.0
            group server
            complexity O(1)
            arity 2
            flags loading stale

        command slowlog|len
            summary "Get the slow log's length"
            since 2.2.12
            group server
            complexity O(1)
            arity 2
            flags admin loading stale
            tips request_policy:all_nodes response_policy:agg_sum nondeterministic_output

        command slowlog|reset
            summary "Clear all entries from the slow log"
            since 2.2.12
            group server
            complexity "O(N) where N is the number of entries in the slowlog"
            arity 2
            flags admin loading stale
            tips request_policy:all_nodes response_policy:all_succeeded

        command swapdb
            summary "Swaps two Redis databases"
            since 4.0.0
            group server
            complexity "O(N) where N is the count of clients watching or blocking on keys from both databases."
            arity 3
            flags write fast
            acl keyspace dangerous
            arg index1 integer
            arg index2 integer

        command sync
            summary "Internal command used for replication"
            since 1.0.0
            group server
            arity 1
            flags admin noscript no_async_loading no_multi

        command time
            summary "Return the current server time"
            since 2.6.0
            group server
            complexity O(1)
            arity 1
            flags loading stale fast
            tips nondeterministic_output
        """#
}
