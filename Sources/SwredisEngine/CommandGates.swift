import SwredisBytes

/// The checks `execute` makes before a command runs, in the order of Redis's `processCommand`. The first gate
/// that refuses answers with its error text (and marks a MULTI being queued as aborted). The data server runs
/// `CommandGate.standard`; a cluster node adds its key-slot gate (MOVED, ASK, CROSSSLOT) after `authentication`,
/// and a sentinel runs a shorter chain.
public enum CommandGate {
    /// DEBUG and the other `protected` commands need `enable-debug-command`.
    case debugAllowed
    /// Before AUTH only `no_auth` commands run.
    case authentication
    /// A RESP2 client with subscriptions runs only (un)subscribe commands, PING, QUIT and RESET.
    case subscribedContext
    /// `no_multi` commands are refused inside MULTI.
    case transactionContext
    /// While a script runs past `busy-reply-threshold` only `allow_busy` commands run (SCRIPT KILL, SHUTDOWN...).
    case busyScript
    /// Over `maxmemory`, after eviction: commands that may grow the dataset get `-OOM`.
    case memory
    /// MISCONF (a failed save or AOF write), NOREPLICAS, READONLY, MASTERDOWN.
    case persistenceAndReplication
    /// While the dataset loads only `loading` commands run.
    case loading
    /// A gate of another module: the error text, or nil to let the command through.
    case custom(name: String, check: (Engine, ClientSession, CommandSpec, Arguments) -> String?)
    /// A cluster node's key-slot gate (MOVED, ASK, CROSSSLOT, TRYAGAIN, CLUSTERDOWN). An EXEC it refuses is
    /// discarded and answered with the redirection itself, not EXECABORT (Redis's `clusterRedirectClient`).
    case redirection(check: (Engine, ClientSession, CommandSpec, Arguments) -> String?)

    /// The gate's name (`custom` gates name themselves).
    public var name: String {
        switch self {
        case .debugAllowed: return "debug-allowed"
        case .authentication: return "authentication"
        case .subscribedContext: return "subscribed-context"
        case .transactionContext: return "transaction-context"
        case .busyScript: return "busy-script"
        case .memory: return "memory"
        case .persistenceAndReplication: return "persistence-and-replication"
        case .loading: return "loading"
        case .custom(let name, _): return name
        case .redirection: return "cluster-redirection"
        }
    }

    /// The data server's chain.
    public static let standard: [CommandGate] = [
        .debugAllowed, .authentication, .subscribedContext, .transactionContext, .busyScript, .memory,
        .persistenceAndReplication, .loading,
    ]
}

extension Engine {
    /// `CommandGate.standard`, unrolled (the chain `execute` runs unless another was installed).
    @inline(__always)
    func standardRefusal(_ client: ClientSession, _ command: CommandSpec, _ args: Arguments) -> String? {
        refusal(of: .debugAllowed, client, command, args) ?? refusal(of: .authentication, client, command, args)
            ?? refusal(of: .subscribedContext, client, command, args)
            ?? refusal(of: .transactionContext, client, command, args)
            ?? refusal(of: .busyScript, client, command, args) ?? refusal(of: .memory, client, command, args)
            ?? refusal(of: .persistenceAndReplication, client, command, args)
            ?? refusal(of: .loading, client, command, args)
    }

    /// The installed chain, gate by gate: the first refusal, and whether it is a redirection.
    func chainRefusal(_ client: ClientSession, _ command: CommandSpec, _ args: Arguments) -> (
        text: String, isRedirection: Bool
    )? {
        for gate in gates {
            if let refusal = refusal(of: gate, client, command, args) {
                if case .redirection = gate { return (refusal, true) }
                return (refusal, false)
            }
        }
        return nil
    }

    /// Why `gate` refuses `command` for `client`, or nil.
    @inline(__always)
    func refusal(of gate: CommandGate, _ client: ClientSession, _ command: CommandSpec, _ args: Arguments) -> String? {
        switch gate {
        case .debugAllowed:
            guard command.flags.contains(.protected) && !debugCommandAllowed(for: client) else { return nil }
            return
                "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
        case .authentication:
            return !client.authenticated && !command.flags.contains(.noAuth) ? RedisError.noAuth : nil
        case .subscribedContext:
            // The commands an EXEC runs were checked when they were queued (Redis calls them without
            // processCommand).
            guard client.isInSubscribedMode && executionDepth == 0 && !command.flags.contains(.allowedInSubscribe)
            else { return nil }
            return
                "ERR Can't execute '\(command.name)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
        case .transactionContext:
            return client.transaction != nil && command.flags.contains(.noMulti)
                ? "ERR Command not allowed inside a transaction" : nil
        case .busyScript:
            guard let busyScript, !command.flags.contains(.allowBusy) else { return nil }
            return busyScript.refusal
        case .memory:
            guard
                maxMemory > 0 && executionDepth == 0 && !client.isMaster && !freeMemoryIfNeeded()
                    && refusedWhenOutOfMemory(client, command)
            else { return nil }
            return Engine.oomError
        case .persistenceAndReplication:
            return replicationRefusal(client, command)
        case .loading:
            return persistence.loading && !command.flags.contains(.loading) && !client.isInternal
                ? Engine.loadingError : nil
        case .custom(_, let check), .redirection(let check):
            return check(self, client, command, args)
        }
    }
}
