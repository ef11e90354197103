import SwredisEngine

extension StandardDeclarations {
    /// The `list` group: what each command is (see `CommandDeclarationParser` for the format).
    static let list = #"""
        command blmove
            summary "Pop an element from a list, push it to another list and return it; or block until one is available"
            since 6.2.0
            group list
            complexity O(1)
            arity 6
            flags write denyoom noscript blocking
            acl list
            key RW access delete index 1 range 0 1 0
            key RW insert index 2 range 0 1 0
            arg source key key_spec_index 0
            arg destination key key_spec_index 1
            arg wherefrom oneof
                arg left pure-token token LEFT
                arg right pure-token token RIGHT
            arg whereto oneof
                arg left pure-token token LEFT
                arg right pure-token token RIGHT
            arg timeout double

        command blmpop
            summary "Pop elements from a list, or block until one is available"
            since 7.0.0
            group list
            complexity "O(N+M) where N is the number of provided keys and M is the number of elements returned."
            arity -5
            flags write blocking
            acl list
            key RW access delete index 2 keynum 0 1 1
            arg timeout double
            arg numkeys integer
            arg key key key_spec_index 0 multiple
            arg where oneof
                arg left pure-token token LEFT
                arg right pure-token token RIGHT
            arg count integer token COUNT optional

        command blpop
            summary "Remove and get the first element in a list, or block until one is available"
            since 2.0.0
            group list
            complexity "O(N) where N is the number of provided keys."
            history 6.0.0 "`timeout` is interpreted as a double instead of an integer."
            arity -3
            flags write noscript blocking
            acl list
            key RW access delete index 1 range -2 1 0
            arg key key key_spec_index 0 multiple
            arg timeout double

        command brpop
            summary "Remove and get the last element in a list, or block until one is available"
            since 2.0.0
            group list
            complexity "O(N) where N is the number of provided keys."
            history 6.0.0 "`timeout` is interpreted as a double instead of an integer."
            arity -3
            flags write noscript blocking
            acl list
            key RW access delete index 1 range -2 1 0
            arg key key key_spec_index 0 multiple
            arg timeout double

        command brpoplpush
            summary "Pop an element from a list, push it to another list and return it; or block until one is available"
            since 2.2.0
            group list
            complexity O(1)
            deprecated_since 6.2.0
            replaced_by "`BLMOVE` with the `RIGHT` and `LEFT` arguments"
            docflags deprecated
            history 6.0.0 "`timeout` is interpreted as a double instead of an integer."
            arity 4
            flags write denyoom noscript blocking
            acl list
            key RW access delete index 1 range 0 1 0
            key RW insert index 2 range 0 1 0
            arg source key key_spec_index 0
            arg destination key key_spec_index 1
            arg timeout double

        command lindex
            summary "Get an element from a list by its index"
            since 1.0.0
            group list
            complexity "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1)."
            arity 3
            flags readonly
            acl list
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg index integer

        command linsert
            summary "Insert an element before or after another element in a list"
            since 2.2.0
            group list
            complexity "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N)."
            arity 5
            flags write denyoom
            acl list
            key RW insert index 1 range 0 1 0
            arg key key key_spec_index 0
            arg where oneof
                arg before pure-token token BEFORE
                arg after pure-token token AFTER
            arg pivot string
            arg element string

        command llen
            summary "Get the length of a list"
            since 1.0.0
            group list
            complexity O(1)
            arity 2
            flags readonly fast
            acl list
            key RO index 1 range 0 1 0
            arg key key key_spec_index 0

        command lmove
            summary "Pop an element from a list, push it to another list and return it"
            since 6.2.0
            group list
            complexity O(1)
            arity 5
            flags write denyoom
            acl list
            key RW access delete index 1 range 0 1 0
            key RW insert index 2 range 0 1 0
            arg source key key_spec_index 0
            arg destination key key_spec_index 1
            arg wherefrom oneof
                arg left pure-token token LEFT
                arg right pure-token token RIGHT
            arg whereto oneof
                arg left pure-token token LEFT
                arg right pure-token token RIGHT

