/// The periodic part (Redis's `sentinelTimer`): TILT, links, PING/INFO/hello, SDOWN, ODOWN, asking other
/// sentinels, failovers. The shell calls `tick` about every 100 ms.
extension SentinelCore {
    public mutating func tick(now: Int64) -> [SentinelAction] {
        checkTilt(now: now)
        var switching: [Int] = []
        for index in masters.indices {
            handle(.master(masters[index].name), now: now)
            for replica in masters[index].replicas {
                handle(.replica(master: masters[index].name, name: replica.name), now: now)
            }
            for sentinel in masters[index].sentinels {
                handle(.sentinel(master: masters[index].name, runID: sentinel.name), now: now)
            }
            if masters[index].failoverState == .updateConfiguration { switching.append(index) }
        }
        for index in switching { switchToPromotedReplica(at: index, now: now) }
        return take()
    }

    /// A time jump backwards or a stall longer than the trigger means our timers can't be trusted: act on nothing
    /// for the TILT period.
    mutating func checkTilt(now: Int64) {
        let delta = now - previousTime
        if delta < 0 || delta > periods.tiltTrigger {
            tilt = true
            tiltStart = now
            emit(.warning, "+tilt", message: "#tilt mode entered", master: nil)
        }
        previousTime = now
    }

    /// SENTINEL DEBUG/tests: enter TILT as a clock jump would.
    public mutating func enterTilt(now: Int64) -> [SentinelAction] {
        tilt = true
        tiltStart = now
        emit(.warning, "+tilt", message: "#tilt mode entered", master: nil)
        return take()
    }

    private mutating func handle(_ reference: InstanceReference, now: Int64) {
        reconnectIfNeeded(reference, now: now)
        sendPeriodicCommands(reference, now: now)
        if tilt {
            if now - tiltStart < periods.tiltPeriod { return }
            tilt = false
            emit(.warning, "-tilt", message: "#tilt mode exited", master: nil)
        }
        checkSubjectivelyDown(reference, now: now)
        guard case .master(let name) = reference, let index = masterIndex(named: name) else { return }
        checkObjectivelyDown(at: index, now: now)
        if startFailoverIfNeeded(at: index, now: now) { askOtherSentinels(at: index, forced: true, now: now) }
        runFailover(at: index, now: now)
        askOtherSentinels(at: index, forced: false, now: now)
    }

    func downAfter(_ reference: InstanceReference) -> Int64 {
        master(named: reference.masterName)?.settings.downAfter ?? periods.defaultDownAfter
    }

    // MARK: Links

    private mutating func reconnectIfNeeded(_ reference: InstanceReference, now: Int64) {
        guard let instance = instance(reference), !instance.linkConnected, instance.address.port != 0,
            now - instance.lastReconnectAttempt >= periods.pingPeriod
        else { return }
        update(reference) {
            $0.lastReconnectAttempt = now
            // Redis queues a PING on the new connection at once, so an instance that refuses connections is timed
            // from the first attempt, not from its last reply.
            if $0.activePingTime == 0 { $0.activePingTime = now }
        }
        actions.append(.connect(reference, instance.address))
    }

    private mutating func sendPeriodicCommands(_ reference: InstanceReference, now: Int64) {
        guard let instance = instance(reference), instance.linkConnected,
            instance.pendingCommands < SentinelTiming.maximumPendingCommands,
            let master = master(named: reference.masterName)
        else { return }
        let isSentinel = instance.flags.contains(.sentinel)
        var infoPeriod = periods.infoPeriod
        if instance.flags.contains(.replica),
            !master.instance.flags.isDisjoint(with: [.objectivelyDown, .failoverInProgress])
                || instance.masterLinkDownTime != 0
        {
            infoPeriod = SentinelTiming.fastInfoPeriod
        }
        let pingPeriod = min(master.settings.downAfter, periods.pingPeriod)
        if !isSentinel && (instance.infoRefreshed == 0 || now - instance.infoRefreshed > infoPeriod) {
            send(reference, [[master.command("INFO")]], .info)
        }
        if now - instance.lastPongTime > pingPeriod && now - instance.lastPingTime > pingPeriod / 2 {
            sendPing(reference, now: now)
        }
        if now - instance.lastHelloSent > periods.publishPeriod {
            sendHello(reference, now: now)
        }
    }

    mutating func send(_ reference: InstanceReference, _ commands: [[String]], _ request: SentinelRequest) {
        update(reference) { $0.pendingCommands += commands.count }
        actions.append(.send(reference, commands, request))
    }

    mutating func sendPing(_ reference: InstanceReference, now: Int64) {
        guard let master = master(named: reference.masterName) else { return }
        send(reference, [[master.command("PING")]], .ping)
        update(reference) {
            $0.lastPingTime = now
            if $0.activePingTime == 0 { $0.activePingTime = now }
        }
    }

