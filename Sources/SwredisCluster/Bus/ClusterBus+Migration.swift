/// Replica migration (Redis's `clusterHandleSlaveMigration`): a master left without working replicas after having
/// had some (MIGRATE_TO) gets one from the master with the most, the replica with the smallest ID moving, once the
/// orphaned condition has lasted five seconds.
extension ClusterBus {
    static let replicaMigrationDelay = 5000

    /// The replicas of `id` not flagged FAIL (`clusterCountNonFailingSlaves`).
    func workingReplicas(of id: String, state: ClusterState) -> [ClusterNode] {
        state.replicas(of: id).filter { !$0.hasFailed }
    }

    /// From the cron, when myself is a replica: counts orphaned masters and the best-served master, and moves
    /// myself when it is the candidate.
    mutating func considerReplicaMigration(state: inout ClusterState, now: Int) {
        guard state.myself.isReplica, allowReplicaMigration, stateOK, let myMaster = state.myself.masterID else {
            return
        }
        var orphaned = false
        var maxReplicas = 0
        var mine = 0
        for node in state.nodes.values
        where node.isMaster && !node.hasFailed && node.flags.intersection([.myself, .noAddress, .handshake]).isEmpty {
            let working = workingReplicas(of: node.id, state: state).count
            if working == 0 && state.slotCount(of: node.id) > 0 && node.flags.contains(.migrateTo) { orphaned = true }
            maxReplicas = max(maxReplicas, working)
            if node.id == myMaster { mine = working }
        }
        guard orphaned, maxReplicas >= 2, mine == maxReplicas else { return }
        let healthy = state.replicas(of: myMaster).filter {
            $0.flags.intersection([.failing, .possiblyFailing]).isEmpty
        }
        guard healthy.count > migrationBarrier else { return }
        var target: String?
        var candidate = state.myselfID
        for id in state.order {
            guard let node = state.node(id) else { continue }
            let working = node.isMaster ? workingReplicas(of: id, state: state).count : 0
            let isOrphaned = node.isMaster && !node.hasFailed && node.flags.contains(.migrateTo) && working == 0
            if isOrphaned {
                if target == nil && state.slotCount(of: id) > 0 { target = id }
                if peers[id]?.orphanedSince == 0 { peers[id]?.orphanedSince = now }
            } else {
                peers[id]?.orphanedSince = 0
            }
            if node.isMaster && working == maxReplicas {
                for replica in state.replicas(of: id) where replica.id < candidate { candidate = replica.id }
            }
        }
        guard let target, candidate == state.myselfID,
            now - (peers[target]?.orphanedSince ?? now) > ClusterBus.replicaMigrationDelay
        else { return }
        log(.warning, "Migrating to orphaned master \(target)")
        becomeReplica(of: target, state: &state)
    }
}