        command lmpop
            summary "Pop elements from a list"
            since 7.0.0
            group list
            complexity "O(N+M) where N is the number of provided keys and M is the number of elements returned."
            arity -4
            flags write
            acl list
            key RW access delete index 1 keynum 0 1 1
            arg numkeys integer
            arg key key key_spec_index 0 multiple
            arg where oneof
                arg left pure-token token LEFT
                arg right pure-token token RIGHT
            arg count integer token COUNT optional

        command lpop
            summary "Remove and get the first elements in a list"
            since 1.0.0
            group list
            complexity "O(N) where N is the number of elements returned"
            history 6.2.0 "Added the `count` argument."
            arity -2
            flags write fast
            acl list
            key RW access delete index 1 range 0 1 0
            arg key key key_spec_index 0
            arg count integer since 6.2.0 optional

        command lpos
            summary "Return the index of matching elements on a list"
            since 6.0.6
            group list
            complexity "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time."
            arity -3
            flags readonly
            acl list
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg element string
            arg rank integer token RANK optional
            arg num-matches integer token COUNT optional
            arg len integer token MAXLEN optional

        command lpush
            summary "Prepend one or multiple elements to a list"
            since 1.0.0
            group list
            complexity "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
            history 2.4.0 "Accepts multiple `element` arguments."
            arity -3
            flags write denyoom fast
            acl list
            key RW insert index 1 range 0 1 0
            arg key key key_spec_index 0
            arg element string multiple

        command lpushx
            summary "Prepend an element to a list, only if the list exists"
            since 2.2.0
            group list
            complexity "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
            history 4.0.0 "Accepts multiple `element` arguments."
            arity -3
            flags write denyoom fast
            acl list
            key RW insert index 1 range 0 1 0
            arg key key key_spec_index 0
            arg element string multiple

        command lrange
            summary "Get a range of elements from a list"
            since 1.0.0
            group list
            complexity "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range."
            arity 4
            flags readonly
            acl list
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg start integer
            arg stop integer

        command lrem
            summary "Remove elements from a list"
            since 1.0.0
            group list
            complexity "O(N+M) where N is the length of the list and M is the number of elements removed."
            arity 4
            flags write
            acl list
            key RW delete index 1 range 0 1 0
            arg key key key_spec_index 0
            arg count integer
            arg element string

        command lset
            summary "Set the value of an element in a list by its index"
            since 1.0.0
            group list
            complexity "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1)."
            arity 4
            flags write denyoom
            acl list
            key RW update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg index integer
            arg element string

        command ltrim
            summary "Trim a list to the specified range"
            since 1.0.0
            group list
            complexity "O(N) where N is the number of elements to be removed by the operation."
            arity 4
            flags write
            acl list
            key RW delete index 1 range 0 1 0
            arg key key key_spec_index 0
            arg start integer
            arg stop integer

        command rpop
            summary "Remove and get the last elements in a list"
            since 1.0.0
            group list
            complexity "O(N) where N is the number of elements returned"
            history 6.2.0 "Added the `count` argument."
            arity -2
            flags write fast
            acl list
            key RW access delete index 1 range 0 1 0
            arg key key key_spec_index 0
            arg count integer since 6.2.0 optional

        command rpoplpush
            summary "Remove the last element in a list, prepend it to another list and return it"
            since 1.2.0
            group list
            complexity O(1)
            deprecated_since 6.2.0
            replaced_by "`LMOVE` with the `RIGHT` and `LEFT` arguments"
            docflags deprecated
            arity 3
            flags write denyoom
            acl list
            key RW access delete index 1 range 0 1 0
            key RW insert index 2 range 0 1 0
            arg source key key_spec_index 0
            arg destination key key_spec_index 1

        command rpush
            summary "Append one or multiple elements to a list"
            since 1.0.0
            group list
            complexity "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
            history 2.4.0 "Accepts multiple `element` arguments."
            arity -3
            flags write denyoom fast
            acl list
            key RW insert index 1 range 0 1 0
            arg key key key_spec_index 0
            arg element string multiple

        command rpushx
            summary "Append an element to a list, only if the list exists"
            since 2.2.0
            group list
            complexity "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
            history 4.0.0 "Accepts multiple `element` arguments."
            arity -3
            flags write denyoom fast
            acl list
            key RW insert index 1 range 0 1 0
            arg key key key_spec_index 0
            arg element string multiple
        """#
}
