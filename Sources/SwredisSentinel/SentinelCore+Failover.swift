#if canImport(Glibc)
import Glibc
#endif

/// Agreement and failover (Redis's leader election and `sentinelFailoverStateMachine`): a master in ODOWN starts a
/// failover in a new epoch, asks the others for their vote, and the sentinel with a majority (and at least the
/// quorum) selects a replica, promotes it, points the other replicas at it and switches the master's address.
extension SentinelCore {
    // MARK: Votes

    /// Votes for `candidate` in `epoch` if this sentinel has not voted in that epoch yet (one vote per epoch, on disk
    /// before it is answered: a `persist` action precedes the reply). Returns the leader this sentinel voted for in
    /// the master's latest voting epoch, and that epoch.
    mutating func vote(
        masterIndex index: Int, epoch: UInt64, candidate: String, now: Int64
    ) -> (leader: String?, epoch: UInt64) {
        if epoch > currentEpoch {
            currentEpoch = epoch
            actions.append(.persist)
            emit(.warning, "+new-epoch", message: String(currentEpoch), master: masters[index].name)
        }
        if masters[index].instance.leaderEpoch < epoch && currentEpoch <= epoch {
            masters[index].instance.leader = candidate
            masters[index].instance.leaderEpoch = currentEpoch
            actions.append(.persist)
            emit(.warning, "+vote-for-leader", message: "\(candidate) \(currentEpoch)", master: masters[index].name)
            // Voting for another delays our own attempt, so two candidates rarely compete again.
            if candidate.lowercased() != myID.lowercased() {
                masters[index].failoverStartTime = now + Int64(random(UInt64(SentinelTiming.maximumDesync)))
            }
        }
        return (masters[index].instance.leader, masters[index].instance.leaderEpoch)
    }

    /// The answer to SENTINEL IS-MASTER-DOWN-BY-ADDR: whether we see the master down, and (when `candidate` is a
    /// run id rather than `*`) our vote.
    public mutating func isMasterDown(
        address: SentinelAddress, epoch: UInt64, candidate: String, now: Int64
    ) -> (down: Bool, leader: String?, leaderEpoch: UInt64, actions: [SentinelAction]) {
        guard
            let index = masters.firstIndex(where: {
                $0.instance.address.matches(host: address.host, port: address.port)
            })
        else { return (false, nil, 0, take()) }
        let down = !tilt && masters[index].instance.flags.contains(.subjectivelyDown)
        var leader: String?
        var leaderEpoch: UInt64 = 0
        if candidate != "*" {
            (leader, leaderEpoch) = vote(masterIndex: index, epoch: epoch, candidate: candidate, now: now)
        }
        return (down, leader, leaderEpoch, take())
    }

    /// Redis's `sentinelGetLeader`: the run id with the most votes in `epoch`, counting our own vote (for that
    /// winner, or for ourselves when nobody has votes), if it has both a majority of all sentinels and the quorum.
    mutating func leader(masterIndex index: Int, epoch: UInt64, now: Int64) -> String? {
        var counts: [String: Int] = [:]
        for sentinel in masters[index].sentinels {
            if let leader = sentinel.leader, sentinel.leaderEpoch == currentEpoch { counts[leader, default: 0] += 1 }
        }
        let voters = masters[index].sentinels.count + 1
        var winner = Self.mostVoted(counts)
        let ownVote = vote(masterIndex: index, epoch: epoch, candidate: winner?.0 ?? myID, now: now)
        if let mine = ownVote.leader, ownVote.epoch == epoch {
            counts[mine, default: 0] += 1
            winner = Self.mostVoted(counts)
        }
        guard let (name, votes) = winner, votes >= voters / 2 + 1, votes >= masters[index].settings.quorum else {
            return nil
        }
        return name
    }

    /// The most voted run id; ties go to the lexicographically smaller one, so every sentinel picks the same.
    private static func mostVoted(_ counts: [String: Int]) -> (String, Int)? {
        counts.max { lhs, rhs in lhs.value != rhs.value ? lhs.value < rhs.value : lhs.key > rhs.key }
            .map { ($0.key, $0.value) }
    }

