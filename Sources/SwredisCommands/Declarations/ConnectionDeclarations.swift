import SwredisEngine

extension StandardDeclarations {
    /// The `connection` group: what each command is (see `CommandDeclarationParser` for the format).
    static let connection = #"""
        command auth
            summary "Authenticate to the server"
            since 1.0.0
            group connection
            complexity "O(N) where N is the number of passwords defined for the user"
            history 6.0.0 "Added ACL style (username and password)."
            arity -2
            flags noscript loading stale fast no_auth allow_busy sentinel
            acl connection
            arg username string since 6.0.0 optional
            arg password string

        command client
            summary "A container for client connection commands"
            since 2.4.0
            group connection
            complexity "Depends on subcommand."
            arity -2
            flags sentinel

        command client|caching
            summary "Instruct the server about tracking or not keys in the next request"
            since 6.0.0
            group connection
            complexity O(1)
            arity 3
            flags noscript loading stale sentinel
            acl connection
            arg mode oneof
                arg yes pure-token token YES
                arg no pure-token token NO

        command client|getname
            summary "Get the current connection name"
            since 2.6.9
            group connection
            complexity O(1)
            arity 2
            flags noscript loading stale sentinel
            acl connection

        command client|getredir
            summary "Get tracking notifications redirection client ID if any"
            since 6.0.0
            group connection
            complexity O(1)
            arity 2
            flags noscript loading stale sentinel
            acl connection

        command client|help
            summary "Show helpful text about the different subcommands"
            since 5.0.0
            group connection
            complexity O(1)
            arity 2
            flags loading stale sentinel
            acl connection

        command client|id
            summary "Returns the client ID for the current connection"
            since 5.0.0
            group connection
            complexity O(1)
            arity 2
            flags noscript loading stale sentinel
            acl connection

        command client|info
            summary "Returns information about the current client connection."
            since 6.2.0
            group connection
            complexity O(1)
            arity 2
            flags noscript loading stale sentinel
            acl connection
            tips nondeterministic_output

        command client|kill
            summary "Kill the connection of a client"
            since 2.4.0
            group connection
            complexity "O(N) where N is the number of client connections"
            history 2.8.12 "Added new filter format."
            history 2.8.12 "`ID` option."
            history 3.2.0 "Added `master` type in for `TYPE` option."
            history 5.0.0 "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."
            history 6.2.0 "`LADDR` option."
            arity -3
            flags admin noscript loading stale sentinel
            acl connection
            arg filter oneof
                arg ip:port string deprecated_since 2.8.12
                arg new-format oneof multiple
                    arg client-id integer token ID since 2.8.12 optional
                    arg normal_master_slave_pubsub oneof token TYPE since 2.8.12 optional
                        arg normal pure-token token NORMAL
                        arg master pure-token token MASTER since 3.2.0
                        arg slave pure-token token SLAVE
                        arg replica pure-token token REPLICA since 5.0.0
                        arg pubsub pure-token token PUBSUB
                    arg username string token USER optional
                    arg ip:port string token ADDR optional
                    arg ip:port string token LADDR since 6.2.0 optional
                    arg yes/no string token SKIPME optional

        command client|list
            summary "Get the list of client connections"
            since 2.4.0
            group connection
            complexity "O(N) where N is the number of client connections"
            history 2.8.12 "Added unique client `id` field."
            history 5.0.0 "Added optional `TYPE` filter."
            history 6.0.0 "Added `user` field."
            history 6.2.0 "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."
            history 7.0.0 "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."
            history 7.0.3 "Added `ssub` field."
            arity -2
            flags admin noscript loading stale sentinel
            acl connection
            tips nondeterministic_output
            arg normal_master_replica_pubsub oneof token TYPE since 5.0.0 optional
                arg normal pure-token token NORMAL
                arg master pure-token token MASTER
                arg replica pure-token token REPLICA
                arg pubsub pure-token token PUBSUB
            arg id block token ID since 6.2.0 optional
                arg client-id integer multiple

        command client|no-evict
            summary "Set client eviction mode for the current connection"
            since 7.0.0
            group connection
            complexity O(1)
            arity 3
            flags admin noscript loading stale sentinel
            acl connection
            arg enabled oneof
                arg on pure-token token ON
                arg off pure-token token OFF

