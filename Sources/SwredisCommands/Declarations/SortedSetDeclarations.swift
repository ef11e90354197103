import SwredisEngine

extension StandardDeclarations {
    /// The `sorted-set` group: what each command is (see `CommandDeclarationParser` for the format).
    static let sortedSet = #"""
        command bzmpop
            summary "Remove and return members with scores in a sorted set or block until one is available"
            since 7.0.0
            group sorted-set
            complexity "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."
            arity -5
            flags write blocking
            acl sortedset
            key RW access delete index 2 keynum 0 1 1
            arg timeout double
            arg numkeys integer
            arg key key key_spec_index 0 multiple
            arg where oneof
                arg min pure-token token MIN
                arg max pure-token token MAX
            arg count integer token COUNT optional

        command bzpopmax
            summary "Remove and return the member with the highest score from one or more sorted sets, or block until one is available"
            since 5.0.0
            group sorted-set
            complexity "O(log(N)) with N being the number of elements in the sorted set."
            history 6.0.0 "`timeout` is interpreted as a double instead of an integer."
            arity -3
            flags write noscript blocking fast
            acl sortedset
            key RW access delete index 1 range -2 1 0
            arg key key key_spec_index 0 multiple
            arg timeout double

        command bzpopmin
            summary "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available"
            since 5.0.0
            group sorted-set
            complexity "O(log(N)) with N being the number of elements in the sorted set."
            history 6.0.0 "`timeout` is interpreted as a double instead of an integer."
            arity -3
            flags write noscript blocking fast
            acl sortedset
            key RW access delete index 1 range -2 1 0
            arg key key key_spec_index 0 multiple
            arg timeout double

        command zadd
            summary "Add one or more members to a sorted set, or update its score if it already exists"
            since 1.2.0
            group sorted-set
            complexity "O(log(N)) for each item added, where N is the number of elements in the sorted set."
            history 2.4.0 "Accepts multiple elements."
            history 3.0.2 "Added the `XX`, `NX`, `CH` and `INCR` options."
            history 6.2.0 "Added the `GT` and `LT` options."
            arity -4
            flags write denyoom fast
            acl sortedset
            key RW update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg condition oneof since 3.0.2 optional
                arg nx pure-token token NX
                arg xx pure-token token XX
            arg comparison oneof since 6.2.0 optional
                arg gt pure-token token GT
                arg lt pure-token token LT
            arg change pure-token token CH since 3.0.2 optional
            arg increment pure-token token INCR since 3.0.2 optional
            arg score_member block multiple
                arg score double
                arg member string

        command zcard
            summary "Get the number of members in a sorted set"
            since 1.2.0
            group sorted-set
            complexity O(1)
            arity 2
            flags readonly fast
            acl sortedset
            key RO index 1 range 0 1 0
            arg key key key_spec_index 0

        command zcount
            summary "Count the members in a sorted set with scores within the given values"
            since 2.0.0
            group sorted-set
            complexity "O(log(N)) with N being the number of elements in the sorted set."
            arity 4
            flags readonly fast
            acl sortedset
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg min double
            arg max double

        command zdiff
            summary "Subtract multiple sorted sets"
            since 6.2.0
            group sorted-set
            complexity "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."
            arity -3
            flags readonly
            acl sortedset
            key RO access index 1 keynum 0 1 1
            arg numkeys integer
            arg key key key_spec_index 0 multiple
            arg withscores pure-token token WITHSCORES optional

        command zdiffstore
            summary "Subtract multiple sorted sets and store the resulting sorted set in a new key"
            since 6.2.0
            group sorted-set
            complexity "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."
            arity -4
            flags write denyoom
            acl sortedset
            key OW update index 1 range 0 1 0
            key RO access index 2 keynum 0 1 1
            arg destination key key_spec_index 0
            arg numkeys integer
            arg key key key_spec_index 1 multiple

        command zincrby
            summary "Increment the score of a member in a sorted set"
            since 1.2.0
            group sorted-set
            complexity "O(log(N)) where N is the number of elements in the sorted set."
            arity 4
            flags write denyoom fast
            acl sortedset
            key RW access update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg increment integer
            arg member string

        command zinter
            summary "Intersect multiple sorted sets"
            since 6.2.0
            group sorted-set
            complexity "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."
            arity -3
            flags readonly
            acl sortedset
            key RO access index 1 keynum 0 1 1
            arg numkeys integer
            arg key key key_spec_index 0 multiple
            arg weight integer token WEIGHTS optional multiple
            arg aggregate oneof token AGGREGATE optional
                arg sum pure-token token SUM
                arg min pure-token token MIN
                arg max pure-token token MAX
            arg withscores pure-token token WITHSCORES optional

        command zintercard
            summary "Intersect multiple sorted sets and return the cardinality of the result"
            since 7.0.0
            group sorted-set
            complexity "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets."
            arity -3
            flags readonly
            acl sortedset
            key RO access index 1 keynum 0 1 1
            arg numkeys integer
            arg key key key_spec_index 0 multiple
            arg limit integer token LIMIT optional

