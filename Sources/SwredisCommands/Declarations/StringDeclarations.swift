import SwredisEngine

extension StandardDeclarations {
    /// The `string` group: what each command is (see `CommandDeclarationParser` for the format).
    static let string = #"""
        command append
            summary "Append a value to a key"
            since 2.0.0
            group string
            complexity "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation."
            arity 3
            flags write denyoom fast
            acl string
            key RW insert index 1 range 0 1 0
            arg key key key_spec_index 0
            arg value string

        command decr
            summary "Decrement the integer value of a key by one"
            since 1.0.0
            group string
            complexity O(1)
            arity 2
            flags write denyoom fast
            acl string
            key RW access update index 1 range 0 1 0
            arg key key key_spec_index 0

        command decrby
            summary "Decrement the integer value of a key by the given number"
            since 1.0.0
            group string
            complexity O(1)
            arity 3
            flags write denyoom fast
            acl string
            key RW access update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg decrement integer

        command get
            summary "Get the value of a key"
            since 1.0.0
            group string
            complexity O(1)
            arity 2
            flags readonly fast
            acl string
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0

        command getdel
            summary "Get the value of a key and delete the key"
            since 6.2.0
            group string
            complexity O(1)
            arity 2
            flags write fast
            acl string
            key RW access delete index 1 range 0 1 0
            arg key key key_spec_index 0

        command getex
            summary "Get the value of a key and optionally set its expiration"
            since 6.2.0
            group string
            complexity O(1)
            arity -2
            flags write fast
            acl string
            key RW access update index 1 range 0 1 0 notes "RW and UPDATE because it changes the TTL"
            arg key key key_spec_index 0
            arg expiration oneof optional
                arg seconds integer token EX
                arg milliseconds integer token PX
                arg unix-time-seconds unix-time token EXAT
                arg unix-time-milliseconds unix-time token PXAT
                arg persist pure-token token PERSIST

        command getrange
            summary "Get a substring of the string stored at a key"
            since 2.4.0
            group string
            complexity "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings."
            arity 4
            flags readonly
            acl string
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg start integer
            arg end integer

        command getset
            summary "Set the string value of a key and return its old value"
            since 1.0.0
            group string
            complexity O(1)
            deprecated_since 6.2.0
            replaced_by "`SET` with the `!GET` argument"
            docflags deprecated
            arity 3
            flags write denyoom fast
            acl string
            key RW access update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg value string

        command incr
            summary "Increment the integer value of a key by one"
            since 1.0.0
            group string
            complexity O(1)
            arity 2
            flags write denyoom fast
            acl string
            key RW access update index 1 range 0 1 0
            arg key key key_spec_index 0

        command incrby
            summary "Increment the integer value of a key by the given amount"
            since 1.0.0
            group string
            complexity O(1)
            arity 3
            flags write denyoom fast
            acl string
            key RW access update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg increment integer

        command incrbyfloat
            summary "Increment the float value of a key by the given amount"
            since 2.6.0
            group string
            complexity O(1)
            arity 3
            flags write denyoom fast
            acl string
            key RW access update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg increment double

        command lcs
            summary "Find longest common substring"
            since 7.0.0
            group string
            complexity "O(N*M) where N and M are the lengths of s1 and s2, respectively"
            arity -3
            flags readonly
            acl string
            key RO access index 1 range 1 1 0
            arg key1 key key_spec_index 0
            arg key2 key key_spec_index 0
            arg len pure-token token LEN optional
            arg idx pure-token token IDX optional
            arg len integer token MINMATCHLEN optional
            arg withmatchlen pure-token token WITHMATCHLEN optional

        command mget
            summary "Get the values of all the given keys"
            since 1.0.0
            group string
            complexity "O(N) where N is the number of keys to retrieve."
            arity -2
            flags readonly fast
            acl string
            tips request_policy:multi_shard
            key RO access index 1 range -1 1 0
            arg key key key_spec_index 0 multiple

        command mset
            summary "Set multiple keys to multiple values"
            since 1.0.1
            group string
            complexity "O(N) where N is the number of keys to set."
            arity -3
            flags write denyoom
            acl string
            tips request_policy:multi_shard response_policy:all_succeeded
            key OW update index 1 range -1 2 0
            arg key_value block multiple
                arg key key key_spec_index 0
                arg value string

        command msetnx
            summary "Set multiple keys to multiple values, only if none of the keys exist"
            since 1.0.1
            group string
            complexity "O(N) where N is the number of keys to set."
            arity -3
            flags write denyoom
            acl string
            tips request_policy:multi_shard response_policy:agg_min
            key OW insert index 1 range -1 2 0
            arg key_value block multiple
                arg key key key_spec_index 0
                arg value string

        command psetex
            summary "Set the value and expiration in milliseconds of a key"
            since 2.6.0
            group string
            complexity O(1)
            arity 4
            flags write denyoom
            acl string
            key OW update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg milliseconds integer
            arg value string

        command set
            summary "Set the string value of a key"
            since 1.0.0
            group string
            complexity O(1)
            history 2.6.12 "Added the `EX`, `PX`, `NX` and `XX` options."
            history 6.0.0 "Added the `KEEPTTL` option."
            history 6.2.0 "Added the `GET`, `EXAT` and `PXAT` option."
            history 7.0.0 "Allowed the `NX` and `GET` options to be used together."
            arity -3
            flags write denyoom
            acl string
            key RW access update variable_flags index 1 range 0 1 0 notes "RW and ACCESS due to the optional `GET` argument"
            arg key key key_spec_index 0
            arg value string
            arg condition oneof since 2.6.12 optional
                arg nx pure-token token NX
                arg xx pure-token token XX
            arg get pure-token token GET since 6.2.0 optional
            arg expiration oneof optional
                arg seconds integer token EX since 2.6.12
                arg milliseconds integer token PX since 2.6.12
                arg unix-time-seconds unix-time token EXAT since 6.2.0
                arg unix-time-milliseconds unix-time token PXAT since 6.2.0
                arg keepttl pure-token token KEEPTTL since 6.0.0

        command setex
            summary "Set the value and expiration of a key"
            since 2.0.0
            group string
            complexity O(1)
            arity 4
            flags write denyoom
            acl string
            key OW update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg seconds integer
            arg value string

        command setnx
            summary "Set the value of a key, only if the key does not exist"
            since 1.0.0
            group string
            complexity O(1)
            arity 3
            flags write denyoom fast
            acl string
            key OW insert index 1 range 0 1 0
            arg key key key_spec_index 0
            arg value string

        command setrange
            summary "Overwrite part of a string at key starting at the specified offset"
            since 2.2.0
            group string
            complexity "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument."
            arity 4
            flags write denyoom
            acl string
            key RW update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg offset integer
            arg value string

        command strlen
            summary "Get the length of the value stored in a key"
            since 2.2.0
            group string
            complexity O(1)
            arity 2
            flags readonly fast
            acl string
            key RO index 1 range 0 1 0
            arg key key key_spec_index 0

        command substr
            summary "Get a substring of the string stored at a key"
            since 1.0.0
            group string
            complexity "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings."
            deprecated_since 2.0.0
            replaced_by "`GETRANGE`"
            docflags deprecated
            arity 4
            flags readonly
            acl string
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg start integer
            arg end integer
        """#
}
