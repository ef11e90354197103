import SwredisEngine

extension StandardDeclarations {
    /// The `cluster` group: CLUSTER and its subcommands, ASKING, READONLY, READWRITE (see `CommandDeclarationParser`).
    static let cluster = #"""
        command cluster
            summary "A container for cluster commands"
            since 3.0.0
            group cluster
            complexity "Depends on subcommand."
            arity -2

        command cluster|addslots
            summary "Assign new hash slots to receiving node"
            since 3.0.0
            group cluster
            complexity "O(N) where N is the total number of hash slot arguments"
            arity -3
            flags admin stale no_async_loading
            arg slot integer multiple

        command cluster|addslotsrange
            summary "Assign new hash slots to receiving node"
            since 7.0.0
            group cluster
            complexity "O(N) where N is the total number of the slots between the start slot and end slot arguments."
            arity -4
            flags admin stale no_async_loading
            arg start-slot_end-slot block multiple
                arg start-slot integer
                arg end-slot integer

        command cluster|bumpepoch
            summary "Advance the cluster config epoch"
            since 3.0.0
            group cluster
            complexity O(1)
            arity 2
            flags admin stale no_async_loading
            tips nondeterministic_output

        command cluster|count-failure-reports
            summary "Return the number of failure reports active for a given node"
            since 3.0.0
            group cluster
            complexity "O(N) where N is the number of failure reports"
            arity 3
            flags admin stale
            tips nondeterministic_output
            arg node-id string

        command cluster|countkeysinslot
            summary "Return the number of local keys in the specified hash slot"
            since 3.0.0
            group cluster
            complexity O(1)
            arity 3
            flags stale
            arg slot integer

        command cluster|delslots
            summary "Set hash slots as unbound in receiving node"
            since 3.0.0
            group cluster
            complexity "O(N) where N is the total number of hash slot arguments"
            arity -3
            flags admin stale no_async_loading
            arg slot integer multiple

        command cluster|delslotsrange
            summary "Set hash slots as unbound in receiving node"
            since 7.0.0
            group cluster
            complexity "O(N) where N is the total number of the slots between the start slot and end slot arguments."
            arity -4
            flags admin stale no_async_loading
            arg start-slot_end-slot block multiple
                arg start-slot integer
                arg end-slot integer

        command cluster|failover
            summary "Forces a replica to perform a manual failover of its master."
            since 3.0.0
            group cluster
            complexity O(1)
            arity -2
            flags admin stale no_async_loading
            arg options oneof optional
                arg force pure-token token FORCE
                arg takeover pure-token token TAKEOVER

        command cluster|flushslots
            summary "Delete a node's own slots information"
            since 3.0.0
            group cluster
            complexity O(1)
            arity 2
            flags admin stale no_async_loading

        command cluster|forget
            summary "Remove a node from the nodes table"
            since 3.0.0
            group cluster
            complexity O(1)
            arity 3
            flags admin stale no_async_loading
            arg node-id string

        command cluster|getkeysinslot
            summary "Return local key names in the specified hash slot"
            since 3.0.0
            group cluster
            complexity "O(log(N)) where N is the number of requested keys"
            arity 4
            flags stale
            tips nondeterministic_output
            arg slot integer
            arg count integer

        command cluster|help
            summary "Show helpful text about the different subcommands"
            since 5.0.0
            group cluster
            complexity O(1)
            arity 2
            flags loading stale

        command cluster|info
            summary "Provides info about Redis Cluster node state"
            since 3.0.0
            group cluster
            complexity O(1)
            arity 2
            flags stale
            tips nondeterministic_output

        command cluster|keyslot
            summary "Returns the hash slot of the specified key"
            since 3.0.0
            group cluster
            complexity "O(N) where N is the number of bytes in the key"
            arity 3
            flags stale
            arg key string

        command cluster|links
            summary "Returns a list of all TCP links to and from peer nodes in cluster"
            since 7.0.0
            group cluster
            complexity "O(N) where N is the total number of Cluster nodes"
            arity 2
            flags stale
            tips nondeterministic_output