        command client|pause
            summary "Stop processing commands from clients for some time"
            since 2.9.50
            group connection
            complexity O(1)
            history 6.2.0 "`CLIENT PAUSE WRITE` mode added along with the `mode` option."
            arity -3
            flags admin noscript loading stale sentinel
            acl connection
            arg timeout integer
            arg mode oneof since 6.2.0 optional
                arg write pure-token token WRITE
                arg all pure-token token ALL

        command client|reply
            summary "Instruct the server whether to reply to commands"
            since 3.2.0
            group connection
            complexity O(1)
            arity 3
            flags noscript loading stale sentinel
            acl connection
            arg on_off_skip oneof
                arg on pure-token token ON
                arg off pure-token token OFF
                arg skip pure-token token SKIP

        command client|setname
            summary "Set the current connection name"
            since 2.6.9
            group connection
            complexity O(1)
            arity 3
            flags noscript loading stale sentinel
            acl connection
            arg connection-name string

        command client|tracking
            summary "Enable or disable server assisted client side caching support"
            since 6.0.0
            group connection
            complexity "O(1). Some options may introduce additional complexity."
            arity -3
            flags noscript loading stale sentinel
            acl connection
            arg status oneof
                arg on pure-token token ON
                arg off pure-token token OFF
            arg client-id integer token REDIRECT optional
            arg prefix string token PREFIX optional multiple multiple_token
            arg bcast pure-token token BCAST optional
            arg optin pure-token token OPTIN optional
            arg optout pure-token token OPTOUT optional
            arg noloop pure-token token NOLOOP optional

        command client|trackinginfo
            summary "Return information about server assisted client side caching for the current connection"
            since 6.2.0
            group connection
            complexity O(1)
            arity 2
            flags noscript loading stale sentinel
            acl connection

        command client|unblock
            summary "Unblock a client blocked in a blocking command from a different connection"
            since 5.0.0
            group connection
            complexity "O(log N) where N is the number of client connections"
            arity -3
            flags admin noscript loading stale sentinel
            acl connection
            arg client-id integer
            arg timeout_error oneof optional
                arg timeout pure-token token TIMEOUT
                arg error pure-token token ERROR

        command client|unpause
            summary "Resume processing of clients that were paused"
            since 6.2.0
            group connection
            complexity "O(N) Where N is the number of paused clients"
            arity 2
            flags admin noscript loading stale sentinel
            acl connection

        command echo
            summary "Echo the given string"
            since 1.0.0
            group connection
            complexity O(1)
            arity 2
            flags loading stale fast
            acl connection
            arg message string

        command hello
            summary "Handshake with Redis"
            since 6.0.0
            group connection
            complexity O(1)
            history 6.2.0 "`protover` made optional; when called without arguments the command reports the current connection's context."
            arity -1
            flags noscript loading stale fast no_auth allow_busy sentinel
            acl connection
            arg arguments block optional
                arg protover integer
                arg username_password block token AUTH optional
                    arg username string
                    arg password string
                arg clientname string token SETNAME optional

        command ping
            summary "Ping the server"
            since 1.0.0
            group connection
            complexity O(1)
            arity -1
            flags fast sentinel
            acl connection
            tips request_policy:all_shards response_policy:all_succeeded
            arg message string optional

        command quit
            summary "Close the connection"
            since 1.0.0
            group connection
            complexity O(1)
            arity -1
            flags noscript loading stale fast no_auth allow_busy
            acl connection

        command reset
            summary "Reset the connection"
            since 6.2.0
            group connection
            complexity O(1)
            arity 1
            flags noscript loading stale fast no_auth allow_busy
            acl connection

        command select
            summary "Change the selected database for the current connection"
            since 1.0.0
            group connection
            complexity O(1)
            arity 2
            flags loading stale fast
            acl connection
            arg index integer

        command client|setinfo
            summary "Set client or connection specific info"
            since 7.2.0
            group connection
            complexity O(1)
            arity 4
            flags noscript loading stale
            acl connection
            arg attr oneof
                arg libname string token LIB-NAME
                arg libver string token LIB-VER
        """#
}
