import SwredisEngine

extension StandardDeclarations {
    /// The `generic` group: what each command is (see `CommandDeclarationParser` for the format).
    static let generic = #"""
        command copy
            summary "Copy a key"
            since 6.2.0
            group generic
            complexity "O(N) worst case for collections, where N is the number of nested items. O(1) for string values."
            arity -3
            flags write denyoom
            acl keyspace
            key RO access index 1 range 0 1 0
            key OW update index 2 range 0 1 0
            arg source key key_spec_index 0
            arg destination key key_spec_index 1
            arg destination-db integer token DB optional
            arg replace pure-token token REPLACE optional

        command del
            summary "Delete a key"
            since 1.0.0
            group generic
            complexity "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1)."
            arity -2
            flags write
            acl keyspace
            tips request_policy:multi_shard response_policy:agg_sum
            key RM delete index 1 range -1 1 0
            arg key key key_spec_index 0 multiple

        command dump
            summary "Return a serialized version of the value stored at the specified key."
            since 2.6.0
            group generic
            complexity "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1)."
            arity 2
            flags readonly
            acl keyspace
            tips nondeterministic_output
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0

        command exists
            summary "Determine if a key exists"
            since 1.0.0
            group generic
            complexity "O(N) where N is the number of keys to check."
            history 3.0.3 "Accepts multiple `key` arguments."
            arity -2
            flags readonly fast
            acl keyspace
            tips request_policy:multi_shard response_policy:agg_sum
            key RO index 1 range -1 1 0
            arg key key key_spec_index 0 multiple

        command expire
            summary "Set a key's time to live in seconds"
            since 1.0.0
            group generic
            complexity O(1)
            history 7.0.0 "Added options: `NX`, `XX`, `GT` and `LT`."
            arity -3
            flags write fast
            acl keyspace
            key RW update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg seconds integer
            arg condition oneof since 7.0.0 optional
                arg nx pure-token token NX
                arg xx pure-token token XX
                arg gt pure-token token GT
                arg lt pure-token token LT

        command expireat
            summary "Set the expiration for a key as a UNIX timestamp"
            since 1.2.0
            group generic
            complexity O(1)
            history 7.0.0 "Added options: `NX`, `XX`, `GT` and `LT`."
            arity -3
            flags write fast
            acl keyspace
            key RW update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg unix-time-seconds unix-time
            arg condition oneof since 7.0.0 optional
                arg nx pure-token token NX
                arg xx pure-token token XX
                arg gt pure-token token GT
                arg lt pure-token token LT

        command expiretime
            summary "Get the expiration Unix timestamp for a key"
            since 7.0.0
            group generic
            complexity O(1)
            arity 2
            flags readonly fast
            acl keyspace
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0

        command keys
            summary "Find all keys matching the given pattern"
            since 1.0.0
            group generic
            complexity "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length."
            arity 2
            flags readonly
            acl keyspace dangerous
            tips request_policy:all_shards nondeterministic_output_order
            arg pattern pattern

        command move
            summary "Move a key to another database"
            since 1.0.0
            group generic
            complexity O(1)
            arity 3
            flags write fast
            acl keyspace
            key RW access update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg db integer

        command object
            summary "A container for object introspection commands"
            since 2.2.3
            group generic
            complexity "Depends on subcommand."
            arity -2

        command object|encoding
            summary "Inspect the internal encoding of a Redis object"
            since 2.2.3
            group generic
            complexity O(1)
            arity 3
            flags readonly
            acl keyspace
            tips nondeterministic_output
            key RO index 2 range 0 1 0
            arg key key key_spec_index 0

        command object|freq
            summary "Get the logarithmic access frequency counter of a Redis object"
            since 4.0.0
            group generic
            complexity O(1)
            arity 3
            flags readonly
            acl keyspace
            tips nondeterministic_output
            key RO index 2 range 0 1 0
            arg key key key_spec_index 0

        command object|help
            summary "Show helpful text about the different subcommands"
            since 6.2.0
            group generic
            complexity O(1)
            arity 2
            flags loading stale
            acl keyspace

        command object|idletime
            summary "Get the time since a Redis object was last accessed"
            since 2.2.3
            group generic
            complexity O(1)
            arity 3
            flags readonly
            acl keyspace
            tips nondeterministic_output
            key RO index 2 range 0 1 0
            arg key key key_spec_index 0

        command object|refcount
            summary "Get the number of references to the value of the key"
            since 2.2.3
            group generic
            complexity O(1)
            arity 3
            flags readonly
            acl keyspace
            tips nondeterministic_output
            key RO index 2 range 0 1 0
            arg key key key_spec_index 0

        command persist
            summary "Remove the expiration from a key"
            since 2.2.0
            group generic
            complexity O(1)
            arity 2
            flags write fast
            acl keyspace
            key RW update index 1 range 0 1 0
            arg key key key_spec_index 0

        command pexpire
            summary "Set a key's time to live in milliseconds"
            since 2.6.0
            group generic
            complexity O(1)
            history 7.0.0 "Added options: `NX`, `XX`, `GT` and `LT`."
            arity -3
            flags write fast
            acl keyspace
            key RW update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg milliseconds integer
            arg condition oneof since 7.0.0 optional
                arg nx pure-token token NX
                arg xx pure-token token XX
                arg gt pure-token token GT
                arg lt pure-token token LT

        command pexpireat
            summary "Set the expiration for a key as a UNIX timestamp specified in milliseconds"
            since 2.6.0
            group generic
            complexity O(1)
            history 7.0.0 "Added options: `NX`, `XX`, `GT` and `LT`."
            arity -3
            flags write fast
            acl keyspace
            key RW update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg unix-time-milliseconds unix-time
            arg condition oneof since 7.0.0 optional
                arg nx pure-token token NX
                arg xx pure-token token XX
                arg gt pure-token token GT
                arg lt pure-token token LT

