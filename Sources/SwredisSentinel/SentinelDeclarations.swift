import SwredisEngine

/// What the sentinel-only commands are (SENTINEL and its subcommands, ACL), transcribed from redis-sentinel
/// 7.0.15's COMMAND INFO and COMMAND DOCS with `tests/tools/declarations.py`; `sentinel` and `only_sentinel` are
/// Redis's hidden flags for them.
enum SentinelDeclarations {
    static let all: [CommandDeclaration] = {
        do {
            return try CommandDeclarationParser.parse(text)
        } catch {
            fatalError("the sentinel command declarations do not parse: \(error)")
        }
    }()

    static let text = #"""
        command sentinel
            summary "A container for Sentinel commands"
            since 2.8.4
            group sentinel
            complexity "Depends on subcommand."
            arity -2
            flags admin sentinel only_sentinel

        command sentinel|ckquorum
            summary "Check for a Sentinel quorum"
            since 2.8.4
            group sentinel
            arity 3
            flags admin sentinel only_sentinel
            arg master-name string

        command sentinel|config
            summary "Configure Sentinel"
            since 6.2.0
            group sentinel
            complexity O(1)
            arity -3
            flags admin sentinel only_sentinel
            arg set_or_get oneof
                arg set_param_value block token SET multiple
                    arg parameter string
                    arg value string
                arg parameter string token GET multiple

        command sentinel|debug
            summary "List or update the current configurable parameters"
            since 7.0.0
            group sentinel
            complexity "O(N) where N is the number of configurable parameters"
            arity -2
            flags admin sentinel only_sentinel
            arg parameter_value block multiple
                arg parameter string
                arg value string

        command sentinel|failover
            summary "Force a failover"
            since 2.8.4
            group sentinel
            arity 3
            flags admin sentinel only_sentinel
            arg master-name string

        command sentinel|flushconfig
            summary "Rewrite configuration file"
            since 2.8.4
            group sentinel
            complexity O(1)
            arity 2
            flags admin sentinel only_sentinel

        command sentinel|get-master-addr-by-name
            summary "Get port and address of a master"
            since 2.8.4
            group sentinel
            complexity O(1)
            arity 3
            flags admin sentinel only_sentinel
            arg master-name string

        command sentinel|help
            summary "Show helpful text about the different subcommands"
            since 6.2.0
            group sentinel
            complexity O(1)
            arity 2
            flags loading stale sentinel only_sentinel

        command sentinel|info-cache
            summary "Get cached INFO from the instances in the deployment"
            since 3.2.0
            group sentinel
            complexity "O(N) where N is the number of instances"
            arity -3
            flags admin sentinel only_sentinel
            arg nodename string multiple

        command sentinel|is-master-down-by-addr
            summary "Check if a master is down"
            since 2.8.4
            group sentinel
            complexity O(1)
            arity 6
            flags admin sentinel only_sentinel
            arg ip string
            arg port integer
            arg current-epoch integer
            arg runid string

        command sentinel|master
            summary "Shows the state of a master"
            since 2.8.4
            group sentinel
            complexity O(1)
            arity 3
            flags admin sentinel only_sentinel
            arg master-name string

        command sentinel|masters
            summary "List the monitored masters"
            since 2.8.4
            group sentinel
            complexity "O(N) where N is the number of masters"
            arity 2
            flags admin sentinel only_sentinel

        command sentinel|monitor
            summary "Start monitoring"
            since 2.8.4
            group sentinel
            complexity O(1)
            arity 6
            flags admin sentinel only_sentinel
            arg name string
            arg ip string
            arg port integer
            arg quorum integer

        command sentinel|myid
            summary "Get the Sentinel instance ID"
            since 6.2.0
            group sentinel
            complexity O(1)
            arity 2
            flags admin sentinel only_sentinel

        command sentinel|pending-scripts
            summary "Get information about pending scripts"
            since 2.8.4
            group sentinel
            arity 2
            flags admin sentinel only_sentinel

        command sentinel|remove
            summary "Stop monitoring"
            since 2.8.4
            group sentinel
            complexity O(1)
            arity 3
            flags admin sentinel only_sentinel
            arg master-name string

        command sentinel|replicas
            summary "List the monitored replicas"
            since 5.0.0
            group sentinel
            complexity "O(N) where N is the number of replicas"
            arity 3
            flags admin sentinel only_sentinel
            arg master-name string

        command sentinel|reset
            summary "Reset masters by name pattern"
            since 2.8.4
            group sentinel
            complexity "O(N) where N is the number of monitored masters"
            arity 3
            flags admin sentinel only_sentinel
            arg pattern pattern

