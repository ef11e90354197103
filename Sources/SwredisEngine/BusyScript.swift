import SwredisBytes

/// A script that ran past `busy-reply-threshold` and yielded to the event loop (Redis's "busy script"): until it
/// ends, other clients' commands get `-BUSY` unless flagged `allow_busy`, the cron leaves the keyspace alone, a
/// replica holds its master's stream, and its caller's further commands wait.
public enum BusyScript: Sendable {
    /// EVAL / EVALSHA: SCRIPT KILL stops it.
    case eval
    /// FCALL: FUNCTION KILL stops it.
    case function

    /// The `-BUSY` error text other clients get.
    public var refusal: String {
        switch self {
        case .eval:
            return "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
        case .function:
            return "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
        }
    }
}

extension Engine {
    /// A script yielded for the first time: the engine is busy, `caller` waits like a blocked client.
    package func scriptBecameBusy(_ kind: BusyScript, caller: ClientSession) {
        busyScript = kind
        caller.blocked = BlockedState(db: caller.database, keys: [], operation: .script, deadline: nil)
        host?.clientBlocked(caller, deadline: nil)
    }

    /// The busy script ended: its caller's reply goes out and its next commands run; what waited runs now.
    package func busyScriptEnded(caller: ClientSession) {
        busyScript = nil
        if let call = busyCall.take() {
            // The whole run, as Redis (which runs it inline) times it.
            account(call.command, caller, elapsed: clock.monotonicMicroseconds() - call.startedMicros) {
                slowlog.record(call.arguments, durationMicros: $0, client: caller)
            }
        }
        if case .script = caller.blocked?.operation {
            caller.blocked = nil
            clientsWithPendingWrites.append(caller)
            host?.clientUnblocked(caller)
        }
        let waiting = afterBusyScript
        afterBusyScript = []
        for work in waiting { work() }
    }
}

/// The command that started a busy script, for its statistics and slow-log entry once it ends.
package struct BusyCall {
    let command: CommandSpec
    let arguments: [ByteString]
    let startedMicros: Int
}