    private mutating func sendHello(_ reference: InstanceReference, now: Int64) {
        guard let master = master(named: reference.masterName) else { return }
        var masterAddress = master.currentAddress
        masterAddress.host = masterAddress.announced(announceHostnames)
        let hello = SentinelHello(
            ip: announceIP, port: announcePort > 0 ? announcePort : listeningPort, runID: myID,
            currentEpoch: currentEpoch, masterName: master.name, masterAddress: masterAddress,
            masterConfigEpoch: master.instance.configEpoch)
        update(reference) {
            $0.pendingCommands += 1
            // Redis stamps the time when PUBLISH is answered; stamping it when sent keeps one hello in flight.
            $0.lastHelloSent = now
        }
        actions.append(.sendHello(reference, command: master.command("PUBLISH"), hello))
    }

    // MARK: SDOWN and ODOWN

    private mutating func checkSubjectivelyDown(_ reference: InstanceReference, now: Int64) {
        guard let instance = instance(reference) else { return }
        let downAfter = downAfter(reference)
        var elapsed: Int64 = 0
        if instance.activePingTime != 0 {
            elapsed = now - instance.activePingTime
        } else if !instance.linkConnected {
            elapsed = now - instance.lastAvailableTime
        }
        // A link that stopped answering for half the down time is reopened (a half-dead connection).
        if instance.linkConnected && now - instance.linkConnectedSince > periods.minimumLinkReconnectPeriod {
            let commandLinkIdle =
                instance.activePingTime != 0 && now - instance.activePingTime > downAfter / 2
                && now - instance.lastPongTime > downAfter / 2
            let pubSubIdle =
                !instance.flags.contains(.sentinel)
                && now - instance.lastPubSubActivity > periods.publishPeriod * 3
            if commandLinkIdle || pubSubIdle {
                markLinkLost(reference, now: now)
                actions.append(.disconnect(reference))
            }
        }
        let reportsWrongRole =
            instance.flags.contains(.master) && instance.roleReported == .replica
            && now - instance.roleReportedTime > downAfter + periods.infoPeriod * 2
        let rebooting =
            instance.flags.contains(.masterReboot)
            && now - instance.masterRebootSince
                > (master(named: reference.masterName)?.settings.masterRebootDownAfter ?? 0)
        if elapsed > downAfter || reportsWrongRole || rebooting {
            if !instance.flags.contains(.subjectivelyDown) {
                emit(.warning, "+sdown", about: reference, "")
                update(reference) {
                    $0.subjectivelyDownSince = now
                    $0.flags.insert(.subjectivelyDown)
                }
            }
        } else if instance.flags.contains(.subjectivelyDown) {
            emit(.warning, "-sdown", about: reference, "")
            update(reference) { $0.flags.subtract([.subjectivelyDown, .scriptKillSent]) }
        }
    }

    private mutating func checkObjectivelyDown(at index: Int, now: Int64) {
        let master = masters[index]
        var quorum = 0
        var down = false
        if master.instance.flags.contains(.subjectivelyDown) {
            quorum = 1 + master.sentinels.filter { $0.flags.contains(.masterDown) }.count
            down = quorum >= master.settings.quorum
        }
        if down {
            if !master.instance.flags.contains(.objectivelyDown) {
                emit(.warning, "+odown", about: .master(master.name), " #quorum \(quorum)/\(master.settings.quorum)")
                masters[index].instance.flags.insert(.objectivelyDown)
                masters[index].instance.objectivelyDownSince = now
            }
        } else if master.instance.flags.contains(.objectivelyDown) {
            emit(.warning, "-odown", about: .master(master.name), "")
            masters[index].instance.flags.remove(.objectivelyDown)
        }
    }

    /// IS-MASTER-DOWN-BY-ADDR to the other sentinels while the master is SDOWN (once a second, or at once when a
    /// failover starts: then with our run id, asking for a vote). Replies older than five periods are forgotten.
    mutating func askOtherSentinels(at index: Int, forced: Bool, now: Int64) {
        let master = masters[index]
        for sentinel in master.sentinels {
            let reference = InstanceReference.sentinel(master: master.name, runID: sentinel.name)
            if now - sentinel.lastMasterDownReply > periods.askPeriod * 5 {
                update(reference) {
                    $0.flags.remove(.masterDown)
                    $0.leader = nil
                }
            }
            guard master.instance.flags.contains(.subjectivelyDown), sentinel.linkConnected else { continue }
            if !forced && now - sentinel.lastMasterDownReply < periods.askPeriod { continue }
            let candidate = master.failoverState > .none ? myID : "*"
            send(
                reference,
                [
                    [
                        master.command("SENTINEL"), "is-master-down-by-addr",
                        master.instance.address.announced(announceHostnames),
                        String(master.instance.address.port), String(currentEpoch), candidate,
                    ]
                ], .isMasterDown)
        }
    }
}