    // MARK: Starting

    /// A master in ODOWN with no failover under way, and none started (or voted for) within twice the failover
    /// timeout, gets one.
    mutating func startFailoverIfNeeded(at index: Int, now: Int64) -> Bool {
        let master = masters[index]
        guard master.instance.flags.contains(.objectivelyDown), !master.instance.flags.contains(.failoverInProgress)
        else { return false }
        if now - master.failoverStartTime < master.settings.failoverTimeout * 2 {
            if master.failoverDelayLogged != master.failoverStartTime {
                masters[index].failoverDelayLogged = master.failoverStartTime
                let seconds = (master.failoverStartTime + master.settings.failoverTimeout * 2) / 1000
                actions.append(
                    .log(.notice, "Next failover delay: I will not start a failover before \(Self.ctime(seconds))"))
            }
            return false
        }
        startFailover(at: index, now: now)
        return true
    }

    mutating func startFailover(at index: Int, now: Int64) {
        masters[index].failoverState = .waitStart
        masters[index].failoverStateChangeTime = now
        masters[index].instance.flags.insert(.failoverInProgress)
        currentEpoch += 1
        masters[index].failoverEpoch = currentEpoch
        emit(.warning, "+new-epoch", message: String(currentEpoch), master: masters[index].name)
        emit(.warning, "+try-failover", about: .master(masters[index].name), "")
        masters[index].failoverStartTime = now + Int64(random(UInt64(SentinelTiming.maximumDesync)))
    }

    public enum ForcedFailoverError: Error, Equatable {
        case noSuchMaster
        case inProgress
        case noGoodReplica
    }

    /// SENTINEL FAILOVER: a failover now, without agreement.
    public mutating func forceFailover(name: String, now: Int64) throws(ForcedFailoverError) -> [SentinelAction] {
        guard let index = masterIndex(named: name) else { throw .noSuchMaster }
        if masters[index].instance.flags.contains(.failoverInProgress) { throw .inProgress }
        if selectReplica(at: index, now: now) == nil { throw .noGoodReplica }
        actions.append(.log(.warning, "Executing user requested FAILOVER of '\(name)'"))
        startFailover(at: index, now: now)
        masters[index].instance.flags.insert(.forceFailover)
        return take()
    }

    // MARK: The state machine

    mutating func runFailover(at index: Int, now: Int64) {
        guard masters[index].instance.flags.contains(.failoverInProgress) else { return }
        switch masters[index].failoverState {
        case .waitStart: waitStart(at: index, now: now)
        case .selectReplica: selectAndPromote(at: index, now: now)
        case .sendReplicaOfNoOne: sendPromotion(at: index, now: now)
        case .waitPromotion: waitPromotion(at: index, now: now)
        case .reconfigureReplicas: reconfigureNextReplicas(at: index, now: now)
        case .none, .updateConfiguration: break
        }
    }

    private mutating func waitStart(at index: Int, now: Int64) {
        let elected = leader(masterIndex: index, epoch: masters[index].failoverEpoch, now: now)
        let isLeader = elected.map { $0.lowercased() == myID.lowercased() } ?? false
        let reference = InstanceReference.master(masters[index].name)
        if !isLeader && !masters[index].instance.flags.contains(.forceFailover) {
            let timeout = min(periods.electionTimeout, masters[index].settings.failoverTimeout)
            if now - masters[index].failoverStartTime > timeout {
                emit(.warning, "-failover-abort-not-elected", about: reference, "")
                abortFailover(at: index, now: now)
            }
            return
        }
        emit(.warning, "+elected-leader", about: reference, "")
        if simulatedFailures.contains(.crashAfterElection) { actions.append(.crash) }
        masters[index].failoverState = .selectReplica
        masters[index].failoverStateChangeTime = now
        emit(.warning, "+failover-state-select-slave", about: reference, "")
    }

