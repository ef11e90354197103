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
    static let specs: [CommandSpec] = [
        CommandSpec(
            "info", arity: -1, flags: [.loading, .stale], categories: ["slow", "dangerous"], group: "server",
            summary: "Get information and statistics about the server", complexity: "O(1)", handler: InfoCommand.handler
        ),
        CommandSpec(
            "time", arity: 1, flags: [.loading, .stale, .fast], categories: ["fast"], group: "server",
            summary: "Return the current server time", since: "2.6.0",
            handler: { engine, client, _ in
                let micros = engine.clock.unixMicroseconds()
                client.reply.arrayHeader(2)
                client.reply.bulk(String(micros / 1_000_000))
                client.reply.bulk(String(micros % 1_000_000))
            }),
        CommandSpec(
            "lastsave", arity: 1, flags: [.loading, .stale, .fast], categories: ["admin", "fast", "dangerous"],
            group: "server", summary: "Get the UNIX time stamp of the last successful save to disk",
            handler: { engine, client, _ in
                client.reply.integer(engine.lastSaveTime)
            }),
        CommandSpec(
            "monitor", arity: 1, flags: [.admin, .noscript, .loading, .stale],
            categories: ["admin", "slow", "dangerous"], group: "server",
            summary: "Listen for all requests received by the server in real time",
            handler: { engine, client, _ in
                guard !client.isMonitor else { return }
                guard !client.inTransaction else {
                    client.error("ERR MONITOR isn't allowed for DENY BLOCKING client")
                    return
                }
                client.isMonitor = true
                engine.monitors.append(client)
                client.reply.ok()
            }),
        CommandSpec(
            "shutdown", arity: -1, flags: [.admin, .noscript, .loading, .stale, .noMulti, .allowBusy],
            categories: ["admin", "slow", "dangerous"], group: "server",
            summary: "Synchronously save the dataset to disk and then shut down the server",
            complexity:
                "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
            handler: shutdown),
        ConfigCommand.spec,
        slowlogSpec,
        latencySpec,
        DebugCommand.spec,
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
        if let refusal = engine.host?.requestShutdown(save: save, now: now, force: force) {
            client.error(refusal)
        }
        // On success the connection closes without a reply, as with Redis.
    }

    static let slowlogSpec = CommandSpec(
        "slowlog", arity: -2, flags: [], categories: ["slow"], group: "server",
        summary: "A container for slow log commands", since: "2.2.12", complexity: "Depends on subcommand.",
        subcommands: [
            CommandSpec(
                "slowlog|get", arity: -2, flags: [.admin, .loading, .stale],
                categories: ["admin", "slow", "dangerous"], group: "server", summary: "Get the slow log's entries",
                handler: { engine, client, args in
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
                }),
            CommandSpec(
                "slowlog|len", arity: 2, flags: [.admin, .loading, .stale], categories: ["admin", "slow", "dangerous"],
                group: "server", summary: "Get the slow log's length",
                handler: { engine, client, _ in
                    client.reply.integer(engine.slowlog.records.count)
                }),
            CommandSpec(
                "slowlog|reset", arity: 2, flags: [.admin, .loading, .stale],
                categories: ["admin", "slow", "dangerous"], group: "server",
                summary: "Clear all entries from the slow log",
                handler: { engine, client, _ in
                    engine.slowlog.reset()
                    client.reply.ok()
                }),
            CommandSpec(
                "slowlog|help", arity: 2, flags: [.loading, .stale], categories: ["slow"], group: "server",
                summary: "Show helpful text about the different subcommands",
                handler: { _, client, _ in
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
                }),
        ], handler: { _, _, _ in })

    /// LATENCY is accepted: latency monitoring is off (threshold 0), so there are no events to report.
    static let latencySpec = CommandSpec(
        "latency", arity: -2, flags: [], categories: ["slow"], group: "server",
        summary: "A container for latency diagnostics commands", since: "2.8.13", complexity: "Depends on subcommand.",
        subcommands: [
            CommandSpec(
                "latency|latest", arity: 2, flags: [.admin, .noscript, .loading, .stale],
                categories: ["admin", "slow", "dangerous"], group: "server",
                summary: "Return the latest latency samples for all events.",
                handler: { _, client, _ in client.reply.arrayHeader(0) }),
            CommandSpec(
                "latency|history", arity: 3, flags: [.admin, .noscript, .loading, .stale],
                categories: ["admin", "slow", "dangerous"], group: "server",
                summary: "Return timestamp-latency samples for the event.",
                handler: { _, client, _ in client.reply.arrayHeader(0) }),
            CommandSpec(
                "latency|reset", arity: -2, flags: [.admin, .noscript, .loading, .stale],
                categories: ["admin", "slow", "dangerous"], group: "server",
                summary: "Reset latency data for one or more events.",
                handler: { _, client, _ in client.reply.integer(0) }),
            CommandSpec(
                "latency|doctor", arity: 2, flags: [.admin, .noscript, .loading, .stale],
                categories: ["admin", "slow", "dangerous"], group: "server",
                summary: "Return a human readable latency analysis report.",
                handler: { _, client, _ in
                    client.reply.verbatim(
                        "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep better tonight.\n"
                    )
                }),
            CommandSpec(
                "latency|graph", arity: 3, flags: [.admin, .noscript, .loading, .stale],
                categories: ["admin", "slow", "dangerous"], group: "server",
                summary: "Return a latency graph for the event.",
                handler: { _, client, args in
                    client.error("ERR No samples available for event '\(args.string(2))'")
                }),
            CommandSpec(
                "latency|histogram", arity: -2, flags: [.admin, .noscript, .loading, .stale],
                categories: ["admin", "slow", "dangerous"], group: "server",
                summary: "Return the cumulative distribution of latencies of a subset of commands or all.",
                handler: { _, client, _ in client.reply.mapHeader(0) }),
            CommandSpec(
                "latency|help", arity: 2, flags: [.loading, .stale], categories: ["slow"], group: "server",
                summary: "Show helpful text about the different subcommands.",
                handler: { _, client, _ in
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
                }),
        ], handler: { _, _, _ in })
}
