import SwredisEngine

extension StandardDeclarations {
    /// The `scripting` group: EVAL, SCRIPT, FCALL and FUNCTION. See `CommandDeclarationParser` for the format.
    static let scripting = #"""
        command eval
            summary "Execute a Lua script server side"
            since 2.6.0
            group scripting
            complexity "Depends on the script that is executed."
            arity -3
            flags noscript stale skip_monitor no_mandatory_keys
            acl scripting
            key RW access update index 2 keynum 0 1 1 notes "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"
            arg script string
            arg numkeys integer
            arg key key key_spec_index 0 optional multiple
            arg arg string optional multiple

        command evalsha
            summary "Execute a Lua script server side"
            since 2.6.0
            group scripting
            complexity "Depends on the script that is executed."
            arity -3
            flags noscript stale skip_monitor no_mandatory_keys
            acl scripting
            key RW access update index 2 keynum 0 1 1
            arg sha1 string
            arg numkeys integer
            arg key key key_spec_index 0 optional multiple
            arg arg string optional multiple

        command eval_ro
            summary "Execute a read-only Lua script server side"
            since 7.0.0
            group scripting
            complexity "Depends on the script that is executed."
            arity -3
            flags readonly noscript stale skip_monitor no_mandatory_keys
            acl scripting
            key RO access index 2 keynum 0 1 1 notes "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"
            arg script string
            arg numkeys integer
            arg key key key_spec_index 0 optional multiple
            arg arg string optional multiple

        command evalsha_ro
            summary "Execute a read-only Lua script server side"
            since 7.0.0
            group scripting
            complexity "Depends on the script that is executed."
            arity -3
            flags readonly noscript stale skip_monitor no_mandatory_keys
            acl scripting
            key RO access index 2 keynum 0 1 1
            arg sha1 string
            arg numkeys integer
            arg key key key_spec_index 0 optional multiple
            arg arg string optional multiple

        command script
            summary "A container for Lua scripts management commands"
            since 2.6.0
            group scripting
            complexity "Depends on subcommand."
            arity -2

        command script|debug
            summary "Set the debug mode for executed scripts."
            since 3.2.0
            group scripting
            complexity O(1)
            arity 3
            flags noscript
            acl scripting
            arg mode oneof
                arg yes pure-token token YES
                arg sync pure-token token SYNC
                arg no pure-token token NO

        command script|exists
            summary "Check existence of scripts in the script cache."
            since 2.6.0
            group scripting
            complexity "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation)."
            arity -3
            flags noscript
            acl scripting
            tips request_policy:all_shards response_policy:agg_logical_and
            arg sha1 string multiple

        command script|flush
            summary "Remove all the scripts from the script cache."
            since 2.6.0
            group scripting
            complexity "O(N) with N being the number of scripts in cache"
            history 6.2.0 "Added the `ASYNC` and `SYNC` flushing mode modifiers."
            arity -2
            flags noscript
            acl scripting
            tips request_policy:all_nodes response_policy:all_succeeded
            arg async oneof since 6.2.0 optional
                arg async pure-token token ASYNC
                arg sync pure-token token SYNC

        command script|help
            summary "Show helpful text about the different subcommands"
            since 5.0.0
            group scripting
            complexity O(1)
            arity 2
            flags loading stale
            acl scripting

        command script|kill
            summary "Kill the script currently in execution."
            since 2.6.0
            group scripting
            complexity O(1)
            arity 2
            flags noscript allow_busy
            acl scripting
            tips request_policy:all_shards response_policy:one_succeeded

        command script|load
            summary "Load the specified Lua script into the script cache."
            since 2.6.0
            group scripting
            complexity "O(N) with N being the length in bytes of the script body."
            arity 3
            flags noscript stale
            acl scripting
            tips request_policy:all_nodes response_policy:all_succeeded
            arg script string

        command function
            summary "A container for function commands"
            since 7.0.0
            group scripting
            complexity "Depends on subcommand."
            arity -2

        command function|delete
            summary "Delete a function by name"
            since 7.0.0
            group scripting
            complexity O(1)
            arity 3
            flags write noscript
            acl scripting
            tips request_policy:all_shards response_policy:all_succeeded
            arg library-name string

        command function|flush
            summary "Deleting all functions"
            since 7.0.0
            group scripting
            complexity "O(N) where N is the number of functions deleted"
            arity -2
            flags write noscript
            acl scripting
            tips request_policy:all_shards response_policy:all_succeeded
            arg async oneof optional
                arg async pure-token token ASYNC
                arg sync pure-token token SYNC

        command function|help
            summary "Show helpful text about the different subcommands"
            since 7.0.0
            group scripting
            complexity O(1)
            arity 2
            flags loading stale
            acl scripting

        command function|kill
            summary "Kill the function currently in execution."
            since 7.0.0
            group scripting
            complexity O(1)
            arity 2
            flags noscript allow_busy
            acl scripting
            tips request_policy:all_shards response_policy:one_succeeded

        command function|list
            summary "List information about all the functions"
            since 7.0.0
            group scripting
            complexity "O(N) where N is the number of functions"
            arity -2
            flags noscript
            acl scripting
            tips nondeterministic_output_order
            arg library-name-pattern string token LIBRARYNAME optional
            arg withcode pure-token token WITHCODE optional

        command function|load
            summary "Create a function with the given arguments (name, code, description)"
            since 7.0.0
            group scripting
            complexity "O(1) (considering compilation time is redundant)"
            arity -3
            flags write denyoom noscript
            acl scripting
            tips request_policy:all_shards response_policy:all_succeeded
            arg replace pure-token token REPLACE optional
            arg function-code string

        command function|stats
            summary "Return information about the function currently running (name, description, duration)"
            since 7.0.0
            group scripting
            complexity O(1)
            arity 2
            flags noscript allow_busy
            acl scripting
            tips nondeterministic_output request_policy:all_shards response_policy:special

        command fcall
            summary "Invoke a function"
            since 7.0.0
            group scripting
            complexity "Depends on the function that is executed."
            arity -3
            flags noscript stale skip_monitor no_mandatory_keys
            acl scripting
            key RW access update index 2 keynum 0 1 1 notes "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"
            arg function string
            arg numkeys integer
            arg key key key_spec_index 0 optional multiple
            arg arg string optional multiple

        command fcall_ro
            summary "Invoke a read-only function"
            since 7.0.0
            group scripting
            complexity "Depends on the function that is executed."
            arity -3
            flags readonly noscript stale skip_monitor no_mandatory_keys
            acl scripting
            key RO access index 2 keynum 0 1 1 notes "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"
            arg function string
            arg numkeys integer
            arg key key key_spec_index 0 optional multiple
            arg arg string optional multiple

        command function|dump
            summary "Dump all functions into a serialized binary payload"
            since 7.0.0
            group scripting
            complexity "O(N) where N is the number of functions"
            arity 2
            flags noscript
            acl scripting

        command function|restore
            summary "Restore all the functions on the given payload"
            since 7.0.0
            group scripting
            complexity "O(N) where N is the number of functions on the payload"
            arity -3
            flags write denyoom noscript
            acl scripting
            tips request_policy:all_shards response_policy:all_succeeded
            arg serialized-value string
            arg policy oneof optional
                arg flush pure-token token FLUSH
                arg append pure-token token APPEND
                arg replace pure-token token REPLACE
        """#
}
