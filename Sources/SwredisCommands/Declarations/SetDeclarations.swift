import SwredisEngine

extension StandardDeclarations {
    /// The `set` group: what each command is (see `CommandDeclarationParser` for the format).
    static let set = #"""
        command sadd
            summary "Add one or more members to a set"
            since 1.0.0
            group set
            complexity "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
            history 2.4.0 "Accepts multiple `member` arguments."
            arity -3
            flags write denyoom fast
            acl set
            key RW insert index 1 range 0 1 0
            arg key key key_spec_index 0
            arg member string multiple

        command scard
            summary "Get the number of members in a set"
            since 1.0.0
            group set
            complexity O(1)
            arity 2
            flags readonly fast
            acl set
            key RO index 1 range 0 1 0
            arg key key key_spec_index 0

        command sdiff
            summary "Subtract multiple sets"
            since 1.0.0
            group set
            complexity "O(N) where N is the total number of elements in all given sets."
            arity -2
            flags readonly
            acl set
            tips nondeterministic_output_order
            key RO access index 1 range -1 1 0
            arg key key key_spec_index 0 multiple

        command sdiffstore
            summary "Subtract multiple sets and store the resulting set in a key"
            since 1.0.0
            group set
            complexity "O(N) where N is the total number of elements in all given sets."
            arity -3
            flags write denyoom
            acl set
            key OW update index 1 range 0 1 0
            key RO access index 2 range -1 1 0
            arg destination key key_spec_index 0
            arg key key key_spec_index 1 multiple

        command sinter
            summary "Intersect multiple sets"
            since 1.0.0
            group set
            complexity "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."
            arity -2
            flags readonly
            acl set
            tips nondeterministic_output_order
            key RO access index 1 range -1 1 0
            arg key key key_spec_index 0 multiple

        command sintercard
            summary "Intersect multiple sets and return the cardinality of the result"
            since 7.0.0
            group set
            complexity "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."
            arity -3
            flags readonly
            acl set
            key RO access index 1 keynum 0 1 1
            arg numkeys integer
            arg key key key_spec_index 0 multiple
            arg limit integer token LIMIT optional

        command sinterstore
            summary "Intersect multiple sets and store the resulting set in a key"
            since 1.0.0
            group set
            complexity "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."
            arity -3
            flags write denyoom
            acl set
            key RW update index 1 range 0 1 0
            key RO access index 2 range -1 1 0
            arg destination key key_spec_index 0
            arg key key key_spec_index 1 multiple

        command sismember
            summary "Determine if a given value is a member of a set"
            since 1.0.0
            group set
            complexity O(1)
            arity 3
            flags readonly fast
            acl set
            key RO index 1 range 0 1 0
            arg key key key_spec_index 0
            arg member string

        command smembers
            summary "Get all the members in a set"
            since 1.0.0
            group set
            complexity "O(N) where N is the set cardinality."
            arity 2
            flags readonly
            acl set
            tips nondeterministic_output_order
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0

        command smismember
            summary "Returns the membership associated with the given elements for a set"
            since 6.2.0
            group set
            complexity "O(N) where N is the number of elements being checked for membership"
            arity -3
            flags readonly fast
            acl set
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg member string multiple

        command smove
            summary "Move a member from one set to another"
            since 1.0.0
            group set
            complexity O(1)
            arity 4
            flags write fast
            acl set
            key RW access delete index 1 range 0 1 0
            key RW insert index 2 range 0 1 0
            arg source key key_spec_index 0
            arg destination key key_spec_index 1
            arg member string

        command spop
            summary "Remove and return one or multiple random members from a set"
            since 1.0.0
            group set
            complexity "Without the count argument O(1), otherwise O(N) where N is the value of the passed count."
            history 3.2.0 "Added the `count` argument."
            arity -2
            flags write fast
            acl set
            tips nondeterministic_output
            key RW access delete index 1 range 0 1 0
            arg key key key_spec_index 0
            arg count integer since 3.2.0 optional

        command srandmember
            summary "Get one or multiple random members from a set"
            since 1.0.0
            group set
            complexity "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count."
            history 2.6.0 "Added the optional `count` argument."
            arity -2
            flags readonly
            acl set
            tips nondeterministic_output
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg count integer since 2.6.0 optional

        command srem
            summary "Remove one or more members from a set"
            since 1.0.0
            group set
            complexity "O(N) where N is the number of members to be removed."
            history 2.4.0 "Accepts multiple `member` arguments."
            arity -3
            flags write fast
            acl set
            key RW delete index 1 range 0 1 0
            arg key key key_spec_index 0
            arg member string multiple

        command sscan
            summary "Incrementally iterate Set elements"
            since 2.8.0
            group set
            complexity "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."
            arity -3
            flags readonly
            acl set
            tips nondeterministic_output
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg cursor integer
            arg pattern pattern token MATCH optional
            arg count integer token COUNT optional

        command sunion
            summary "Add multiple sets"
            since 1.0.0
            group set
            complexity "O(N) where N is the total number of elements in all given sets."
            arity -2
            flags readonly
            acl set
            tips nondeterministic_output_order
            key RO access index 1 range -1 1 0
            arg key key key_spec_index 0 multiple

        command sunionstore
            summary "Add multiple sets and store the resulting set in a key"
            since 1.0.0
            group set
            complexity "O(N) where N is the total number of elements in all given sets."
            arity -3
            flags write denyoom
            acl set
            key OW update index 1 range 0 1 0
            key RO access index 2 range -1 1 0
            arg destination key key_spec_index 0
            arg key key key_spec_index 1 multiple
        """#
}
