import SwredisEngine

/// SENTINEL MASTER/REPLICAS/SENTINELS's instance maps (Redis's `sentinelAddInstanceReplyFields`): every value a
/// bulk string, fields in Redis's order, the conditional ones only when they apply.
enum SentinelReplies {
    static func fields(
        of instance: SentinelInstance, in master: MonitoredMaster, now: Int64, hostnames: Bool
    ) -> [(String, String)] {
        var fields: [(String, String)] = [
            ("name", instance.name), ("ip", instance.address.announced(hostnames)),
            ("port", String(instance.address.port)),
            ("runid", instance.runID ?? ""), ("flags", instance.flagsDescription),
            ("link-pending-commands", String(instance.pendingCommands)), ("link-refcount", "1"),
        ]
        let isMaster = instance.flags.contains(.master)
        if isMaster && instance.flags.contains(.failoverInProgress) {
            fields.append(("failover-state", master.failoverState.name))
        }
        fields += [
            ("last-ping-sent", String(instance.activePingTime != 0 ? now - instance.activePingTime : 0)),
            ("last-ok-ping-reply", String(now - instance.lastAvailableTime)),
            ("last-ping-reply", String(now - instance.lastPongTime)),
        ]
        if instance.flags.contains(.subjectivelyDown) {
            fields.append(("s-down-time", String(now - instance.subjectivelyDownSince)))
        }
        if instance.flags.contains(.objectivelyDown) {
            fields.append(("o-down-time", String(now - instance.objectivelyDownSince)))
        }
        fields.append(("down-after-milliseconds", String(master.settings.downAfter)))
        if instance.flags.contains(.sentinel) {
            fields += [
                ("last-hello-message", String(now - instance.lastHelloReceived)),
                ("voted-leader", instance.leader ?? "?"), ("voted-leader-epoch", String(instance.leaderEpoch)),
            ]
            return fields
        }
        fields += [
            ("info-refresh", String(instance.infoRefreshed != 0 ? now - instance.infoRefreshed : 0)),
            ("role-reported", instance.roleReported == .master ? "master" : "slave"),
            ("role-reported-time", String(now - instance.roleReportedTime)),
        ]
        if isMaster {
            fields += [
                ("config-epoch", String(instance.configEpoch)), ("num-slaves", String(master.replicas.count)),
                ("num-other-sentinels", String(master.sentinels.count)), ("quorum", String(master.settings.quorum)),
                ("failover-timeout", String(master.settings.failoverTimeout)),
                ("parallel-syncs", String(master.settings.parallelSyncs)),
            ]
            if let script = master.settings.notificationScript { fields.append(("notification-script", script)) }
            if let script = master.settings.clientReconfigScript {
                fields.append(("client-reconfig-script", script))
            }
            // swredis's own, last and only when known: how long ago this sentinel could last have described another
            // master as reachable (the fenced VIP's bound on a previous holder's renewals).
            if let until = master.formerMasterReachableUntil {
                fields.append(("swredis-former-master-reachable-time", String(max(0, now - until))))
            }
        } else {
            fields += [
                ("master-link-down-time", String(instance.masterLinkDownTime)),
                ("master-link-status", instance.replicaMasterLinkUp ? "ok" : "err"),
                ("master-host", instance.replicaMasterHost ?? "?"), ("master-port", String(instance.replicaMasterPort)),
                ("slave-priority", String(instance.replicaPriority)),
                ("slave-repl-offset", String(instance.replicaOffset)),
                ("replica-announced", instance.replicaAnnounced ? "1" : "0"),
            ]
        }
        return fields
    }

    static func write(_ fields: [(String, String)], to client: ClientSession) {
        client.reply.mapHeader(fields.count)
        for (name, value) in fields {
            client.reply.bulk(name)
            client.reply.bulk(value)
        }
    }

    /// The Sentinel section of INFO.
    static func infoSection(_ core: SentinelCore, runningScripts: Int, queuedScripts: Int, now: Int64) -> String {
        var lines = [
            "# Sentinel", "sentinel_masters:\(core.masters.count)", "sentinel_tilt:\(core.tilt ? 1 : 0)",
            "sentinel_tilt_since_seconds:\(core.tilt ? (now - core.tiltStart) / 1000 : -1)",
            "sentinel_running_scripts:\(runningScripts)", "sentinel_scripts_queue_length:\(queuedScripts)",
            "sentinel_simulate_failure_flags:\(core.simulatedFailures.rawValue)",
        ]
        for (index, master) in core.masters.enumerated() {
            let flags = master.instance.flags
            let status = flags.contains(.objectivelyDown) ? "odown" : flags.contains(.subjectivelyDown) ? "sdown" : "ok"
            let address = master.instance.address
            lines.append(
                "master\(index):name=\(master.name),status=\(status),"
                    + "address=\(address.announced(core.announceHostnames)):\(address.port),"
                    + "slaves=\(master.replicas.count),sentinels=\(master.sentinels.count + 1)")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
