import SwredisBytes
import SwredisCommands
import SwredisEngine
import SwredisKeyspace
import SwredisLog

#if canImport(Glibc)
import Glibc
#endif

/// The sentinel's command set: the commands Redis flags `sentinel`, with PUBLISH, INFO and ROLE answered the
/// sentinel's way, SENTINEL and its 22 subcommands, and ACL (the default user only).
enum SentinelCommands {
    static func specs(_ controller: SentinelController) throws -> [CommandSpec] {
        let own = ["publish", "info", "role"]
        let declarations = SentinelSharedCommands.declarations + SentinelDeclarations.all
        let bindings =
            SentinelSharedCommands.bindings(replacing: Set(own)) + overrides(controller) + sentinel(controller)
            + SentinelACL.bindings
        return try CommandTable.specs(declarations, bindings)
    }

    private static func overrides(_ controller: SentinelController) -> [CommandBinding] {
        [
            CommandBinding("publish") { _, client, args in
                guard args.string(1) == SentinelTiming.helloChannel else {
                    client.error("ERR Only HELLO messages are accepted by Sentinel instances.")
                    return
                }
                controller.perform(controller.core.helloReceived(args.string(2), now: SentinelController.now()))
                client.reply.integer(1)
            },
            CommandBinding("info") { engine, client, args in
                let known = ["server", "clients", "stats", "cpu", "sentinel"]
                var wanted = Set<String>()
                for index in 1..<max(1, args.count) {
                    switch args.lowercased(index) {
                    case "default", "all", "everything": wanted.formUnion(known)
                    case let name: wanted.insert(name)
                    }
                }
                if args.count == 1 { wanted = Set(known) }
                var text = InfoCommand.render(known.filter { wanted.contains($0) && $0 != "sentinel" }, engine: engine)
                if wanted.contains("sentinel") {
                    if !text.isEmpty { text += "\r\n" }
                    text += SentinelReplies.infoSection(
                        controller.core, runningScripts: controller.scripts.runningCount,
                        queuedScripts: controller.scripts.jobs.count, now: SentinelController.now())
                }
                client.reply.bulk(text)
            },
            CommandBinding("role") { _, client, _ in
                client.reply.arrayHeader(2)
                client.reply.bulk("sentinel")
                client.reply.arrayHeader(controller.core.masters.count)
                for master in controller.core.masters { client.reply.bulk(master.name) }
            },
        ]
    }

    // MARK: SENTINEL

    static let noSuchMaster = "ERR No such master with that name"
    static let saveFailed = "ERR Failed to save config file. Check server logs."