        command cluster|meet
            summary "Force a node cluster to handshake with another node"
            since 3.0.0
            group cluster
            complexity O(1)
            history 4.0.0 "Added the optional `cluster_bus_port` argument."
            arity -4
            flags admin stale no_async_loading
            arg ip string
            arg port integer
            arg cluster_bus_port integer since 4.0.0 optional

        command cluster|myid
            summary "Return the node id"
            since 3.0.0
            group cluster
            complexity O(1)
            arity 2
            flags stale

        command cluster|nodes
            summary "Get Cluster config for the node"
            since 3.0.0
            group cluster
            complexity "O(N) where N is the total number of Cluster nodes"
            arity 2
            flags stale
            tips nondeterministic_output

        command cluster|replicas
            summary "List replica nodes of the specified master node"
            since 5.0.0
            group cluster
            complexity O(1)
            arity 3
            flags admin stale
            tips nondeterministic_output
            arg node-id string

        command cluster|replicate
            summary "Reconfigure a node as a replica of the specified master node"
            since 3.0.0
            group cluster
            complexity O(1)
            arity 3
            flags admin stale no_async_loading
            arg node-id string

        command cluster|reset
            summary "Reset a Redis Cluster node"
            since 3.0.0
            group cluster
            complexity "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side effect."
            arity -2
            flags admin noscript stale
            arg hard_soft oneof optional
                arg hard pure-token token HARD
                arg soft pure-token token SOFT

        command cluster|saveconfig
            summary "Forces the node to save cluster state on disk"
            since 3.0.0
            group cluster
            complexity O(1)
            arity 2
            flags admin stale no_async_loading

        command cluster|set-config-epoch
            summary "Set the configuration epoch in a new node"
            since 3.0.0
            group cluster
            complexity O(1)
            arity 3
            flags admin stale no_async_loading
            arg config-epoch integer

        command cluster|setslot
            summary "Bind a hash slot to a specific node"
            since 3.0.0
            group cluster
            complexity O(1)
            arity -4
            flags admin stale no_async_loading
            arg slot integer
            arg subcommand oneof
                arg node-id string token IMPORTING
                arg node-id string token MIGRATING
                arg node-id string token NODE
                arg stable pure-token token STABLE

        command cluster|shards
            summary "Get array of cluster slots to node mappings"
            since 7.0.0
            group cluster
            complexity "O(N) where N is the total number of cluster nodes"
            arity 2
            flags stale
            tips nondeterministic_output

        command cluster|slaves
            summary "List replica nodes of the specified master node"
            since 3.0.0
            group cluster
            complexity O(1)
            deprecated_since 5.0.0
            replaced_by "`CLUSTER REPLICAS`"
            docflags deprecated
            arity 3
            flags admin stale
            tips nondeterministic_output
            arg node-id string

        command cluster|slots
            summary "Get array of Cluster slot to node mappings"
            since 3.0.0
            group cluster
            complexity "O(N) where N is the total number of Cluster nodes"
            deprecated_since 7.0.0
            replaced_by "`CLUSTER SHARDS`"
            docflags deprecated
            history 4.0.0 "Added node IDs."
            history 7.0.0 "Added additional networking metadata field."
            arity 2
            flags stale
            tips nondeterministic_output

        command asking
            summary "Sent by cluster clients after an -ASK redirect"
            since 3.0.0
            group cluster
            complexity O(1)
            arity 1
            flags fast
            acl connection

        command readonly
            summary "Enables read queries for a connection to a cluster replica node"
            since 3.0.0
            group cluster
            complexity O(1)
            arity 1
            flags loading stale fast
            acl connection

        command readwrite
            summary "Disables read queries for a connection to a cluster replica node"
            since 3.0.0
            group cluster
            complexity O(1)
            arity 1
            flags loading stale fast
            acl connection
        """#
}
