/// What an INFO reply teaches (Redis's `sentinelRefreshInstanceInfo`): the run id (a reboot when it changes), a
/// master's replicas, a replica's master and link, priority and offset, the reported role; then the reactions —
/// a promotion seen, a replica turned master or following the wrong master reconfigured, a failover's replicas
/// progressing.
extension SentinelCore {
    struct ParsedInfo {
        var runID: String?
        var replicas: [SentinelAddress] = []
        var masterLinkDownTime: Int64 = 0
        var role: ReportedRole?
        var masterHost: String?
        var masterPort: Int?
        var masterLinkUp: Bool?
        var priority: Int?
        var offset: Int64?
        var announced: Bool?

        init(_ text: String, isMaster: Bool) {
            // "\r\n" is one Character: `isNewline` splits on it and on a bare "\n".
            for raw in text.split(whereSeparator: \.isNewline) {
                let line = String(raw)
                if line.hasPrefix("run_id:"), line.utf8.count >= 47 {
                    runID = String(line.dropFirst(7).prefix(40))
                }
                if isMaster, line.hasPrefix("slave"), line.dropFirst(5).first?.isNumber == true,
                    let address = Self.replicaAddress(line)
                {
                    replicas.append(address)
                }
                if line.hasPrefix("master_link_down_since_seconds:") {
                    masterLinkDownTime =
                        (Int64(line.dropFirst(31)) ?? 0).multipliedReportingOverflow(by: 1000).partialValue
                }
                if line.hasPrefix("role:master") { role = .master }
                if line.hasPrefix("role:slave") { role = .replica }
                guard role == .replica else { continue }
                if line.hasPrefix("master_host:") { masterHost = String(line.dropFirst(12)) }
                if line.hasPrefix("master_port:") { masterPort = Int(line.dropFirst(12)) ?? 0 }
                if line.hasPrefix("master_link_status:") {
                    masterLinkUp = line.dropFirst(19).lowercased() == "up"
                }
                if line.hasPrefix("slave_priority:") { priority = Int(line.dropFirst(15)) ?? 0 }
                if line.hasPrefix("slave_repl_offset:") { offset = Int64(line.dropFirst(18)) ?? 0 }
                if line.hasPrefix("replica_announced:") { announced = (Int(line.dropFirst(18)) ?? 0) != 0 }
            }
        }

        /// `slave0:ip=127.0.0.1,port=6380,state=online,...` (or the old `slave0:<ip>,<port>,<state>`).
        static func replicaAddress(_ line: String) -> SentinelAddress? {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let body = line[line.index(after: colon)...]
            if body.contains("ip=") {
                var host: String?
                var port: Int?
                for field in body.split(separator: ",") {
                    if field.hasPrefix("ip=") { host = String(field.dropFirst(3)) }
                    if field.hasPrefix("port=") { port = Int(field.dropFirst(5)) }
                }
                guard let host, let port, (1...65535).contains(port) else { return nil }
                return SentinelAddress(host: host, port: port)
            }
            let fields = body.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 3, let port = Int(fields[1]), (1...65535).contains(port) else { return nil }
            return SentinelAddress(host: String(fields[0]), port: port)
        }
    }

