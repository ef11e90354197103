extension ClusterBus {
    /// A header about myself (`clusterBuildMessageHdr`): a replica sends its master's slots and config epoch.
    func header(_ kind: ClusterMessage.Kind, state: ClusterState, clusterOK: Bool, body: ClusterMessage.Body)
        -> ClusterMessage
    {
        let myself = state.myself
        let master = myself.isReplica ? myself.masterID.flatMap { state.node($0) } ?? myself : myself
        var message = ClusterMessage(
            kind: kind, port: announcement.port, busPort: announcement.busPort, currentEpoch: state.currentEpoch,
            configEpoch: master.configEpoch, sender: myself.id, slots: state.ownedSlots[master.id] ?? SlotBitmap(),
            masterID: myself.isReplica ? myself.masterID : nil, flags: myself.flags, clusterOK: clusterOK, body: body)
        message.announcedIP = announcement.ip
        message.replicationOffset = announcement.replicationOffset
        if myself.isMaster && manualFailover.end != 0 { message.messageFlags |= ClusterMessage.pausedFlag }
        return message
    }

    mutating func send(_ message: ClusterMessage, on link: ClusterLinkID) {
        sentByKind[Int(message.kind.rawValue)] += 1
        actions.append(.send(link, message.encoded()))
    }

    /// `message` to every node with an outbound link, handshake nodes left out (`clusterBroadcastMessage`).
    mutating func broadcast(_ message: ClusterMessage, state: ClusterState) {
        for id in state.order {
            guard let node = state.node(id), !node.flags.contains(.myself), !node.flags.contains(.handshake),
                let link = peers[id]?.link
            else { continue }
            send(message, on: link)
        }
    }

    /// A PING, PONG or MEET with gossip about a tenth of the nodes (at least three) and every node in PFAIL
    /// (`clusterSendPing`). A PING on an outbound link starts the node's ping timer.
    mutating func sendPing(on link: ClusterLinkID, kind: ClusterMessage.Kind, state: inout ClusterState, now: Int) {
        pingsSent &+= 1
        let candidates = state.order.filter { $0 != state.myselfID }
        var fresh = state.nodes.count - 2
        let wanted = min(max(state.nodes.count / 10, 3), fresh)
        var entries: [ClusterMessage.Gossip] = []
        var iterations = wanted * 3
        while fresh > 0 && entries.count < wanted && iterations > 0 && !candidates.isEmpty {
            iterations -= 1
            let id = candidates[randomIndex(candidates.count)]
            guard let node = state.node(id), !node.flags.contains(.possiblyFailing) else { continue }
            if node.flags.contains(.handshake) || node.flags.contains(.noAddress)
                || (peers[id]?.link == nil && state.slotCount(of: id) == 0)
            {
                fresh -= 1
                continue
            }
            if peers[id]?.lastInPingGossip == pingsSent { continue }
            peers[id]?.lastInPingGossip = pingsSent
            entries.append(gossip(about: node))
            fresh -= 1
        }
        for id in state.order {
            guard let node = state.node(id), node.flags.contains(.possiblyFailing),
                !node.flags.contains(.handshake), !node.flags.contains(.noAddress)
            else { continue }
            entries.append(gossip(about: node))
        }
        if let outbound = links[link], !outbound.inbound, kind == .ping, let id = outbound.nodeID,
            var node = state.node(id)
        {
            node.pingSent = now
            state.upsert(node)
        }
        let hostname = announcement.hostname.isEmpty ? nil : announcement.hostname
        send(header(kind, state: state, clusterOK: stateOK, body: .gossip(entries, hostname: hostname)), on: link)
    }

    func gossip(about node: ClusterNode) -> ClusterMessage.Gossip {
        ClusterMessage.Gossip(
            nodeID: node.id, pingSent: UInt32(truncatingIfNeeded: node.pingSent / 1000),
            pongReceived: UInt32(truncatingIfNeeded: node.pongReceived / 1000), ip: node.ip, port: node.port,
            busPort: node.busPort, flags: node.flags)
    }

    /// A PONG to every linked node (`clusterBroadcastPong`), so a configuration change spreads at once; or only to
    /// the other replicas of myself's master.
    mutating func broadcastPong(state: inout ClusterState, now: Int, localReplicasOnly: Bool = false) {
        let myMaster = state.myself.isReplica ? state.myself.masterID : state.myselfID
        for id in state.order {
            guard id != state.myselfID, let node = state.node(id), !node.flags.contains(.handshake),
                let link = peers[id]?.link
            else { continue }
            if localReplicasOnly && !(node.isReplica && node.masterID != nil && node.masterID == myMaster) { continue }
            sendPing(on: link, kind: .pong, state: &state, now: now)
        }
    }

    /// FAIL about `id` to every linked node (`clusterSendFail`).
    mutating func broadcastFail(_ id: String, state: ClusterState) {
        broadcast(header(.fail, state: state, clusterOK: stateOK, body: .fail(nodeID: id)), state: state)
    }

    /// UPDATE telling the node on `link` about `owner`'s slots and config epoch (`clusterSendUpdate`).
    /// Slots the owner stopped claiming are left out, so a stale node is never told to rebind them to it.
    mutating func sendUpdate(on link: ClusterLinkID, about owner: ClusterNode, state: ClusterState) {
        var slots = state.ownedSlots[owner.id] ?? SlotBitmap()
        slots.subtract(notClaimed)
        let body = ClusterMessage.Body.update(configEpoch: owner.configEpoch, nodeID: owner.id, slots: slots)
        send(header(.update, state: state, clusterOK: stateOK, body: body), on: link)
    }

    /// PUBLISH to every linked node, PUBLISHSHARD to the linked nodes of myself's shard (`clusterPropagatePublish`).
    public mutating func publish(channel: [UInt8], message: [UInt8], sharded: Bool, state: ClusterState) {
        let body = ClusterMessage.Body.publish(channel: channel, message: message)
        let frame = header(sharded ? .publishShard : .publish, state: state, clusterOK: stateOK, body: body)
        guard sharded else { return broadcast(frame, state: state) }
        let master = state.shardMasterID
        for id in [master] + state.replicas(of: master).map(\.id) where id != state.myselfID {
            guard let node = state.node(id), !node.flags.contains(.handshake), let link = peers[id]?.link else {
                continue
            }
            send(frame, on: link)
        }
    }
}