        command zinterstore
            summary "Intersect multiple sorted sets and store the resulting sorted set in a new key"
            since 2.0.0
            group sorted-set
            complexity "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."
            arity -4
            flags write denyoom
            acl sortedset
            key OW update index 1 range 0 1 0
            key RO access index 2 keynum 0 1 1
            arg destination key key_spec_index 0
            arg numkeys integer
            arg key key key_spec_index 1 multiple
            arg weight integer token WEIGHTS optional multiple
            arg aggregate oneof token AGGREGATE optional
                arg sum pure-token token SUM
                arg min pure-token token MIN
                arg max pure-token token MAX

        command zlexcount
            summary "Count the number of members in a sorted set between a given lexicographical range"
            since 2.8.9
            group sorted-set
            complexity "O(log(N)) with N being the number of elements in the sorted set."
            arity 4
            flags readonly fast
            acl sortedset
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg min string
            arg max string

        command zmpop
            summary "Remove and return members with scores in a sorted set"
            since 7.0.0
            group sorted-set
            complexity "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."
            arity -4
            flags write
            acl sortedset
            key RW access delete index 1 keynum 0 1 1
            arg numkeys integer
            arg key key key_spec_index 0 multiple
            arg where oneof
                arg min pure-token token MIN
                arg max pure-token token MAX
            arg count integer token COUNT optional

        command zmscore
            summary "Get the score associated with the given members in a sorted set"
            since 6.2.0
            group sorted-set
            complexity "O(N) where N is the number of members being requested."
            arity -3
            flags readonly fast
            acl sortedset
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg member string multiple

        command zpopmax
            summary "Remove and return members with the highest scores in a sorted set"
            since 5.0.0
            group sorted-set
            complexity "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."
            arity -2
            flags write fast
            acl sortedset
            key RW access delete index 1 range 0 1 0
            arg key key key_spec_index 0
            arg count integer optional

        command zpopmin
            summary "Remove and return members with the lowest scores in a sorted set"
            since 5.0.0
            group sorted-set
            complexity "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."
            arity -2
            flags write fast
            acl sortedset
            key RW access delete index 1 range 0 1 0
            arg key key key_spec_index 0
            arg count integer optional

        command zrandmember
            summary "Get one or multiple random elements from a sorted set"
            since 6.2.0
            group sorted-set
            complexity "O(N) where N is the number of elements returned"
            arity -2
            flags readonly
            acl sortedset
            tips nondeterministic_output
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg options block optional
                arg count integer
                arg withscores pure-token token WITHSCORES optional

        command zrange
            summary "Return a range of members in a sorted set"
            since 1.2.0
            group sorted-set
            complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."
            history 6.2.0 "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options."
            arity -4
            flags readonly
            acl sortedset
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg start string
            arg stop string
            arg sortby oneof since 6.2.0 optional
                arg byscore pure-token token BYSCORE
                arg bylex pure-token token BYLEX
            arg rev pure-token token REV since 6.2.0 optional
            arg offset_count block token LIMIT since 6.2.0 optional
                arg offset integer
                arg count integer
            arg withscores pure-token token WITHSCORES optional

        command zrangebylex
            summary "Return a range of members in a sorted set, by lexicographical range"
            since 2.8.9
            group sorted-set
            complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."
            deprecated_since 6.2.0
            replaced_by "`ZRANGE` with the `BYLEX` argument"
            docflags deprecated
            arity -4
            flags readonly
            acl sortedset
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg min string
            arg max string
            arg offset_count block token LIMIT optional
                arg offset integer
                arg count integer

        command zrangebyscore
            summary "Return a range of members in a sorted set, by score"
            since 1.0.5
            group sorted-set
            complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."
            deprecated_since 6.2.0
            replaced_by "`ZRANGE` with the `BYSCORE` argument"
            docflags deprecated
            history 2.0.0 "Added the `WITHSCORES` modifier."
            arity -4
            flags readonly
            acl sortedset
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg min double
            arg max double
            arg withscores pure-token token WITHSCORES since 2.0.0 optional
            arg offset_count block token LIMIT optional
                arg offset integer
                arg count integer

        command zrangestore
            summary "Store a range of members from sorted set into another key"
            since 6.2.0
            group sorted-set
            complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key."
            arity -5
            flags write denyoom
            acl sortedset
            key OW update index 1 range 0 1 0
            key RO access index 2 range 0 1 0
            arg dst key key_spec_index 0
            arg src key key_spec_index 1
            arg min string
            arg max string
            arg sortby oneof optional
                arg byscore pure-token token BYSCORE
                arg bylex pure-token token BYLEX
            arg rev pure-token token REV optional
            arg offset_count block token LIMIT optional
                arg offset integer
                arg count integer

