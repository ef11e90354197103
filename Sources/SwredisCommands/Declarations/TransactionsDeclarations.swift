import SwredisEngine

extension StandardDeclarations {
    /// The `transactions` group: what each command is (see `CommandDeclarationParser` for the format).
    static let transactions = #"""
        command discard
            summary "Discard all commands issued after MULTI"
            since 2.0.0
            group transactions
            complexity "O(N), when N is the number of queued commands"
            arity 1
            flags noscript loading stale fast allow_busy
            acl transaction

        command exec
            summary "Execute all commands issued after MULTI"
            since 1.2.0
            group transactions
            complexity "Depends on commands in the transaction"
            arity 1
            flags noscript loading stale skip_slowlog
            acl transaction

        command multi
            summary "Mark the start of a transaction block"
            since 1.2.0
            group transactions
            complexity O(1)
            arity 1
            flags noscript loading stale fast allow_busy
            acl transaction

        command unwatch
            summary "Forget about all watched keys"
            since 2.2.0
            group transactions
            complexity O(1)
            arity 1
            flags noscript loading stale fast allow_busy
            acl transaction

        command watch
            summary "Watch the given keys to determine execution of the MULTI/EXEC block"
            since 2.2.0
            group transactions
            complexity "O(1) for every key."
            arity -2
            flags noscript loading stale fast allow_busy
            acl transaction
            key RO index 1 range -1 1 0
            arg key key key_spec_index 0 multiple
        """#
}