        command sentinel|sentinels
            summary "List the Sentinel instances"
            since 2.8.4
            group sentinel
            complexity "O(N) where N is the number of Sentinels"
            arity 3
            flags admin sentinel only_sentinel
            arg master-name string

        command sentinel|set
            summary "Change the configuration of a monitored master"
            since 2.8.4
            group sentinel
            complexity O(1)
            arity -5
            flags admin sentinel only_sentinel
            arg master-name string
            arg option_value block multiple
                arg option string
                arg value string

        command sentinel|simulate-failure
            summary "Simulate failover scenarios"
            since 3.2.0
            group sentinel
            arity -3
            flags admin sentinel only_sentinel
            arg mode oneof optional multiple
                arg crash-after-election pure-token
                arg crash-after-promotion pure-token
                arg help pure-token

        command sentinel|slaves
            summary "List the monitored slaves"
            since 2.8.0
            group sentinel
            complexity "O(N) where N is the number of slaves"
            deprecated_since 5.0.0
            replaced_by "`SENTINEL REPLICAS`"
            docflags deprecated
            arity 3
            flags admin sentinel only_sentinel
            arg master-name string

        command acl
            summary "A container for Access List Control commands "
            since 6.0.0
            group server
            complexity "Depends on subcommand."
            arity -2
            flags sentinel

        command acl|cat
            summary "List the ACL categories or the commands inside a category"
            since 6.0.0
            group server
            complexity "O(1) since the categories and commands are a fixed set."
            arity -2
            flags noscript loading stale sentinel
            arg categoryname string optional

        command acl|deluser
            summary "Remove the specified ACL users and the associated rules"
            since 6.0.0
            group server
            complexity "O(1) amortized time considering the typical user."
            arity -3
            flags admin noscript loading stale sentinel
            arg username string multiple

        command acl|dryrun
            summary "Returns whether the user can execute the given command without executing the command."
            since 7.0.0
            group server
            complexity O(1).
            arity -4
            flags admin noscript loading stale sentinel
            arg username string
            arg command string
            arg arg string optional multiple

        command acl|genpass
            summary "Generate a pseudorandom secure password to use for ACL users"
            since 6.0.0
            group server
            complexity O(1)
            arity -2
            flags noscript loading stale sentinel
            arg bits integer optional

        command acl|getuser
            summary "Get the rules for a specific ACL user"
            since 6.0.0
            group server
            complexity "O(N). Where N is the number of password, command and pattern rules that the user has."
            history 6.2.0 "Added Pub/Sub channel patterns."
            history 7.0.0 "Added selectors and changed the format of key and channel patterns from a list to their rule representation."
            arity 3
            flags admin noscript loading stale sentinel
            arg username string

        command acl|help
            summary "Show helpful text about the different subcommands"
            since 6.0.0
            group server
            complexity O(1)
            arity 2
            flags loading stale sentinel

        command acl|list
            summary "List the current ACL rules in ACL config file format"
            since 6.0.0
            group server
            complexity "O(N). Where N is the number of configured users."
            arity 2
            flags admin noscript loading stale sentinel

        command acl|load
            summary "Reload the ACLs from the configured ACL file"
            since 6.0.0
            group server
            complexity "O(N). Where N is the number of configured users."
            arity 2
            flags admin noscript loading stale sentinel

        command acl|log
            summary "List latest events denied because of ACLs in place"
            since 6.0.0
            group server
            complexity "O(N) with N being the number of entries shown."
            arity -2
            flags admin noscript loading stale sentinel
            arg operation oneof optional
                arg count integer
                arg reset pure-token token RESET

        command acl|save
            summary "Save the current ACL rules in the configured ACL file"
            since 6.0.0
            group server
            complexity "O(N). Where N is the number of configured users."
            arity 2
            flags admin noscript loading stale sentinel

        command acl|setuser
            summary "Modify or create the rules for a specific ACL user"
            since 6.0.0
            group server
            complexity "O(N). Where N is the number of rules provided."
            history 6.2.0 "Added Pub/Sub channel patterns."
            history 7.0.0 "Added selectors and key based permissions."
            arity -3
            flags admin noscript loading stale sentinel
            arg username string
            arg rule string optional multiple

        command acl|users
            summary "List the username of all the configured ACL rules"
            since 6.0.0
            group server
            complexity "O(N). Where N is the number of configured users."
            arity 2
            flags admin noscript loading stale sentinel

        command acl|whoami
            summary "Return the name of the user associated to the current connection"
            since 6.0.0
            group server
            complexity O(1)
            arity 2
            flags noscript loading stale sentinel
        """#
}