    private mutating func selectAndPromote(at index: Int, now: Int64) {
        let name = masters[index].name
        guard let chosen = selectReplica(at: index, now: now) else {
            emit(.warning, "-failover-abort-no-good-slave", about: .master(name), "")
            abortFailover(at: index, now: now)
            return
        }
        let reference = InstanceReference.replica(master: name, name: masters[index].replicas[chosen].name)
        emit(.warning, "+selected-slave", about: reference, "")
        masters[index].replicas[chosen].flags.insert(.promoted)
        masters[index].promotedReplica = masters[index].replicas[chosen].name
        masters[index].failoverState = .sendReplicaOfNoOne
        masters[index].failoverStateChangeTime = now
        emit(.notice, "+failover-state-send-slaveof-noone", about: reference, "")
    }

    private mutating func sendPromotion(at index: Int, now: Int64) {
        guard let promoted = masters[index].promotedIndex else { return }
        let reference = InstanceReference.replica(
            master: masters[index].name, name: masters[index].replicas[promoted].name)
        if !masters[index].replicas[promoted].linkConnected {
            if now - masters[index].failoverStateChangeTime > masters[index].settings.failoverTimeout {
                emit(.warning, "-failover-abort-slave-timeout", about: .master(masters[index].name), "")
                abortFailover(at: index, now: now)
            }
            return
        }
        guard sendReplicaOf(reference, to: nil) else { return }
        emit(.notice, "+failover-state-wait-promotion", about: reference, "")
        masters[index].failoverState = .waitPromotion
        masters[index].failoverStateChangeTime = now
    }

    private mutating func waitPromotion(at index: Int, now: Int64) {
        if now - masters[index].failoverStateChangeTime > masters[index].settings.failoverTimeout {
            emit(.warning, "-failover-abort-slave-timeout", about: .master(masters[index].name), "")
            abortFailover(at: index, now: now)
        }
    }

    /// The promoted replica reports role:master: the master's config epoch becomes the failover's, the others are
    /// reconfigured.
    mutating func promotionSeen(masterIndex index: Int, replica reference: InstanceReference, now: Int64) {
        // From here on clients are told the promoted replica's address: the old master is a former one.
        masters[index].formerMasterReachableUntil = masters[index].instanceReachableUntil(now: now)
        masters[index].instance.configEpoch = masters[index].failoverEpoch
        masters[index].failoverState = .reconfigureReplicas
        masters[index].failoverStateChangeTime = now
        actions.append(.persist)
        emit(.warning, "+promoted-slave", about: reference, "")
        if simulatedFailures.contains(.crashAfterPromotion) { actions.append(.crash) }
        emit(.warning, "+failover-state-reconf-slaves", about: .master(masters[index].name), "")
        if let promoted = instance(reference) {
            reconfigurationScript(
                at: index, role: "leader", state: "start", from: masters[index].instance.address, to: promoted.address)
        }
        // Every instance hears the new configuration at once.
        for position in masters[index].replicas.indices { masters[index].replicas[position].lastHelloSent = 0 }
        for position in masters[index].sentinels.indices { masters[index].sentinels[position].lastHelloSent = 0 }
        masters[index].instance.lastHelloSent = 0
    }

    private mutating func reconfigureNextReplicas(at index: Int, now: Int64) {
        guard let promoted = masters[index].promotedIndex else { return }
        let promotedAddress = masters[index].replicas[promoted].address
        let name = masters[index].name
        var inProgress = masters[index].replicas.filter {
            !$0.flags.isDisjoint(with: [.reconfigurationSent, .reconfigurationInProgress])
        }.count
        for position in masters[index].replicas.indices where inProgress < masters[index].settings.parallelSyncs {
            let replica = masters[index].replicas[position]
            if replica.flags.contains(.promoted) || replica.flags.contains(.reconfigurationDone) { continue }
            let reference = InstanceReference.replica(master: name, name: replica.name)
            if replica.flags.contains(.reconfigurationSent),
                now - replica.reconfigurationSentTime > periods.replicaReconfigurationTimeout
            {
                emit(.notice, "-slave-reconf-sent-timeout", about: reference, "")
                masters[index].replicas[position].flags.remove(.reconfigurationSent)
                masters[index].replicas[position].flags.insert(.reconfigurationDone)
            }
            let current = masters[index].replicas[position]
            if !current.flags.isDisjoint(with: [.reconfigurationSent, .reconfigurationInProgress, .reconfigurationDone])
            {
                continue
            }
            if !current.linkConnected { continue }
            if sendReplicaOf(reference, to: promotedAddress) {
                masters[index].replicas[position].flags.insert(.reconfigurationSent)
                masters[index].replicas[position].reconfigurationSentTime = now
                emit(.notice, "+slave-reconf-sent", about: reference, "")
                inProgress += 1
            }
        }
        detectFailoverEnd(at: index, now: now)
    }