    private static func sentinel(_ controller: SentinelController) -> [CommandBinding] {
        func master(_ client: ClientSession, _ name: String) -> MonitoredMaster? {
            guard let master = controller.core.master(named: name) else {
                client.error(noSuchMaster)
                return nil
            }
            return master
        }
        func instances(_ client: ClientSession, _ list: [SentinelInstance], of master: MonitoredMaster) {
            let now = SentinelController.now()
            client.reply.arrayHeader(list.count)
            for instance in list {
                SentinelReplies.write(
                    SentinelReplies.fields(
                        of: instance, in: master, now: now, hostnames: controller.core.announceHostnames), to: client)
            }
        }
        func replicas(_: Engine, client: ClientSession, args: Arguments) {
            guard let master = master(client, args.string(2)) else { return }
            instances(client, master.replicas.filter(\.replicaAnnounced), of: master)
        }
        return [
            CommandBinding("sentinel") { _, _, _ in },
            CommandBinding("sentinel|help") { _, client, _ in
                client.reply.arrayHeader(SentinelHelp.lines.count)
                for line in SentinelHelp.lines { client.reply.simple(line) }
            },
            CommandBinding("sentinel|myid") { _, client, _ in client.reply.bulk(controller.core.myID) },
            CommandBinding("sentinel|masters") { _, client, _ in
                let now = SentinelController.now()
                client.reply.arrayHeader(controller.core.masters.count)
                for master in controller.core.masters {
                    SentinelReplies.write(
                        SentinelReplies.fields(
                            of: master.instance, in: master, now: now, hostnames: controller.core.announceHostnames),
                        to: client)
                }
            },
            CommandBinding("sentinel|master") { _, client, args in
                guard let master = master(client, args.string(2)) else { return }
                SentinelReplies.write(
                    SentinelReplies.fields(
                        of: master.instance, in: master, now: SentinelController.now(),
                        hostnames: controller.core.announceHostnames), to: client)
            },
            CommandBinding("sentinel|replicas", replicas),
            CommandBinding("sentinel|slaves", replicas),
            CommandBinding("sentinel|sentinels") { _, client, args in
                guard let master = master(client, args.string(2)) else { return }
                instances(client, master.sentinels, of: master)
            },
            CommandBinding("sentinel|get-master-addr-by-name") { _, client, args in
                guard let master = controller.core.master(named: args.string(2)) else {
                    client.reply.nullArray()
                    return
                }
                client.reply.arrayHeader(2)
                client.reply.bulk(master.currentAddress.announced(controller.core.announceHostnames))
                client.reply.bulk(String(master.currentAddress.port))
            },
            CommandBinding("sentinel|is-master-down-by-addr") { _, client, args in
                guard let port = args.integer(3), let epoch = args.integer(4) else {
                    client.error("ERR value is not an integer or out of range")
                    return
                }
                let answer = controller.core.isMasterDown(
                    address: SentinelAddress(host: args.string(2), port: port), epoch: UInt64(bitPattern: Int64(epoch)),
                    candidate: args.string(5).lowercased() == "*" ? "*" : args.string(5), now: SentinelController.now())
                // The vote is on disk (a persist action) before the reply is written.
                controller.perform(answer.actions)
                client.reply.arrayHeader(3)
                client.reply.integer(answer.down ? 1 : 0)
                client.reply.bulk(answer.leader ?? "*")
                client.reply.integer(Int(truncatingIfNeeded: answer.leaderEpoch))
            },
            CommandBinding("sentinel|reset") { _, client, args in
                let pattern = args.string(2)
                let (count, actions) = controller.core.reset(
                    matching: { GlobPattern.matches(pattern, $0) }, now: SentinelController.now())
                controller.perform(actions.filter { $0 != .persist })
                client.reply.integer(count)
            },
            CommandBinding("sentinel|failover") { _, client, args in
                do throws(SentinelCore.ForcedFailoverError) {
                    let actions = try controller.core.forceFailover(name: args.string(2), now: SentinelController.now())
                    controller.perform(actions)
                    client.reply.ok()
                } catch {
                    switch error {
                    case .noSuchMaster: client.error(noSuchMaster)
                    case .inProgress: client.error("INPROG Failover already in progress")
                    case .noGoodReplica: client.error("NOGOODSLAVE No suitable replica to promote")
                    }
                }
            },
            CommandBinding("sentinel|ckquorum") { _, client, args in
                guard let master = master(client, args.string(2)) else { return }
                let voters = master.sentinels.count + 1
                let usable =
                    1
                    + master.sentinels.filter { $0.flags.isDisjoint(with: [.subjectivelyDown, .objectivelyDown]) }.count
                let noQuorum = usable < master.settings.quorum
                let noAuthorization = usable < voters / 2 + 1
                guard noQuorum || noAuthorization else {
                    client.reply.simple(
                        "OK \(usable) usable Sentinels. Quorum and failover authorization can be reached")
                    return
                }
                var reasons: [String] = []
                if noQuorum {
                    reasons.append("Not enough available Sentinels to reach the specified quorum for this master")
                }
                if noAuthorization {
                    reasons.append("Not enough available Sentinels to reach the majority and authorize a failover")
                }
                client.error("NOQUORUM \(usable) usable Sentinels. " + reasons.joined(separator: ". "))
            },
            CommandBinding("sentinel|flushconfig") { _, client, _ in
                if controller.flush() { client.reply.ok() } else { client.error(saveFailed) }
            },
            CommandBinding("sentinel|monitor") { _, client, args in
                SentinelAdministration.monitor(controller, client, args)
            },
            CommandBinding("sentinel|remove") { _, client, args in
                guard master(client, args.string(2)) != nil else { return }
                let actions = controller.core.remove(name: args.string(2))
                controller.perform(actions.filter { $0 != .persist })
                if controller.flush() { client.reply.ok() } else { client.error(saveFailed) }
            },
            CommandBinding("sentinel|set") { _, client, args in SentinelAdministration.set(controller, client, args) },
            CommandBinding("sentinel|config") { _, client, args in
                SentinelAdministration.config(controller, client, args)
            },
            CommandBinding("sentinel|debug") { _, client, args in SentinelAdministration.debug(controller, client, args)
            },
            CommandBinding("sentinel|info-cache") { _, client, args in
                var seen = Set<String>()
                var masters: [MonitoredMaster] = []
                for index in 2..<args.count {
                    let name = args.string(index)
                    if let master = controller.core.master(named: name), seen.insert(name).inserted {
                        masters.append(master)
                    }
                }
                let now = SentinelController.now()
                client.reply.arrayHeader(masters.count * 2)
                for master in masters {
                    client.reply.bulk(master.name)
                    client.reply.arrayHeader(1 + master.replicas.count)
                    for instance in [master.instance] + master.replicas {
                        client.reply.arrayHeader(2)
                        client.reply.integer(master.instance.infoRefreshed == 0 ? 0 : Int(now - instance.infoRefreshed))
                        if let info = instance.infoText { client.reply.bulk(info) } else { client.reply.null() }
                    }
                }
            },
            CommandBinding("sentinel|simulate-failure") { _, client, args in
                controller.core.simulatedFailures = []
                for index in 2..<args.count {
                    switch args.lowercased(index) {
                    case "crash-after-election":
                        controller.core.simulatedFailures.insert(.crashAfterElection)
                        serverLog(
                            .warning,
                            "Failure simulation: this Sentinel will crash after being successfully elected as failover leader"
                        )
                    case "crash-after-promotion":
                        controller.core.simulatedFailures.insert(.crashAfterPromotion)
                        serverLog(
                            .warning,
                            "Failure simulation: this Sentinel will crash after promoting the selected replica to master"
                        )
                    case "help":
                        client.reply.arrayHeader(2)
                        client.reply.bulk("crash-after-election")
                        client.reply.bulk("crash-after-promotion")
                        return
                    default:
                        client.error("ERR Unknown failure simulation specified")
                        return
                    }
                }
                client.reply.ok()
            },
            CommandBinding("sentinel|pending-scripts") { _, client, _ in
                let now = SentinelController.now()
                let jobs = controller.scripts.jobs
                client.reply.arrayHeader(jobs.count)
                for job in jobs {
                    client.reply.mapHeader(5)
                    client.reply.bulk("argv")
                    client.reply.arrayHeader(job.arguments.count)
                    for argument in job.arguments { client.reply.bulk(argument) }
                    client.reply.bulk("flags")
                    client.reply.bulk(job.running ? "running" : "scheduled")
                    client.reply.bulk("pid")
                    client.reply.bulk(String(job.pid))
                    if job.running {
                        client.reply.bulk("run-time")
                        client.reply.bulk(String(now - job.startTime))
                    } else {
                        client.reply.bulk("run-delay")
                        client.reply.bulk(String(max(0, job.retryTime - now)))
                    }
                    client.reply.bulk("retry-num")
                    client.reply.bulk(String(job.retries))
                }
            },
        ]
    }
}
