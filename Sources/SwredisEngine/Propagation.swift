import SwredisBytes
import SwredisKeyspace

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
    package var propagates: Bool {
        guard !propagationSuppressed else { return false }
        if standardSinks { return appendOnlyBuffer.isOpen || feedsReplicas }
        return propagationSinks.contains { $0.isAccepting }
    }

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
        if let effects = scriptEffects {
            effects.append(db, arguments, accepting: acceptingTargets)
            return
        }
        openTransactionIfNeeded(db)
        send(db, count: arguments.count, to: .all) { sink in
            for argument in arguments { argument.withUnsafeBytes { sink.appendArgument($0) } }
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
        if let effects = scriptEffects {
            effects.append(db, (0..<args.count).map { ByteString(args[$0]) }, accepting: acceptingTargets)
            return
        }
        openTransactionIfNeeded(db)
        send(db, count: args.count, to: .all) { sink in
            for index in 0..<args.count { sink.appendArgument(args[index]) }
        }
    }

    /// The targets that take commands now (Redis's `shouldPropagate`): a command for none of them is not counted.
    private var acceptingTargets: PropagationTargets {
        var targets: PropagationTargets = []
        for sink in propagationSinks where sink.isAccepting { targets.insert(sink.target) }
        return targets
    }

    /// Starts collecting what a script propagates (Redis's `also_propagate`) unless an EXEC already wraps it.
    package func beginScriptEffects() -> ScriptEffects? {
        guard transactionPropagation == .none, scriptEffects == nil else { return nil }
        let effects = ScriptEffects()
        scriptEffects = effects
        return effects
    }

    /// Ends a script: its effects go out alone, or wrapped in MULTI/EXEC when there are several.
    package func endScriptEffects(_ effects: ScriptEffects) {
        guard scriptEffects === effects else { return }
        scriptEffects = nil
        let commands = effects.commands
        guard !commands.isEmpty, !propagationSuppressed else { return }
        let wrapped = commands.count > 1
        if wrapped { sendKeyword(commands[0].database, "MULTI") }
        for command in commands {
            send(command.database, count: command.arguments.count, to: command.targets) { sink in
                for argument in command.arguments { argument.withUnsafeBytes { sink.appendArgument($0) } }
            }
        }
        if wrapped { sendKeyword(commands[commands.count - 1].database, "EXEC") }
    }

    /// Sends a command to replicas only (PUBLISH reaches subscribers of replicas; it is not written to the AOF).
    package func propagateToReplicasOnly(_ db: Int, _ args: Arguments) {
        guard !propagationSuppressed else { return }
        send(db, count: args.count, to: .replicas) { sink in
            for index in 0..<args.count { sink.appendArgument(args[index]) }
        }
    }

    /// Hands one command to every accepting sink of `targets`.
    private func send(
        _ db: Int, count: Int, to targets: PropagationTargets, _ writeArguments: (any PropagationSink) -> Void
    ) {
        for sink in propagationSinks where targets.contains(sink.target) && sink.isAccepting {
            sink.beginCommand(database: db, count: count)
            writeArguments(sink)
            sink.endCommand()
        }
    }

    private func sendKeyword(_ db: Int, _ keyword: StaticString) {
        send(db, count: 1, to: .all) { sink in
            sink.appendArgument(UnsafeRawBufferPointer(start: keyword.utf8Start, count: keyword.utf8CodeUnitCount))
        }
    }

    private func openTransactionIfNeeded(_ db: Int) {
        guard transactionPropagation == .pending else { return }
        transactionPropagation = .open
        sendKeyword(db, "MULTI")
    }

    /// EXEC starts: the first propagated command of the transaction is preceded by MULTI.
    package func beginTransactionPropagation() {
        transactionPropagation = .pending
    }

    /// EXEC ends: closes the MULTI block if one was opened.
    package func endTransactionPropagation(_ db: Int) {
        if transactionPropagation == .open { sendKeyword(db, "EXEC") }
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

/// What a running script propagated, held until it ends; `targets` follows `redis.set_repl`.
package final class ScriptEffects {
    package struct Command {
        package let database: Int
        package let targets: PropagationTargets
        package let arguments: [ByteString]
    }

    package private(set) var commands: [Command] = []
    package var targets = PropagationTargets.all

    package init() {}

    func append(_ database: Int, _ arguments: [ByteString], accepting: PropagationTargets) {
        let reached = targets.intersection(accepting)
        guard !reached.isEmpty else { return }
        commands.append(Command(database: database, targets: reached, arguments: arguments))
    }
}
