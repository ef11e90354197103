import SwredisConfig
import SwredisEngine
import SwredisReplication

/// The declarations of the data server's commands, one text per Redis command group (Declarations/).
enum StandardDeclarations {
    /// Every group's declarations, parsed once per process.
    static let all: [CommandDeclaration] = {
        let texts = [
            generic, string, list, set, sortedSet, hash, pubsub, transactions, connection, server, bitmap, scripting,
            cluster, migration,
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
        + ReplicationCommands.bindings + ScriptingCommands.bindings + FunctionCommands.bindings
        + ClusterCommands.bindings + MigrateCommand.bindings

    /// Fresh specs (each engine counts its own command statistics).
    public static var all: [CommandSpec] {
        do {
            return try CommandTable.specs(StandardDeclarations.all, bindings)
        } catch {
            fatalError("the built-in command table is inconsistent: \(error)")
        }
    }
}

/// What a sentinel shares with the data server: the declarations Redis flags `sentinel` (PING, AUTH, the
/// subscribe family, CLIENT, COMMAND, HELLO, SHUTDOWN, and PUBLISH, INFO and ROLE, which a sentinel answers its own
/// way) with the data server's handlers, for the sentinel module to complete.
public enum SentinelSharedCommands {
    public static var declarations: [CommandDeclaration] {
        StandardDeclarations.all.filter { $0.flags.contains(.sentinel) }
    }

    /// The data server's handlers of those declarations, except `replacing` (bound by the sentinel itself).
    public static func bindings(replacing replaced: Set<String>) -> [CommandBinding] {
        let names = Set(declarations.map(\.name)).subtracting(replaced)
        return StandardCommands.bindings.filter { names.contains($0.name) }
    }
}

extension Engine {
    /// A data server's engine: the standard command set, with replication told when a BGSAVE ends.
    public convenience init(config: ConfigStore) {
        self.init(config: config, commands: StandardCommands.all)
        backgroundSaveFinishedHook = { [unowned self] success in
            self.backgroundSaveFinishedForReplicas(success: success)
        }
        functionLibraryCodes = { [unowned self] in self.functionLibraryList().map(\.code) }
        replaceFunctionLibraries = { [unowned self] codes in self.replaceFunctionLibraries(with: codes) }
    }
}