    private mutating func detectFailoverEnd(at index: Int, now: Int64) {
        guard let promoted = masters[index].promotedIndex,
            !masters[index].replicas[promoted].flags.contains(.subjectivelyDown)
        else { return }
        let name = masters[index].name
        var pending = masters[index].replicas.filter {
            !$0.flags.contains(.promoted) && !$0.flags.contains(.reconfigurationDone)
                && !$0.flags.contains(.subjectivelyDown)
        }.count
        var timedOut = false
        if now - masters[index].failoverStateChangeTime > masters[index].settings.failoverTimeout {
            pending = 0
            timedOut = true
            emit(.warning, "+failover-end-for-timeout", about: .master(name), "")
        }
        guard pending == 0 else { return }
        emit(.warning, "+failover-end", about: .master(name), "")
        masters[index].failoverState = .updateConfiguration
        masters[index].failoverStateChangeTime = now
        guard timedOut else { return }
        // Replicas that never answered get one last REPLICAOF, whatever they are doing.
        let promotedAddress = masters[index].replicas[promoted].address
        for replica in masters[index].replicas
        where replica.flags.isDisjoint(with: [.reconfigurationDone, .reconfigurationSent, .promoted])
            && replica.linkConnected
        {
            let reference = InstanceReference.replica(master: name, name: replica.name)
            if sendReplicaOf(reference, to: promotedAddress) {
                emit(.notice, "+slave-reconf-sent-be", about: reference, "")
            }
        }
    }

    mutating func abortFailover(at index: Int, now: Int64) {
        masters[index].instance.flags.subtract([.failoverInProgress, .forceFailover])
        masters[index].failoverState = .none
        masters[index].failoverStateChangeTime = now
        if let promoted = masters[index].promotedIndex { masters[index].replicas[promoted].flags.remove(.promoted) }
        masters[index].promotedReplica = nil
    }

    // MARK: Choosing the replica

    /// Redis's `sentinelSelectSlave`: among replicas that are up, answered lately, have a fresh INFO, a priority,
    /// and were not cut from the master much longer than the master has been down, the lowest priority, then the
    /// largest offset, then the smallest run id.
    func selectReplica(at index: Int, now: Int64) -> Int? {
        let master = masters[index]
        var maximumMasterDown = master.settings.downAfter * 10
        if master.instance.flags.contains(.subjectivelyDown) {
            maximumMasterDown += now - master.instance.subjectivelyDownSince
        }
        let infoValidity =
            master.instance.flags.contains(.subjectivelyDown)
            ? periods.pingPeriod * 5 : periods.infoPeriod * 3
        let candidates = master.replicas.indices.filter { position in
            let replica = master.replicas[position]
            return replica.flags.isDisjoint(with: [.subjectivelyDown, .objectivelyDown]) && replica.linkConnected
                && now - replica.lastAvailableTime <= periods.pingPeriod * 5 && replica.replicaPriority != 0
                && now - replica.infoRefreshed <= infoValidity && replica.masterLinkDownTime <= maximumMasterDown
        }
        return candidates.min { Self.promotionOrder(master.replicas[$0], master.replicas[$1]) }
    }

    /// Whether `lhs` is a better candidate than `rhs`.
    static func promotionOrder(_ lhs: SentinelInstance, _ rhs: SentinelInstance) -> Bool {
        if lhs.replicaPriority != rhs.replicaPriority { return lhs.replicaPriority < rhs.replicaPriority }
        if lhs.replicaOffset != rhs.replicaOffset { return lhs.replicaOffset > rhs.replicaOffset }
        switch (lhs.runID, rhs.runID) {
        case (nil, _): return false
        case (_, nil): return true
        case (let left?, let right?): return left.lowercased() < right.lowercased()
        }
    }

