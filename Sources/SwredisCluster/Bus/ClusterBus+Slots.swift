import SwredisBytes

extension ClusterBus {
    /// A master's slots under `configEpoch`, from its PING/PONG or an UPDATE (`clusterUpdateSlotsConfigWith`): each
    /// claimed slot unassigned or held under an older epoch is rebound to it (slots being imported are left to the
    /// operator). If myself (or my master) lost its last slot to it, myself follows it as a replica; slots lost while
    /// still holding keys are emptied.
    mutating func updateSlots(owner ownerID: String, configEpoch: UInt64, slots: SlotBitmap, state: inout ClusterState)
    {
        guard ownerID != state.myselfID else {
            log(.warning, "Discarding UPDATE message about myself.")
            return
        }
        let myself = state.myself
        let currentMaster = myself.isMaster ? myself.id : myself.masterID
        var dirtySlots: [Int] = []
        var claimed = 0
        var takenFromMine = 0
        var newMaster: String?
        for slot in 0..<HashSlot.count {
            let owner = state.slotOwners[slot]
            guard slots.contains(slot) else {
                if owner == ownerID { notClaimed.insert(slot) }
                continue
            }
            claimed += 1
            if owner == ownerID {
                notClaimed.remove(slot)
                continue
            }
            if state.importingFrom[slot] != nil { continue }
            let unclaimed = owner == nil || notClaimed.contains(slot)
            guard unclaimed || (owner.flatMap { state.node($0)?.configEpoch } ?? 0) < configEpoch else { continue }
            if owner == state.myselfID && keysInSlot(slot) > 0 { dirtySlots.append(slot) }
            if owner != nil && owner == currentMaster {
                newMaster = ownerID
                takenFromMine += 1
            }
            state.assign(slot, to: ownerID)
            notClaimed.remove(slot)
            needsSave = true
            needsStateUpdate = true
        }
        if newMaster != nil, let currentMaster, state.slotCount(of: currentMaster) == 0,
            allowReplicaMigration || claimed == takenFromMine
        {
            log(.warning, "Configuration change detected. Reconfiguring myself as a replica of \(ownerID)")
            becomeReplica(of: ownerID, state: &state)
        } else if let masterID = myself.masterID, let grandmaster = state.node(masterID)?.masterID,
            grandmaster != state.myselfID
        {
            log(.warning, "I'm a sub-replica! Reconfiguring myself as a replica of grandmaster \(grandmaster)")
            becomeReplica(of: grandmaster, state: &state)
        } else {
            for slot in dirtySlots { actions.append(.deleteKeys(slot: slot)) }
        }
    }

    /// Myself replicates `masterID` from now on (`clusterSetMaster`): its own slots go, and the owner points
    /// replication at the master.
    public mutating func becomeReplica(of masterID: String, state: inout ClusterState) {
        var myself = state.myself
        if myself.isMaster {
            for slot in 0..<HashSlot.count where state.slotOwners[slot] == myself.id { state.assign(slot, to: nil) }
            state.migratingTo = [:]
            state.importingFrom = [:]
            myself.flags.subtract([.master, .migrateTo])
            myself.flags.insert(.replica)
        }
        myself.masterID = masterID
        state.myself = myself
        if var master = state.node(masterID) {
            master.flags.insert(.migrateTo)
            state.upsert(master)
        }
        needsSave = true
        needsStateUpdate = true
        actions.append(.replicate(masterID: masterID))
        resetManualFailover()
    }

    /// A replica asks for this master's vote (`clusterSendFailoverAuthIfNeeded`): granted once per epoch, only when
    /// myself serves slots, the replica's master has FAIL (or the request forces it), no vote went to that master's
    /// replicas in twice the node timeout, and no slot it claims is held under a newer epoch. The vote is saved
    /// before it is sent.
    mutating func voteIfNeeded(for id: String, request: ClusterMessage, state: inout ClusterState, now: Int) {
        guard state.myself.isMaster, state.slotCount(of: state.myselfID) > 0, let node = state.node(id) else { return }
        guard request.currentEpoch >= state.currentEpoch else {
            return log(
                .warning,
                "Failover auth denied to \(id): reqEpoch (\(request.currentEpoch)) < curEpoch(\(state.currentEpoch))")
        }
        guard state.lastVoteEpoch != state.currentEpoch else {
            return log(.warning, "Failover auth denied to \(id): already voted for epoch \(state.currentEpoch)")
        }
        let forced = request.messageFlags & ClusterMessage.forceAckFlag != 0
        guard !node.isMaster else { return log(.warning, "Failover auth denied to \(id): it is a master node") }
        guard let masterID = node.masterID, let master = state.node(masterID) else {
            return log(.warning, "Failover auth denied to \(id): I don't know its master")
        }
        guard master.hasFailed || forced else {
            return log(.warning, "Failover auth denied to \(id): its master is up")
        }
        let sinceVote = now - (peers[masterID]?.votedTime ?? 0)
        guard sinceVote >= nodeTimeout * 2 else {
            return log(
                .warning,
                "Failover auth denied to \(id): can't vote about this master before \(nodeTimeout * 2 - sinceVote) milliseconds"
            )
        }
        for slot in 0..<HashSlot.count where request.slots.contains(slot) && !notClaimed.contains(slot) {
            guard let owner = state.slotOwners[slot].flatMap({ state.node($0) }),
                owner.configEpoch > request.configEpoch
            else { continue }
            return log(
                .warning,
                "Failover auth denied to \(id): slot \(slot) epoch (\(owner.configEpoch)) > reqEpoch (\(request.configEpoch))"
            )
        }
        state.lastVoteEpoch = state.currentEpoch
        peers[masterID, default: Peer(createdAt: now)].votedTime = now
        actions.append(.saveConfig)
        if let link = peers[id]?.link {
            send(header(.failoverAuthAck, state: state, clusterOK: stateOK, body: .headerOnly), on: link)
        }
        log(.warning, "Failover auth granted to \(id) for epoch \(state.currentEpoch)")
    }
}
