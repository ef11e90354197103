/// A replica's side of failover (Redis's `clusterHandleSlaveFailover` and the manual failover): the election after
/// its master is FAIL — delayed 500-1000 ms plus a second per replica with a better offset, votes asked for a new
/// epoch, won by a majority of the masters serving slots — and taking the master's slots when it wins.
extension ClusterBus {
    /// One election's state (`failover_auth_*`).
    struct Election {
        /// When the election may start (or started).
        var startTime = 0
        var votes = 0
        var requested = false
        var rank = 0
        var epoch: UInt64 = 0
    }

    /// Why a replica is not failing over (`CLUSTER_CANT_FAILOVER_*`), logged once per reason and five minutes.
    enum CantFailover: Equatable {
        case none, dataAge, waitingDelay, expired, waitingVotes

        var message: String {
            switch self {
            case .none: "Unknown reason code."
            case .dataAge:
                "Disconnected from master for longer than allowed. Please check the 'cluster-replica-validity-factor' configuration option."
            case .waitingDelay: "Waiting the delay before I can start a new failover."
            case .expired: "Failover attempt expired."
            case .waitingVotes: "Waiting for votes, but majority still not reached."
            }
        }
    }

    /// What a replica knows of its replication that the election weighs (set by the owner before each tick).
    public struct ReplicaFacts: Equatable, Sendable {
        /// Milliseconds since the master last sent anything (or since the link went down).
        public var dataAge = 0
        /// `cluster-replica-validity-factor` (0: any age may fail over).
        public var validityFactor = 10
        /// `repl-ping-replica-period`, seconds.
        public var pingPeriod = 10
        /// `cluster-replica-no-failover`.
        public var noFailover = false

        public init() {}
    }

    /// Runs the election when myself is a replica of a FAIL master (or a manual failover may start).
    mutating func handleReplicaFailover(state: inout ClusterState, now: Int) {
        let myself = state.myself
        let manual = manualFailover.end != 0 && manualFailover.canStart
        guard myself.isReplica, let masterID = myself.masterID, let master = state.node(masterID),
            master.hasFailed || manual, !replica.noFailover || manual, state.slotCount(of: masterID) > 0
        else {
            cantFailover = .none
            return
        }
        let authTimeout = max(nodeTimeout * 2, 2000)
        let sinceStart = now - election.startTime
        var dataAge = replica.dataAge
        if dataAge > nodeTimeout { dataAge -= nodeTimeout }
        if replica.validityFactor > 0 && !manual
            && dataAge > replica.pingPeriod * 1000 + nodeTimeout * replica.validityFactor
        {
            return logCantFailover(.dataAge, state: state, now: now)
        }
        if sinceStart > authTimeout * 2 {
            election = Election(startTime: now + 500 + randomIndex(500), rank: rank(state: state))
            election.startTime += election.rank * 1000
            if manualFailover.end != 0 {
                election.startTime = now
                election.rank = 0
            }
            log(
                .warning,
                "Start of election delayed for \(election.startTime - now) milliseconds (rank #\(election.rank), offset \(announcement.replicationOffset))."
            )
            broadcastPong(state: &state, now: now, localReplicasOnly: true)
            if manualFailover.end != 0 { handleReplicaFailover(state: &state, now: now) }
            return
        }
        if !election.requested && manualFailover.end == 0 {
            let newRank = rank(state: state)
            if newRank > election.rank {
                let added = (newRank - election.rank) * 1000
                election.startTime += added
                election.rank = newRank
                log(.warning, "Replica rank updated to #\(newRank), added \(added) milliseconds of delay.")
            }
        }
        guard now >= election.startTime else { return logCantFailover(.waitingDelay, state: state, now: now) }
        guard sinceStart <= authTimeout else { return logCantFailover(.expired, state: state, now: now) }
        guard election.requested else {
            state.currentEpoch &+= 1
            election.epoch = state.currentEpoch
            log(.warning, "Starting a failover election for epoch \(state.currentEpoch).")
            var request = header(.failoverAuthRequest, state: state, clusterOK: stateOK, body: .headerOnly)
            if manualFailover.end != 0 { request.messageFlags |= ClusterMessage.forceAckFlag }
            // The new epoch is on disk before anyone hears of it.
            actions.append(.saveConfig)
            broadcast(request, state: state)
            election.requested = true
            needsStateUpdate = true
            return
        }
        guard election.votes >= state.size / 2 + 1 else {
            return logCantFailover(.waitingVotes, state: state, now: now)
        }
        log(.warning, "Failover election won: I'm the new master.")
        if state.myself.configEpoch < election.epoch {
            state.myself.configEpoch = election.epoch
            log(.warning, "configEpoch set to \(election.epoch) after successful failover")
        }
        replaceMaster(state: &state, now: now)
    }

    /// A master's vote arrived (`FAILOVER_AUTH_ACK`): counted when it serves slots and speaks for this election.
    mutating func voteReceived(from id: String, currentEpoch: UInt64, state: inout ClusterState, now: Int) {
        guard let sender = state.node(id), sender.isMaster, state.slotCount(of: id) > 0,
            currentEpoch >= election.epoch
        else { return }
        election.votes += 1
        handleReplicaFailover(state: &state, now: now)
    }