    // MARK: Switching

    /// The failover ended: the master is now the promoted replica; the old master and the other replicas are its
    /// replicas.
    mutating func switchToPromotedReplica(at index: Int, now: Int64) {
        let master = masters[index]
        let target = master.promotedIndex.map { master.replicas[$0].address } ?? master.instance.address
        emit(
            .warning, "+switch-master",
            message:
                "\(master.name) \(master.instance.address.announced(announceHostnames)) \(master.instance.address.port) "
                + "\(target.announced(announceHostnames)) \(target.port)",
            master: master.name)
        resetMasterAndChangeAddress(at: index, to: target, now: now)
    }

    /// Redis's `sentinelResetMasterAndChangeAddress`: the replicas become every known replica but the new master,
    /// plus the old master's address; the sentinels stay.
    mutating func resetMasterAndChangeAddress(at index: Int, to address: SentinelAddress, now: Int64) {
        let old = masters[index].instance.address
        if masters[index].currentAddress.matches(host: old.host, port: old.port) {
            // Not our own promotion (that set the bound when it was announced): the old master was described up to now.
            masters[index].formerMasterReachableUntil = masters[index].instanceReachableUntil(now: now)
        }
        var replicaAddresses = masters[index].replicas.map(\.address).filter {
            !$0.matches(host: address.host, port: address.port)
        }
        if !old.matches(host: address.host, port: address.port) { replicaAddresses.append(old) }
        resetMaster(at: index, keepSentinels: true, announce: false, now: now)
        masters[index].instance.address = address
        masters[index].instance.subjectivelyDownSince = 0
        masters[index].instance.objectivelyDownSince = 0
        let name = masters[index].name
        for replicaAddress in replicaAddresses {
            masters[index].replicas.append(
                SentinelInstance(name: replicaAddress.description, address: replicaAddress, flags: .replica, now: now))
            emit(.notice, "+slave", about: .replica(master: name, name: replicaAddress.description), "")
        }
        actions.append(.persist)
    }

    /// Redis's `sentinelResetMaster`.
    mutating func resetMaster(at index: Int, keepSentinels: Bool, announce: Bool, now: Int64) {
        let name = masters[index].name
        for replica in masters[index].replicas {
            actions.append(.disconnect(.replica(master: name, name: replica.name)))
        }
        masters[index].replicas = []
        if !keepSentinels {
            for sentinel in masters[index].sentinels {
                actions.append(.disconnect(.sentinel(master: name, runID: sentinel.name)))
            }
            masters[index].sentinels = []
        }
        actions.append(.disconnect(.master(name)))
        let address = masters[index].instance.address
        let configEpoch = masters[index].instance.configEpoch
        let leaderEpoch = masters[index].instance.leaderEpoch
        masters[index].instance = SentinelInstance(name: name, address: address, flags: .master, now: now)
        masters[index].instance.configEpoch = configEpoch
        masters[index].instance.leaderEpoch = leaderEpoch
        masters[index].failoverState = .none
        masters[index].failoverStateChangeTime = 0
        masters[index].failoverStartTime = 0
        masters[index].promotedReplica = nil
        if announce { emit(.warning, "+reset-master", about: .master(name), "") }
    }

    mutating func reconfigurationScript(
        at index: Int, role: String, state: String, from: SentinelAddress, to: SentinelAddress
    ) {
        guard let script = masters[index].settings.clientReconfigScript else { return }
        actions.append(
            .runScript(
                path: script,
                arguments: [masters[index].name, role, state, from.host, String(from.port), to.host, String(to.port)]))
    }

    /// `ctime()` without its newline, in local time, as Redis logs the next failover time.
    static func ctime(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var buffer = [CChar](repeating: 0, count: 32)
        guard ctime_r(&time, &buffer) != nil else { return String(seconds) }
        var text = String(cString: buffer)
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
