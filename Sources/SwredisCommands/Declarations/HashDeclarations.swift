import SwredisEngine

extension StandardDeclarations {
    /// The `hash` group: what each command is (see `CommandDeclarationParser` for the format).
    static let hash = #"""
        command hdel
            summary "Delete one or more hash fields"
            since 2.0.0
            group hash
            complexity "O(N) where N is the number of fields to be removed."
            history 2.4.0 "Accepts multiple `field` arguments."
            arity -3
            flags write fast
            acl hash
            key RW delete index 1 range 0 1 0
            arg key key key_spec_index 0
            arg field string multiple

        command hexists
            summary "Determine if a hash field exists"
            since 2.0.0
            group hash
            complexity O(1)
            arity 3
            flags readonly fast
            acl hash
            key RO index 1 range 0 1 0
            arg key key key_spec_index 0
            arg field string

        command hget
            summary "Get the value of a hash field"
            since 2.0.0
            group hash
            complexity O(1)
            arity 3
            flags readonly fast
            acl hash
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg field string

        command hgetall
            summary "Get all the fields and values in a hash"
            since 2.0.0
            group hash
            complexity "O(N) where N is the size of the hash."
            arity 2
            flags readonly
            acl hash
            tips nondeterministic_output_order
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0

        command hincrby
            summary "Increment the integer value of a hash field by the given number"
            since 2.0.0
            group hash
            complexity O(1)
            arity 4
            flags write denyoom fast
            acl hash
            key RW access update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg field string
            arg increment integer

        command hincrbyfloat
            summary "Increment the float value of a hash field by the given amount"
            since 2.6.0
            group hash
            complexity O(1)
            arity 4
            flags write denyoom fast
            acl hash
            key RW access update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg field string
            arg increment double

        command hkeys
            summary "Get all the fields in a hash"
            since 2.0.0
            group hash
            complexity "O(N) where N is the size of the hash."
            arity 2
            flags readonly
            acl hash
            tips nondeterministic_output_order
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0

        command hlen
            summary "Get the number of fields in a hash"
            since 2.0.0
            group hash
            complexity O(1)
            arity 2
            flags readonly fast
            acl hash
            key RO index 1 range 0 1 0
            arg key key key_spec_index 0

        command hmget
            summary "Get the values of all the given hash fields"
            since 2.0.0
            group hash
            complexity "O(N) where N is the number of fields being requested."
            arity -3
            flags readonly fast
            acl hash
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg field string multiple

        command hmset
            summary "Set multiple hash fields to multiple values"
            since 2.0.0
            group hash
            complexity "O(N) where N is the number of fields being set."
            deprecated_since 4.0.0
            replaced_by "`HSET` with multiple field-value pairs"
            docflags deprecated
            arity -4
            flags write denyoom fast
            acl hash
            key RW update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg field_value block multiple
                arg field string
                arg value string

        command hrandfield
            summary "Get one or multiple random fields from a hash"
            since 6.2.0
            group hash
            complexity "O(N) where N is the number of fields returned"
            arity -2
            flags readonly
            acl hash
            tips nondeterministic_output
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg options block optional
                arg count integer
                arg withvalues pure-token token WITHVALUES optional

        command hscan
            summary "Incrementally iterate hash fields and associated values"
            since 2.8.0
            group hash
            complexity "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."
            arity -3
            flags readonly
            acl hash
            tips nondeterministic_output
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg cursor integer
            arg pattern pattern token MATCH optional
            arg count integer token COUNT optional

        command hset
            summary "Set the string value of a hash field"
            since 2.0.0
            group hash
            complexity "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs."
            history 4.0.0 "Accepts multiple `field` and `value` arguments."
            arity -4
            flags write denyoom fast
            acl hash
            key RW update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg field_value block multiple
                arg field string
                arg value string

        command hsetnx
            summary "Set the value of a hash field, only if the field does not exist"
            since 2.0.0
            group hash
            complexity O(1)
            arity 4
            flags write denyoom fast
            acl hash
            key RW insert index 1 range 0 1 0
            arg key key key_spec_index 0
            arg field string
            arg value string

        command hstrlen
            summary "Get the length of the value of a hash field"
            since 3.2.0
            group hash
            complexity O(1)
            arity 3
            flags readonly fast
            acl hash
            key RO index 1 range 0 1 0
            arg key key key_spec_index 0
            arg field string

        command hvals
            summary "Get all the values in a hash"
            since 2.0.0
            group hash
            complexity "O(N) where N is the size of the hash."
            arity 2
            flags readonly
            acl hash
            tips nondeterministic_output_order
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
        """#
}
