import SwredisEngine

extension StandardDeclarations {
    /// The `bitmap` group: what each command is (see `CommandDeclarationParser` for the format).
    static let bitmap = #"""
        command bitcount
            summary "Count set bits in a string"
            since 2.6.0
            group bitmap
            complexity O(N)
            history 7.0.0 "Added the `BYTE|BIT` option."
            arity -2
            flags readonly
            acl bitmap
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg index block optional
                arg start integer
                arg end integer
                arg index_unit oneof since 7.0.0 optional
                    arg byte pure-token token BYTE
                    arg bit pure-token token BIT

        command bitfield
            summary "Perform arbitrary bitfield integer operations on strings"
            since 3.2.0
            group bitmap
            complexity "O(1) for each subcommand specified"
            arity -2
            flags write denyoom
            acl bitmap
            key RW access update variable_flags index 1 range 0 1 0 notes "This command allows both access and modification of the key"
            arg key key key_spec_index 0
            arg operation oneof optional multiple
                arg encoding_offset block token GET
                    arg encoding string
                    arg offset integer
                arg write block
                    arg wrap_sat_fail oneof token OVERFLOW optional
                        arg wrap pure-token token WRAP
                        arg sat pure-token token SAT
                        arg fail pure-token token FAIL
                    arg write_operation oneof
                        arg encoding_offset_value block token SET
                            arg encoding string
                            arg offset integer
                            arg value integer
                        arg encoding_offset_increment block token INCRBY
                            arg encoding string
                            arg offset integer
                            arg increment integer

        command bitfield_ro
            summary "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD"
            since 6.0.0
            group bitmap
            complexity "O(1) for each subcommand specified"
            arity -2
            flags readonly fast
            acl bitmap
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg encoding_offset block token GET optional multiple multiple_token
                arg encoding string
                arg offset integer

        command bitop
            summary "Perform bitwise operations between strings"
            since 2.6.0
            group bitmap
            complexity O(N)
            arity -4
            flags write denyoom
            acl bitmap
            key OW update index 2 range 0 1 0
            key RO access index 3 range -1 1 0
            arg operation string
            arg destkey key key_spec_index 0
            arg key key key_spec_index 1 multiple

        command bitpos
            summary "Find first bit set or clear in a string"
            since 2.8.7
            group bitmap
            complexity O(N)
            history 7.0.0 "Added the `BYTE|BIT` option."
            arity -3
            flags readonly
            acl bitmap
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg bit integer
            arg index block optional
                arg start integer
                arg end_index block optional
                    arg end integer
                    arg index_unit oneof since 7.0.0 optional
                        arg byte pure-token token BYTE
                        arg bit pure-token token BIT

        command getbit
            summary "Returns the bit value at offset in the string value stored at key"
            since 2.2.0
            group bitmap
            complexity O(1)
            arity 3
            flags readonly fast
            acl bitmap
            key RO access index 1 range 0 1 0
            arg key key key_spec_index 0
            arg offset integer

        command setbit
            summary "Sets or clears the bit at offset in the string value stored at key"
            since 2.2.0
            group bitmap
            complexity O(1)
            arity 4
            flags write denyoom
            acl bitmap
            key RW access update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg offset integer
            arg value integer
        """#
}