    /// How many replicas of my master have a better offset and may fail over (`clusterGetSlaveRank`).
    private func rank(state: ClusterState) -> Int {
        guard let masterID = state.myself.masterID else { return 0 }
        return state.replicas(of: masterID).filter {
            $0.id != state.myselfID && !$0.flags.contains(.noFailover)
                && (peers[$0.id]?.replicationOffset ?? 0) > announcement.replicationOffset
        }.count
    }

    private mutating func logCantFailover(_ reason: CantFailover, state: ClusterState, now: Int) {
        if reason == cantFailover && now - lastCantFailoverLog < 300_000 { return }
        cantFailover = reason
        if let masterID = state.myself.masterID, state.node(masterID)?.hasFailed ?? false,
            now - (peers[masterID]?.failTime ?? 0) < nodeTimeout + 5000
        {
            return
        }
        lastCantFailoverLog = now
        log(.warning, "Currently unable to failover: \(reason.message)")
    }

    /// Myself takes its master's slots as a master (`clusterFailoverReplaceYourMaster`), saves, and tells every node
    /// at once with a PONG.
    mutating func replaceMaster(state: inout ClusterState, now: Int) {
        guard state.myself.isReplica, let oldMaster = state.myself.masterID else { return }
        setAsMaster(state.myselfID, state: &state)
        actions.append(.promote)
        for slot in 0..<state.slotOwners.count where state.slotOwners[slot] == oldMaster {
            state.assign(slot, to: state.myselfID)
        }
        needsStateUpdate = true
        actions.append(.saveConfig)
        broadcastPong(state: &state, now: now)
        resetManualFailover()
    }

    // MARK: Manual failover

    /// What a manual failover has reached (`mf_*`).
    struct ManualFailover {
        /// When it times out (0: none running).
        var end = 0
        var canStart = false
        /// On the master: the replica that asked.
        var replicaID: String?
        /// On the replica: the offset the paused master reported (-1: not yet).
        var masterOffset: Int64 = -1
    }

    static let manualFailoverMilliseconds = 5000

    /// CLUSTER FAILOVER [FORCE|TAKEOVER] on a replica; the error text, or nil when it started.
    public mutating func startManualFailover(force: Bool, takeover: Bool, state: inout ClusterState, now: Int)
        -> String?
    {
        let myself = state.myself
        guard myself.isReplica else { return "ERR You should send CLUSTER FAILOVER to a replica" }
        guard let masterID = myself.masterID, let master = state.node(masterID) else {
            return "ERR I'm a replica but my master is unknown to me"
        }
        if !force && !takeover && (master.hasFailed || peers[masterID]?.link == nil) {
            return "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE"
        }
        resetManualFailover()
        manualFailover.end = now + ClusterBus.manualFailoverMilliseconds
        if takeover {
            log(.warning, "Taking over the master (user request).")
            if state.bumpConfigEpochWithoutConsensus() {
                log(.warning, "New configEpoch set to \(state.myself.configEpoch)")
            }
            replaceMaster(state: &state, now: now)
        } else if force {
            log(.warning, "Forced failover user request accepted.")
            manualFailover.canStart = true
        } else {
            log(.warning, "Manual failover user request accepted.")
            if let link = peers[masterID]?.link {
                send(header(.manualFailoverStart, state: state, clusterOK: stateOK, body: .headerOnly), on: link)
            }
        }
        return nil
    }

    /// MFSTART from one of my replicas: writes pause for twice the manual failover time and the replica gets a PING
    /// carrying my offset.
    mutating func manualFailoverRequested(by id: String, on link: ClusterLinkID, state: inout ClusterState, now: Int) {
        guard state.node(id)?.masterID == state.myselfID else { return }
        resetManualFailover()
        manualFailover.end = now + ClusterBus.manualFailoverMilliseconds
        manualFailover.replicaID = id
        actions.append(.pauseWrites(until: now + ClusterBus.manualFailoverMilliseconds * 2))
        log(.warning, "Manual failover requested by replica \(id).")
        sendPing(on: link, kind: .ping, state: &state, now: now)
    }

    /// The replica's step of a manual failover (`clusterHandleManualFailover`): once it has applied the paused
    /// master's whole stream, the election may start.
    mutating func handleManualFailover(state: inout ClusterState, now: Int) {
        guard manualFailover.end != 0, !manualFailover.canStart, manualFailover.masterOffset != -1 else { return }
        guard manualFailover.masterOffset == Int64(clamping: announcement.replicationOffset) else { return }
        manualFailover.canStart = true
        log(.warning, "All master replication stream processed, manual failover can start.")
        handleReplicaFailover(state: &state, now: now)
    }

    mutating func checkManualFailoverTimeout(now: Int) {
        guard manualFailover.end != 0, manualFailover.end < now else { return }
        log(.warning, "Manual failover timed out.")
        resetManualFailover()
    }

    /// Ends any manual failover; a master that paused writes for one resumes them.
    mutating func resetManualFailover() {
        if manualFailover.replicaID != nil { actions.append(.resumeWrites) }
        manualFailover = ManualFailover()
    }
}
