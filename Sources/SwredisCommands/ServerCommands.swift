import SwredisBytes
import SwredisConfig
import SwredisEngine
import SwredisKeyspace
import SwredisLog

#if canImport(Glibc)
import Glibc
#endif

/// Server commands: INFO, CONFIG, TIME, LASTSAVE, SLOWLOG, LATENCY, MONITOR, DEBUG, SHUTDOWN.
enum ServerCommands {
    static let bindings: [CommandBinding] = [
        CommandBinding("info", InfoCommand.handler),
        CommandBinding("time") { engine, client, _ in
            let micros = engine.clock.unixMicroseconds()
            client.reply.arrayHeader(2)
            client.reply.bulk(String(micros / 1_000_000))
            client.reply.bulk(String(micros % 1_000_000))
        },
        CommandBinding("lastsave") { engine, client, _ in
            client.reply.integer(engine.lastSaveTime)
        },
        CommandBinding("monitor") { engine, client, _ in
            guard !client.isMonitor else { return }
            guard !client.inTransaction else {
                client.error("ERR MONITOR isn't allowed for DENY BLOCKING client")
                return
            }
            client.isMonitor = true
            engine.monitors.append(client)
            client.reply.ok()
        },
        CommandBinding("shutdown", shutdown),
    ]

    static func shutdown(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var save: Bool?
        var now = false
        var force = false
        for index in 1..<max(1, args.count) {
            if args.matches(index, "nosave") {
                save = false
            } else if args.matches(index, "save") {
                save = true
            } else if args.matches(index, "now") {
                now = true
            } else if args.matches(index, "force") {
                force = true
            } else if args.matches(index, "abort") {
                client.error("ERR No shutdown in progress.")
                return
            } else {
                client.error(RedisError.syntax)
                return
            }
        }
        if let busy = engine.busyScript, save != false {
            // Only SHUTDOWN NOSAVE stops a busy script: a save would write half of its effects.
            client.error(busy.refusal)
            return
        }
        if let refusal = engine.host?.requestShutdown(save: save, now: now, force: force) {
            client.error(refusal)
        }
        // On success the connection closes without a reply, as with Redis.
    }

    static let slowlogBindings: [CommandBinding] = [
        CommandBinding("slowlog") { _, _, _ in },
        CommandBinding("slowlog|get") { engine, client, args in
            var count = 10
            if args.count == 3 {
                guard let number = args.integer(2), number >= -1 else {
                    client.error("ERR count should be greater than or equal to -1")
                    return
                }
                count = number == -1 ? engine.slowlog.records.count : number
            } else if args.count > 3 {
                client.error(RedisError.subcommandSyntax(args.string(1), "slowlog"))
                return
            }
            let records = engine.slowlog.records.prefix(count)
            client.reply.arrayHeader(records.count)
            for record in records {
                client.reply.arrayHeader(6)
                client.reply.integer(record.id)
                client.reply.integer(record.timestamp)
                client.reply.integer(record.durationMicros)
                client.reply.arrayHeader(record.arguments.count)
                for argument in record.arguments { argument.withUnsafeBytes { client.reply.bulk($0) } }
                client.reply.bulk(record.clientAddress)
                client.reply.bulk(record.clientName)
            }
        },
        CommandBinding("slowlog|len") { engine, client, _ in
            client.reply.integer(engine.slowlog.records.count)
        },
        CommandBinding("slowlog|reset") { engine, client, _ in
            engine.slowlog.reset()
            client.reply.ok()
        },
        CommandBinding("slowlog|help") { _, client, _ in
            HelpText.reply(
                client, "SLOWLOG",
                [
                    "GET [<count>]",
                    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                    "    Entries are made of:",
                    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                    "    client name", "LEN", "    Return the length of the slowlog.", "RESET",
                    "    Reset the slowlog.",
                ])
        },
    ]

    /// LATENCY is accepted: latency monitoring is off (threshold 0), so there are no events to report.
    static let latencyBindings: [CommandBinding] = [
        CommandBinding("latency") { _, _, _ in },
        CommandBinding("latency|latest") { _, client, _ in client.reply.arrayHeader(0) },
        CommandBinding("latency|history") { _, client, _ in client.reply.arrayHeader(0) },
        CommandBinding("latency|reset") { _, client, _ in client.reply.integer(0) },
        CommandBinding("latency|doctor") { _, client, _ in
            client.reply.verbatim(
                "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep better tonight.\n"
            )
        },
        CommandBinding("latency|graph") { _, client, args in
            client.error("ERR No samples available for event '\(args.string(2))'")
        },
        CommandBinding("latency|histogram") { _, client, _ in client.reply.mapHeader(0) },
        CommandBinding("latency|help") { _, client, _ in
            HelpText.reply(
                client, "LATENCY",
                [
                    "DOCTOR", "    Return a human readable latency analysis report.",
                    "GRAPH <event>", "    Return an ASCII latency graph for the <event> class.",
                    "HISTORY <event>", "    Return time-latency samples for the <event> class.",
                    "LATEST", "    Return the latest latency samples for all events.",
                    "RESET [<event> ...]", "    Reset latency data of one or more <event> classes.",
                    "    (default: reset all data for all event classes)",
                    "HISTOGRAM [COMMAND ...]",
                    "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
                    "    If no commands are specified then all histograms are replied.",
                ])
        },
    ]
}
