import SwredisBytes
import SwredisKeyspace
import SwredisStorage

/// Propagation: every write that changed data is appended to the AOF (and, with replication, sent to
/// replicas) as the command that reproduces it, in execution order, as Redis's `propagate` does.
///
/// Most commands are logged as they were sent. Commands whose effect depends on time or chance are logged
/// in a deterministic form instead (`propagateInstead`): relative expiries become PEXPIREAT / SET ... PXAT,
/// INCRBYFLOAT becomes SET ... KEEPTTL, SPOP becomes SREM, a served blocking pop becomes its non-blocking
/// form. Keys removed by expiry or eviction are logged as DEL when they go. The commands of one EXEC are
/// wrapped in MULTI/EXEC.
extension Engine {
    /// True when propagated commands have somewhere to go.
    package var propagates: Bool { (appendOnlyLog != nil || feedsReplicas) && !propagationSuppressed }

    /// Logs `commands` instead of the command now running.
    package func propagateInstead(_ commands: [[ByteString]]) {
        guard propagates else { return }
        propagationOverride = commands
    }

    /// Logs the deletion of a key that expired or was evicted, at once (before the command that caused it).
    package func propagateDeletion(_ db: Int, _ key: ByteString) {
        propagate(db, [ByteString("DEL"), key])
    }

    /// Logs one command given as byte strings.
    package func propagate(_ db: Int, _ arguments: [ByteString]) {
        guard propagates else { return }
        openTransactionIfNeeded(db)
        if let log = appendOnlyLog {
            log.beginCommand(database: db, count: arguments.count)
            for argument in arguments { argument.withUnsafeBytes { log.appendArgument($0) } }
        }
        if feedsReplicas {
            streamCommand(db, count: arguments.count) { stream in
                for argument in arguments { argument.withUnsafeBytes { stream.bulk($0) } }
            }
        }
    }

    /// After a write command ran and changed data: logs it (or what it asked to log instead).
    package func propagateExecuted(_ db: Int, _ args: Arguments) {
        guard propagates else { return }
        if let replacement = propagationOverride {
            propagationOverride = nil
            for command in replacement { propagate(db, command) }
            return
        }
        openTransactionIfNeeded(db)
        if let log = appendOnlyLog {
            log.beginCommand(database: db, count: args.count)
            for index in 0..<args.count { log.appendArgument(args[index]) }
        }
        if feedsReplicas {
            streamCommand(db, count: args.count) { stream in
                for index in 0..<args.count { stream.bulk(args[index]) }
            }
        }
    }

    /// Sends a command to replicas only (PUBLISH reaches subscribers of replicas; it is not written to the AOF).
    package func propagateToReplicasOnly(_ db: Int, _ args: Arguments) {
        guard feedsReplicas && !propagationSuppressed else { return }
        streamCommand(db, count: args.count) { stream in
            for index in 0..<args.count { stream.bulk(args[index]) }
        }
    }

    private func openTransactionIfNeeded(_ db: Int) {
        guard transactionPropagation == .pending else { return }
        transactionPropagation = .open
        appendOnlyLog?.beginCommand(database: db, count: 1)
        appendOnlyLog?.appendArgument(Array("MULTI".utf8))
        if feedsReplicas { streamCommand(db, count: 1) { $0.bulk("MULTI") } }
    }

    /// EXEC starts: the first propagated command of the transaction is preceded by MULTI.
    package func beginTransactionPropagation() {
        transactionPropagation = .pending
    }

    /// EXEC ends: closes the MULTI block if one was opened.
    package func endTransactionPropagation(_ db: Int) {
        if transactionPropagation == .open {
            appendOnlyLog?.beginCommand(database: db, count: 1)
            appendOnlyLog?.appendArgument(Array("EXEC".utf8))
            if feedsReplicas { streamCommand(db, count: 1) { $0.bulk("EXEC") } }
        }
        transactionPropagation = .none
    }

    /// An absolute Unix-millisecond time as a byte string.
    package static func millisecondsArgument(_ value: Int) -> ByteString {
        ByteString(String(value))
    }
}

/// Where the MULTI/EXEC wrapping of an EXEC's propagated commands stands.
package enum TransactionPropagation {
    case none
    /// Inside EXEC, nothing propagated yet.
    case pending
    /// MULTI was written; EXEC must follow.
    case open
}
