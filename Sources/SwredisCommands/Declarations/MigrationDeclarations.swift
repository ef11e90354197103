import SwredisEngine

extension StandardDeclarations {
    /// MIGRATE and RESTORE-ASKING (see `CommandDeclarationParser`).
    static let migration = #"""
        command migrate
            summary "Atomically transfer a key from a Redis instance to another one."
            since 2.6.0
            group generic
            complexity "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed."
            history 3.0.0 "Added the `COPY` and `REPLACE` options."
            history 3.0.6 "Added the `KEYS` option."
            history 4.0.7 "Added the `AUTH` option."
            history 6.0.0 "Added the `AUTH2` option."
            arity -6
            flags write
            acl keyspace dangerous
            tips nondeterministic_output
            key RW access delete index 3 range 0 1 0
            key RW access delete incomplete keyword KEYS -2 range -1 1 0
            arg host string
            arg port integer
            arg key_or_empty_string oneof
                arg key key key_spec_index 0
                arg empty_string pure-token token ""
            arg destination-db integer
            arg timeout integer
            arg copy pure-token token COPY since 3.0.0 optional
            arg replace pure-token token REPLACE since 3.0.0 optional
            arg authentication oneof optional
                arg password string token AUTH since 4.0.7 optional
                arg username_password block token AUTH2 since 6.0.0 optional
                    arg username string
                    arg password string
            arg key key key_spec_index 1 token KEYS since 3.0.6 optional multiple

        command restore-asking
            summary "An internal command for migrating keys in a cluster"
            since 3.0.0
            group server
            complexity "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N))."
            docflags syscmd
            history 3.0.0 "Added the `REPLACE` modifier."
            history 5.0.0 "Added the `ABSTTL` modifier."
            history 5.0.0 "Added the `IDLETIME` and `FREQ` options."
            arity -4
            flags write denyoom asking
            acl keyspace dangerous
            key OW update index 1 range 0 1 0
            arg key key key_spec_index 0
            arg ttl integer
            arg serialized-value string
            arg replace pure-token token REPLACE since 3.0.0 optional
            arg absttl pure-token token ABSTTL since 5.0.0 optional
            arg seconds integer token IDLETIME since 5.0.0 optional
            arg frequency integer token FREQ since 5.0.0 optional
        """#
}