        command pexpiretime
            summary "Get the expiration Unix timestamp for a key in milliseconds"
            since 7.0.0
            group generic
            complexity O(1)
            arity 2
            flags readonly fast
            acl keyspace
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0

        command pttl
            summary "Get the time to live for a key in milliseconds"
            since 2.6.0
            group generic
            complexity O(1)
            history 2.8.0 "Added the -2 reply."
            arity 2
            flags readonly fast
            acl keyspace
            tips nondeterministic_output
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0

        command randomkey
            summary "Return a random key from the keyspace"
            since 1.0.0
            group generic
            complexity O(1)
            arity 1
            flags readonly touches_arbitrary_keys
            acl keyspace
            tips request_policy:all_shards nondeterministic_output

        command rename
            summary "Rename a key"
            since 1.0.0
            group generic
            complexity O(1)
            arity 3
            flags write
            acl keyspace
            key RW access delete index 1 range 0 1 0
            key OW update index 2 range 0 1 0
            arg key key key_spec_index 0
            arg newkey key key_spec_index 1

        command renamenx
            summary "Rename a key, only if the new key does not exist"
            since 1.0.0
            group generic
            complexity O(1)
            history 3.2.0 "The command no longer returns an error when source and destination names are the same."
            arity 3
            flags write fast
            acl keyspace
            key RW access delete index 1 range 0 1 0
            key OW insert index 2 range 0 1 0
            arg key key key_spec_index 0
            arg newkey key key_spec_index 1

        command restore
            summary "Create a key using the provided serialized value, previously obtained using DUMP."
            since 2.6.0
            group generic
            complexity "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N))."
            history 3.0.0 "Added the `REPLACE` modifier."
            history 5.0.0 "Added the `ABSTTL` modifier."
            history 5.0.0 "Added the `IDLETIME` and `FREQ` options."
            arity -4
            flags write denyoom
            acl keyspace dangerous
            key OW update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg ttl integer
            arg serialized-value string
            arg replace pure-token token REPLACE since 3.0.0 optional
            arg absttl pure-token token ABSTTL since 5.0.0 optional
            arg seconds integer token IDLETIME since 5.0.0 optional
            arg frequency integer token FREQ since 5.0.0 optional

        command scan
            summary "Incrementally iterate the keys space"
            since 2.8.0
            group generic
            complexity "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection."
            history 6.0.0 "Added the `TYPE` subcommand."
            arity -2
            flags readonly touches_arbitrary_keys
            acl keyspace
            tips nondeterministic_output request_policy:special
            arg cursor integer
            arg pattern pattern token MATCH optional
            arg count integer token COUNT optional
            arg type string token TYPE since 6.0.0 optional

        command sort
            summary "Sort the elements in a list, set or sorted set"
            since 1.0.0
            group generic
            complexity "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."
            arity -2
            flags write denyoom
            acl set sortedset list dangerous
            key RO access index 1 range 0 1 0
            key RO access unknown unknown notes "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"
            key OW update unknown unknown notes "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array"
            arg key key key_spec_index 0
            arg pattern pattern key_spec_index 1 token BY optional
            arg offset_count block token LIMIT optional
                arg offset integer
                arg count integer
            arg pattern pattern key_spec_index 1 token GET optional multiple multiple_token
            arg order oneof optional
                arg asc pure-token token ASC
                arg desc pure-token token DESC
            arg sorting pure-token token ALPHA optional
            arg destination key key_spec_index 2 token STORE optional

        command sort_ro
            summary "Sort the elements in a list, set or sorted set. Read-only variant of SORT."
            since 7.0.0
            group generic
            complexity "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."
            arity -2
            flags readonly
            acl set sortedset list dangerous
            key RO access index 1 range 0 1 0
            key RO access unknown unknown notes "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"
            arg key key key_spec_index 0
            arg pattern pattern key_spec_index 1 token BY optional
            arg offset_count block token LIMIT optional
                arg offset integer
                arg count integer
            arg pattern pattern key_spec_index 1 token GET optional multiple multiple_token
            arg order oneof optional
                arg asc pure-token token ASC
                arg desc pure-token token DESC
            arg sorting pure-token token ALPHA optional

        command touch
            summary "Alters the last access time of a key(s). Returns the number of existing keys specified."
            since 3.2.1
            group generic
            complexity "O(N) where N is the number of keys that will be touched."
            arity -2
            flags readonly fast
            acl keyspace
            tips request_policy:multi_shard response_policy:agg_sum
            key RO index 1 range -1 1 0
            arg key key key_spec_index 0 multiple

        command ttl
            summary "Get the time to live for a key in seconds"
            since 1.0.0
            group generic
            complexity O(1)
            history 2.8.0 "Added the -2 reply."
            arity 2
            flags readonly fast
            acl keyspace
            tips nondeterministic_output
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0

        command type
            summary "Determine the type stored at key"
            since 1.0.0
            group generic
            complexity O(1)
            arity 2
            flags readonly fast
            acl keyspace
            key RO index 1 range 0 1 0
            arg key key key_spec_index 0

        command unlink
            summary "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking."
            since 4.0.0
            group generic
            complexity "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of."
            arity -2
            flags write fast
            acl keyspace
            tips request_policy:multi_shard response_policy:agg_sum
            key RM delete index 1 range -1 1 0
            arg key key key_spec_index 0 multiple

        command wait
            summary "Wait for the synchronous replication of all the write commands sent in the context of the current connection"
            since 3.0.0
            group generic
            complexity O(1)
            arity 3
            flags noscript
            acl connection
            tips request_policy:all_shards response_policy:agg_min
            arg numreplicas integer
            arg timeout integer
        """#
}
