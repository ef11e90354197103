/// CLIENT PAUSE WRITE: which commands it holds back.
extension Engine {
    /// Whether a `CLIENT PAUSE WRITE` holds this command back: writes and commands that may replicate (PUBLISH),
    /// and an EXEC whose queue holds one, as Redis's `processCommand` decides. Unknown commands are not held: they
    /// are answered with their error.
    public func isHeldByWritePause(_ client: ClientSession, _ args: Arguments) -> Bool {
        guard let command = resolvedCommand(args) else { return false }
        let replicating: CommandFlags = [.write, .mayReplicate]
        if !command.flags.isDisjoint(with: replicating) { return true }
        guard command.name == "exec", let transaction = client.transaction else { return false }
        return transaction.queued.contains { queued in
            queued.withArguments { resolvedCommand($0).map { !$0.flags.isDisjoint(with: replicating) } ?? false }
        }
    }

    /// The table entry `args` names, resolving a container's subcommand; nil when there is none.
    package func resolvedCommand(_ args: Arguments) -> CommandSpec? {
        guard args.count > 0, let command = commands.lookup(args[0]) else { return nil }
        guard command.isContainer else { return command }
        return args.count > 1 ? command.subcommands[args.lowercased(1)] : nil
    }
}
