import SwredisBytes

/// Key transfers: a MIGRATE of a large value (serialized and sent on a background thread) or a RESTORE of a large
/// payload (decoded on a background thread), so neither node stalls for the whole transfer as Redis's synchronous
/// commands do.
///
/// Redis's MIGRATE and RESTORE are atomic because the server does nothing else meanwhile. Here the rest of the
/// server goes on, and atomicity comes from holding back what could tell the difference: until the transfer ends,
/// a command that may write one of its keys (a write, or a script: EVAL, FCALL) — or may write without naming keys
/// (FLUSHALL, SWAPDB, a script declaring none, and PUBLISH with them) — waits unconsumed in its connection (`isHeldByKeyTransfer`), and the transfer's caller waits like a blocked
/// client. Reads go on and see the value as it was, which is what they would have seen before the command.
extension Engine {
    /// Registers a transfer of `keys` in `db` for `client`, which waits until `endKeyTransfer`.
    package func beginKeyTransfer(_ client: ClientSession, db: Int, keys: [ByteString]) {
        for key in keys { keysInTransfer[DatabaseKey(db: db, key: key), default: 0] += 1 }
        client.blocked = BlockedState(db: db, keys: [], operation: .keyTransfer, deadline: nil)
        host?.clientBlocked(client, deadline: nil)
    }

    /// The transfer ended: its keys are free again and its caller's reply goes out.
    package func endKeyTransfer(_ client: ClientSession, db: Int, keys: [ByteString]) {
        for key in keys {
            let entry = DatabaseKey(db: db, key: key)
            if let holders = keysInTransfer[entry], holders > 1 {
                keysInTransfer[entry] = holders - 1
            } else {
                keysInTransfer.removeValue(forKey: entry)
            }
        }
        guard case .keyTransfer = client.blocked?.operation else { return }
        client.blocked = nil
        clientsWithPendingWrites.append(client)
        host?.clientUnblocked(client)
    }

    /// Whether the command in `args` must wait for a running transfer: a write naming one of its keys or naming
    /// none, or an EXEC whose queue holds one. Commands queued inside MULTI are not held (they do not run yet).
    public func isHeldByKeyTransfer(_ client: ClientSession, _ args: Arguments) -> Bool {
        guard !keysInTransfer.isEmpty, let command = resolvedCommand(args) else { return false }
        if command.name == "exec" {
            guard let transaction = client.transaction else { return false }
            return transaction.queued.contains { queued in
                queued.withArguments { writesKeyInTransfer(client.database, $0) }
            }
        }
        guard client.transaction == nil else { return false }
        return writesKeyInTransfer(client.database, args)
    }

    private func writesKeyInTransfer(_ db: Int, _ args: Arguments) -> Bool {
        let changing: CommandFlags = [.write, .mayReplicate]
        guard let command = resolvedCommand(args),
            !command.flags.isDisjoint(with: changing) || Self.writingScriptCommands.contains(command.name)
        else { return false }
        let keys = command.keys(in: args)
        if keys.isEmpty { return true }
        return keys.contains { keysInTransfer[DatabaseKey(db: db, key: ByteString(args[$0.index]))] != nil }
    }

    /// Script commands that may write (Redis flags them neither write nor may_replicate: a script's own flags decide).
    private static let writingScriptCommands: Set<String> = ["eval", "evalsha", "fcall"]
}