        command zrank
            summary "Determine the index of a member in a sorted set"
            since 2.0.0
            group sorted-set
            complexity O(log(N))
            arity 3
            flags readonly fast
            acl sortedset
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg member string

        command zrem
            summary "Remove one or more members from a sorted set"
            since 1.2.0
            group sorted-set
            complexity "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed."
            history 2.4.0 "Accepts multiple elements."
            arity -3
            flags write fast
            acl sortedset
            key RW delete index 1 range 0 1 0
            arg key key key_spec_index 0
            arg member string multiple

        command zremrangebylex
            summary "Remove all members in a sorted set between the given lexicographical range"
            since 2.8.9
            group sorted-set
            complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."
            arity 4
            flags write
            acl sortedset
            key RW delete index 1 range 0 1 0
            arg key key key_spec_index 0
            arg min string
            arg max string

        command zremrangebyrank
            summary "Remove all members in a sorted set within the given indexes"
            since 2.0.0
            group sorted-set
            complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."
            arity 4
            flags write
            acl sortedset
            key RW delete index 1 range 0 1 0
            arg key key key_spec_index 0
            arg start integer
            arg stop integer

        command zremrangebyscore
            summary "Remove all members in a sorted set within the given scores"
            since 1.2.0
            group sorted-set
            complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."
            arity 4
            flags write
            acl sortedset
            key RW delete index 1 range 0 1 0
            arg key key key_spec_index 0
            arg min double
            arg max double

        command zrevrange
            summary "Return a range of members in a sorted set, by index, with scores ordered from high to low"
            since 1.2.0
            group sorted-set
            complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."
            deprecated_since 6.2.0
            replaced_by "`ZRANGE` with the `REV` argument"
            docflags deprecated
            arity -4
            flags readonly
            acl sortedset
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg start integer
            arg stop integer
            arg withscores pure-token token WITHSCORES optional

        command zrevrangebylex
            summary "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings."
            since 2.8.9
            group sorted-set
            complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."
            deprecated_since 6.2.0
            replaced_by "`ZRANGE` with the `REV` and `BYLEX` arguments"
            docflags deprecated
            arity -4
            flags readonly
            acl sortedset
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg max string
            arg min string
            arg offset_count block token LIMIT optional
                arg offset integer
                arg count integer

        command zrevrangebyscore
            summary "Return a range of members in a sorted set, by score, with scores ordered from high to low"
            since 2.2.0
            group sorted-set
            complexity "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."
            deprecated_since 6.2.0
            replaced_by "`ZRANGE` with the `REV` and `BYSCORE` arguments"
            docflags deprecated
            history 2.1.6 "`min` and `max` can be exclusive."
            arity -4
            flags readonly
            acl sortedset
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg max double
            arg min double
            arg withscores pure-token token WITHSCORES optional
            arg offset_count block token LIMIT optional
                arg offset integer
                arg count integer

        command zrevrank
            summary "Determine the index of a member in a sorted set, with scores ordered from high to low"
            since 2.0.0
            group sorted-set
            complexity O(log(N))
            arity 3
            flags readonly fast
            acl sortedset
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg member string

        command zscan
            summary "Incrementally iterate sorted sets elements and associated scores"
            since 2.8.0
            group sorted-set
            complexity "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."
            arity -3
            flags readonly
            acl sortedset
            tips nondeterministic_output
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg cursor integer
            arg pattern pattern token MATCH optional
            arg count integer token COUNT optional

        command zscore
            summary "Get the score associated with the given member in a sorted set"
            since 1.2.0
            group sorted-set
            complexity O(1)
            arity 3
            flags readonly fast
            acl sortedset
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg member string

        command zunion
            summary "Add multiple sorted sets"
            since 6.2.0
            group sorted-set
            complexity "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."
            arity -3
            flags readonly
            acl sortedset
            key RO access index 1 keynum 0 1 1
            arg numkeys integer
            arg key key key_spec_index 0 multiple
            arg weight integer token WEIGHTS optional multiple
            arg aggregate oneof token AGGREGATE optional
                arg sum pure-token token SUM
                arg min pure-token token MIN
                arg max pure-token token MAX
            arg withscores pure-token token WITHSCORES optional

        command zunionstore
            summary "Add multiple sorted sets and store the resulting sorted set in a new key"
            since 2.0.0
            group sorted-set
            complexity "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."
            arity -4
            flags write denyoom
            acl sortedset
            key OW update index 1 range 0 1 0
            key RO access index 2 keynum 0 1 1
            arg destination key key_spec_index 0
            arg numkeys integer
            arg key key key_spec_index 1 multiple
            arg weight integer token WEIGHTS optional multiple
            arg aggregate oneof token AGGREGATE optional
                arg sum pure-token token SUM
                arg min pure-token token MIN
                arg max pure-token token MAX
        """#
}
