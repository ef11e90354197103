extension ClusterBus {
    /// Every 100 ms (`clusterCron`): links to nodes without one, handshakes that took too long dropped, a PING to
    /// the node heard from longest ago once a second and to any node not heard from in half the node timeout,
    /// stale links reconnected, and nodes silent past the node timeout flagged PFAIL.
    public mutating func tick(state: inout ClusterState, now: Int) {
        iteration &+= 1
        let handshakeTimeout = max(nodeTimeout, 1000)
        for id in state.order {
            guard let node = state.node(id), !node.flags.contains(.myself), !node.flags.contains(.noAddress) else {
                continue
            }
            if node.flags.contains(.handshake) && now - peer(id, now: now).createdAt > handshakeTimeout {
                dropNode(id, state: &state)
                continue
            }
            if peers[id]?.link == nil { openLink(to: id, state: &state, now: now) }
        }
        if iteration % 10 == 0 { pingOldest(state: &state, now: now) }
        for id in state.order {
            guard var node = state.node(id),
                node.flags.intersection([.myself, .noAddress, .handshake]).isEmpty
            else { continue }
            let pingDelay = now - node.pingSent
            let dataDelay = now - (peers[id]?.dataReceived ?? 0)
            if let link = peers[id]?.link, let info = links[link], now - info.createdAt > nodeTimeout,
                node.pingSent != 0, pingDelay > nodeTimeout / 2, dataDelay > nodeTimeout / 2
            {
                closeLink(link, state: &state)
            }
            if let link = peers[id]?.link, node.pingSent == 0, now - node.pongReceived > nodeTimeout / 2 {
                sendPing(on: link, kind: .ping, state: &state, now: now)
                continue
            }
            if manualFailover.end != 0, state.myself.isMaster, manualFailover.replicaID == id,
                let link = peers[id]?.link
            {
                sendPing(on: link, kind: .ping, state: &state, now: now)
                continue
            }
            guard node.pingSent != 0 else { continue }
            if min(pingDelay, dataDelay) > nodeTimeout
                && node.flags.intersection([.possiblyFailing, .failing]).isEmpty
            {
                log(.debug, "*** NODE \(id) possibly failing")
                node = state.node(id) ?? node
                node.flags.insert(.possiblyFailing)
                state.upsert(node)
                needsStateUpdate = true
            }
        }
        checkManualFailoverTimeout(now: now)
        if state.myself.isReplica {
            handleManualFailover(state: &state, now: now)
            handleReplicaFailover(state: &state, now: now)
            considerReplicaMigration(state: &state, now: now)
        }
    }

    /// Of five random nodes, pings the one whose PONG is oldest (no ping pending, linked).
    private mutating func pingOldest(state: inout ClusterState, now: Int) {
        guard !state.order.isEmpty else { return }
        var oldest: (id: String, pong: Int)?
        for _ in 0..<5 {
            let id = state.order[randomIndex(state.order.count)]
            guard let node = state.node(id), peers[id]?.link != nil, node.pingSent == 0,
                node.flags.intersection([.myself, .handshake]).isEmpty
            else { continue }
            if oldest == nil || node.pongReceived < oldest?.pong ?? 0 { oldest = (id, node.pongReceived) }
        }
        if let oldest, let link = peers[oldest.id]?.link {
            sendPing(on: link, kind: .ping, state: &state, now: now)
        }
    }

    /// Closes a link this side decided to drop.
    mutating func closeLink(_ link: ClusterLinkID, state: inout ClusterState) {
        guard links[link] != nil else { return }
        actions.append(.close(link))
        _ = detach(link, state: &state)
    }

    // MARK: Gossip and failure reports

    /// The gossip section (`clusterProcessGossipSection`): failure reports from masters, fresher PONG times, new
    /// addresses of unreachable nodes, and nodes this one did not know (only from a known sender).
    mutating func processGossip(_ message: ClusterMessage, senderID: String?, state: inout ClusterState, now: Int) {
        guard case .gossip(let entries, _) = message.body else { return }
        let senderIsMaster = senderID.flatMap { state.node($0)?.isMaster } ?? false
        for entry in entries {
            let reportsFailure = !entry.flags.intersection([.failing, .possiblyFailing]).isEmpty
            guard var node = state.node(entry.nodeID) else {
                guard senderID != nil, !entry.flags.contains(.noAddress), !isForgotten(entry.nodeID, now: now),
                    (1...65535).contains(entry.port), (1...65535).contains(entry.busPort)
                else { continue }
                let flags = entry.flags.subtracting([.myself, .meet])
                state.upsert(
                    ClusterNode(
                        id: entry.nodeID, ip: entry.ip, port: entry.port, busPort: entry.busPort, flags: flags))
                peers[entry.nodeID] = Peer(createdAt: now)
                continue
            }
            if let senderID, senderIsMaster, !node.flags.contains(.myself) {
                if reportsFailure {
                    if peers[node.id, default: Peer(createdAt: now)].failReports.updateValue(now, forKey: senderID)
                        == nil
                    {
                        log(.verbose, "Node \(senderID) reported node \(node.id) as not reachable.")
                    }
                    markFailingIfNeeded(node.id, state: &state, now: now)
                    node = state.node(node.id) ?? node
                } else if peers[node.id]?.failReports.removeValue(forKey: senderID) != nil {
                    log(.verbose, "Node \(senderID) reported node \(node.id) is back online.")
                    cleanFailureReports(node.id, now: now)
                }
            }
            if !reportsFailure && node.pingSent == 0 && failureReportCount(node.id, now: now) == 0 {
                let pong = Int(entry.pongReceived) * 1000
                if pong <= now + 500 && pong > node.pongReceived {
                    node.pongReceived = pong
                    state.upsert(node)
                }
            }
            if !node.flags.intersection([.failing, .possiblyFailing]).isEmpty && !entry.flags.contains(.noAddress)
                && !reportsFailure
                && (node.ip.lowercased() != entry.ip.lowercased() || node.port != entry.port
                    || node.busPort != entry.busPort)
            {
                if let link = peers[node.id]?.link { closeLink(link, state: &state) }
                node = state.node(node.id) ?? node
                node.ip = entry.ip
                node.port = entry.port
                node.busPort = entry.busPort
                node.flags.remove(.noAddress)
                state.upsert(node)
            }
        }
    }

    /// PFAIL becomes FAIL when enough masters agree (`markNodeAsFailingIfNeeded`): reports from a majority of the
    /// masters serving slots, myself counted when a master. The FAIL is broadcast.
    mutating func markFailingIfNeeded(_ id: String, state: inout ClusterState, now: Int) {
        guard var node = state.node(id), node.flags.contains(.possiblyFailing), !node.hasFailed else { return }
        let failures = failureReportCount(id, now: now) + (state.myself.isMaster ? 1 : 0)
        guard failures >= state.size / 2 + 1 else { return }
        log(.notice, "Marking node \(id) as failing (quorum reached).")
        node.flags.remove(.possiblyFailing)
        node.flags.insert(.failing)
        state.upsert(node)
        peers[id]?.failTime = now
        broadcastFail(id, state: state)
        needsSave = true
        needsStateUpdate = true
    }

    /// A FAIL node answered again (`clearNodeFailureIfNeeded`): a replica or a master without slots is cleared at
    /// once, a master with slots only when nobody took them over within twice the node timeout.
    mutating func clearFailureIfNeeded(_ id: String, state: inout ClusterState, now: Int) {
        guard var node = state.node(id), node.hasFailed else { return }
        let slots = state.slotCount(of: id)
        if node.isReplica || slots == 0 {
            log(
                .notice,
                "Clear FAIL state for node \(id): \(node.isReplica ? "replica" : "master without slots") is reachable again."
            )
        } else if now - (peers[id]?.failTime ?? 0) > nodeTimeout * 2 {
            log(
                .notice,
                "Clear FAIL state for node \(id): is reachable again and nobody is serving its slots after some time.")
        } else {
            return
        }
        node.flags.remove(.failing)
        state.upsert(node)
        needsSave = true
        needsStateUpdate = true
    }
}
