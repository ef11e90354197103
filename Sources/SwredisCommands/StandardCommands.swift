import SwredisConfig
import SwredisEngine
import SwredisReplication

/// The data server's command set: every handler group's declarations, bound to the engine's table by name.
public enum StandardCommands {
    public static var all: [CommandSpec] {
        ConnectionCommands.specs + StringCommands.specs + KeyCommands.specs + ExpireCommands.specs
            + ListCommands.specs + BlockingCommands.specs + HashCommands.specs + SetCommands.specs
            + SortedSetCommands.specs
            + BitCommands.specs + StringExtraCommands.specs + PersistenceCommands.specs
            + TransactionCommands.specs + PubSubCommands.specs + ServerCommands.specs + IntrospectionCommands.specs
            + ReplicationCommands.specs
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
