import SwredisConfig
import SwredisEngine
import SwredisReplication

/// The declarations of the data server's commands, one text per Redis command group (Declarations/).
enum StandardDeclarations {
    /// Every group's declarations, parsed once per process.
    static let all: [CommandDeclaration] = {
        let texts = [
            generic, string, list, set, sortedSet, hash, pubsub, transactions, connection, server, bitmap,
        ]
        do {
            return try texts.flatMap { text throws(CommandDeclarationParser.Failure) in
                try CommandDeclarationParser.parse(text)
            }
        } catch {
            fatalError("the built-in command declarations do not parse: \(error)")
        }
    }()
}

/// The data server's command set: the standard declarations, each bound by name to its handler.
public enum StandardCommands {
    /// Every handler group's bindings.
    static let bindings: [CommandBinding] =
        ConnectionCommands.bindings + ClientCommand.bindings + StringCommands.bindings + KeyCommands.bindings
        + ExpireCommands.bindings + ListCommands.bindings + BlockingCommands.bindings + HashCommands.bindings
        + SetCommands.bindings + SortedSetCommands.bindings + BitCommands.bindings + StringExtraCommands.bindings
        + PersistenceCommands.bindings + TransactionCommands.bindings + PubSubCommands.bindings
        + ServerCommands.bindings + ConfigCommand.bindings + ServerCommands.slowlogBindings
        + ServerCommands.latencyBindings + DebugCommand.bindings + IntrospectionCommands.bindings
        + ReplicationCommands.bindings

    /// Fresh specs (each engine counts its own command statistics).
    public static var all: [CommandSpec] {
        do {
            return try CommandTable.specs(StandardDeclarations.all, bindings)
        } catch {
            fatalError("the built-in command table is inconsistent: \(error)")
        }
    }
}

extension Engine {
    /// A data server's engine: the standard command set, with replication told when a BGSAVE ends.
    public convenience init(config: ConfigStore) {
        self.init(config: config, commands: StandardCommands.all)
        backgroundSaveFinishedHook = { [unowned self] success in
            self.backgroundSaveFinishedForReplicas(success: success)
        }
    }
}