    mutating func refreshInfo(_ reference: InstanceReference, _ text: String, now: Int64) {
        guard let instance = instance(reference), let masterIndex = masterIndex(named: reference.masterName) else {
            return
        }
        let isMaster = instance.flags.contains(.master)
        let info = ParsedInfo(text, isMaster: isMaster)
        var rebooted = false
        update(reference) {
            $0.infoText = text
            $0.masterLinkDownTime = info.masterLinkDownTime
            if let runID = info.runID {
                if let old = $0.runID, old != runID { rebooted = true }
                $0.runID = runID
            }
        }
        if rebooted {
            emit(.notice, "+reboot", about: reference, "")
            if isMaster && masters[masterIndex].settings.masterRebootDownAfter != 0 {
                update(reference) {
                    $0.flags.insert(.masterReboot)
                    $0.masterRebootSince = now
                }
            }
        }
        for address in info.replicas
        where masters[masterIndex].replicaIndex(host: address.host, port: address.port) == nil {
            masters[masterIndex].replicas.append(
                SentinelInstance(name: address.description, address: address, flags: .replica, now: now))
            emit(.notice, "+slave", about: .replica(master: reference.masterName, name: address.description), "")
            actions.append(.persist)
        }
        if info.role == .replica {
            update(reference) {
                if let host = info.masterHost, $0.replicaMasterHost?.lowercased() != host.lowercased() {
                    $0.replicaMasterHost = host
                    $0.replicaConfigChangeTime = now
                }
                if let port = info.masterPort, $0.replicaMasterPort != port {
                    $0.replicaMasterPort = port
                    $0.replicaConfigChangeTime = now
                }
                if let up = info.masterLinkUp { $0.replicaMasterLinkUp = up }
                if let priority = info.priority { $0.replicaPriority = priority }
                if let offset = info.offset { $0.replicaOffset = offset }
                if let announced = info.announced { $0.replicaAnnounced = announced }
            }
        }
        update(reference) { $0.infoRefreshed = now }
        if let role = info.role, role != instance.roleReported {
            update(reference) {
                $0.roleReported = role
                $0.roleReportedTime = now
                if role == .replica { $0.replicaConfigChangeTime = now }
            }
            let coherent = (role == .master) == isMaster
            emit(
                .verbose, coherent ? "+role-change" : "-role-change", about: reference,
                " new reported role is \(role == .master ? "master" : "slave")")
        }
        if tilt { return }
        guard case .replica(let masterName, let name) = reference, let current = self.instance(reference) else {
            return
        }
        let master = masters[masterIndex]
        if info.role == .master {
            if current.flags.contains(.promoted), master.instance.flags.contains(.failoverInProgress),
                master.failoverState == .waitPromotion
            {
                promotionSeen(masterIndex: masterIndex, replica: reference, now: now)
            } else {
                let wait = periods.publishPeriod * 4
                if !current.flags.contains(.promoted), masterLooksSane(master, now: now),
                    noDown(current, for: wait, now: now), now - current.roleReportedTime > wait,
                    sendReplicaOf(reference, to: master.instance.address)
                {
                    emit(.notice, "+convert-to-slave", about: reference, "")
                }
            }
        }
        let masterAddress = masters[masterIndex].instance.address
        if info.role == .replica,
            current.replicaMasterPort != masterAddress.port
                || current.replicaMasterHost?.lowercased() != masterAddress.host.lowercased()
        {
            let wait = master.settings.failoverTimeout
            if masterLooksSane(master, now: now), noDown(current, for: wait, now: now),
                now - current.replicaConfigChangeTime > wait, sendReplicaOf(reference, to: masterAddress)
            {
                emit(.notice, "+fix-slave-config", about: reference, "")
            }
        }
        if info.role == .replica, !current.flags.isDisjoint(with: [.reconfigurationSent, .reconfigurationInProgress]),
            let promoted = masters[masterIndex].promotedIndex.map({ masters[masterIndex].replicas[$0] })
        {
            if current.flags.contains(.reconfigurationSent), let host = current.replicaMasterHost,
                promoted.address.matches(host: host, port: current.replicaMasterPort)
            {
                update(reference) {
                    $0.flags.remove(.reconfigurationSent)
                    $0.flags.insert(.reconfigurationInProgress)
                }
                emit(.notice, "+slave-reconf-inprog", about: .replica(master: masterName, name: name), "")
            }
            if let updated = self.instance(reference), updated.flags.contains(.reconfigurationInProgress),
                updated.replicaMasterLinkUp
            {
                update(reference) {
                    $0.flags.remove(.reconfigurationInProgress)
                    $0.flags.insert(.reconfigurationDone)
                }
                emit(.notice, "+slave-reconf-done", about: reference, "")
            }
        }
    }

    /// Redis's `sentinelMasterLooksSane`: a master that says it is one, is not down, and answered INFO lately.
    func masterLooksSane(_ master: MonitoredMaster, now: Int64) -> Bool {
        master.instance.roleReported == .master
            && master.instance.flags.isDisjoint(with: [.subjectivelyDown, .objectivelyDown])
            && now - master.instance.infoRefreshed < periods.infoPeriod * 2
    }

    /// Redis's `sentinelRedisInstanceNoDownFor`.
    func noDown(_ instance: SentinelInstance, for milliseconds: Int64, now: Int64) -> Bool {
        let latest = max(instance.subjectivelyDownSince, instance.objectivelyDownSince)
        return latest == 0 || now - latest > milliseconds
    }

    /// REPLICAOF in a transaction with CONFIG REWRITE and disconnection of the instance's clients (so they ask
    /// sentinels again where the master is); `nil` promotes. The replies are not read: the next INFO shows the
    /// effect. False when the instance's link is down.
    mutating func sendReplicaOf(_ reference: InstanceReference, to address: SentinelAddress?) -> Bool {
        guard let instance = instance(reference), instance.linkConnected,
            let master = master(named: reference.masterName)
        else { return false }
        let host = address?.announced(announceHostnames) ?? "NO"
        let port = address.map { String($0.port) } ?? "ONE"
        send(
            reference,
            [
                [master.command("MULTI")], [master.command("SLAVEOF"), host, port],
                [master.command("CONFIG"), "REWRITE"], [master.command("CLIENT"), "KILL", "TYPE", "normal"],
                [master.command("CLIENT"), "KILL", "TYPE", "pubsub"], [master.command("EXEC")],
            ], .discard)
        return true
    }
}
