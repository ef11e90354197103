import SwredisBytes
import SwredisEngine
import SwredisKeyspace
import SwredisLog
import SwredisStorage

/// SAVE, BGSAVE and DUMP: the RDB format at the command level (RESTORE: `RestoreCommand`).
enum PersistenceCommands {
    static let bindings: [CommandBinding] = [
        CommandBinding("save", save),
        CommandBinding("bgsave", bgsave),
        CommandBinding("bgrewriteaof", bgrewriteaof),
        CommandBinding("dump", dump),
        CommandBinding("restore", RestoreCommand.restore),
    ]

    static func save(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard !engine.persistence.backgroundSaveInProgress else {
            client.error("ERR Background save already in progress")
            return
        }
        if engine.saveNow() { client.reply.ok() } else { client.error("ERR") }
    }

    static func bgsave(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        // BGSAVE SCHEDULE matters only while an AOF rewrite runs.
        guard args.count == 1 || (args.count == 2 && args.matches(1, "schedule")) else {
            client.error(RedisError.syntax)
            return
        }
        if engine.persistence.backgroundSaveInProgress {
            client.error("ERR Background save already in progress")
        } else if engine.appendOnly.rewriteInProgress && !client.inTransaction && args.count == 1 {
            // Redis runs one child at a time; BGSAVE SCHEDULE waits for the rewrite instead.
            client.error(
                "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
            )
        } else if client.inTransaction || engine.appendOnly.rewriteInProgress {
            // Redis defers a BGSAVE issued inside EXEC to the next cron tick.
            engine.persistence.backgroundSaveScheduled = true
            client.reply.simple("Background saving scheduled")
        } else if engine.startBackgroundSave() {
            client.reply.simple("Background saving started")
        } else {
            client.error("ERR")
        }
    }

    static func bgrewriteaof(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        if engine.appendOnly.rewriteInProgress {
            client.error("ERR Background append only file rewriting already in progress")
        } else if engine.persistence.backgroundSaveInProgress || client.inTransaction {
            engine.appendOnly.rewriteScheduled = true
            client.reply.simple("Background append only file rewriting scheduled")
        } else if engine.startAppendOnlyRewrite() {
            client.reply.simple("Background append only file rewriting started")
        } else {
            client.error(
                "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
        }
    }

    static func dump(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard let value = engine.readValue(client.database, args[1]) else {
            client.reply.null()
            return
        }
        let payload = RDBEncoder.dumpPayload(value, compression: engine.config[.rdbcompression])
        payload.withUnsafeBytes { client.reply.bulk($0) }
    }
}
