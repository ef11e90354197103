import SwredisEngine

extension StandardDeclarations {
    /// The `scripting` group: EVAL and SCRIPT (FUNCTION and FCALL are not there yet: they answer as unknown
    /// commands). See `CommandDeclarationParser` for the format.
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
        """#
}
