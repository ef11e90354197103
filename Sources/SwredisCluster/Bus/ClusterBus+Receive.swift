import SwredisBytes

extension ClusterBus {
    /// A whole frame arrived on `link` (`clusterProcessPacket`). `peerIP` is the connection's remote address,
    /// `localIP` this end's (myself learns its address from a MEET when nothing is announced).
    public mutating func received(
        _ bytes: [UInt8], on link: ClusterLinkID, peerIP: String, localIP: String, state: inout ClusterState,
        now: Int
    ) {
        guard let linkInfo = links[link] else { return }
        let message: ClusterMessage
        do {
            message = try ClusterMessage.decode(bytes)
        } catch {
            if let text = error.log { log(.warning, text) }
            return
        }
        receivedByKind[Int(message.kind.rawValue)] += 1
        let senderID = sender(of: message, on: link, linkInfo: linkInfo, state: &state)
        if let senderID { peers[senderID]?.dataReceived = now }
        if let senderID, var sender = state.node(senderID), !sender.flags.contains(.handshake) {
            state.currentEpoch = max(state.currentEpoch, message.currentEpoch)
            if message.configEpoch > sender.configEpoch {
                sender.configEpoch = message.configEpoch
                state.upsert(sender)
                needsSave = true
            }
            peers[senderID]?.replicationOffset = message.replicationOffset
            if manualFailover.end != 0 && state.myself.isReplica && state.myself.masterID == senderID
                && message.messageFlags & ClusterMessage.pausedFlag != 0 && manualFailover.masterOffset == -1
            {
                manualFailover.masterOffset = Int64(clamping: message.replicationOffset)
                log(
                    .warning,
                    "Received replication offset for paused master manual failover: \(manualFailover.masterOffset)")
                handleManualFailover(state: &state, now: now)
            }
        }
        switch message.kind {
        case .ping, .pong, .meet:
            if message.kind != .pong {
                answerPing(
                    message, on: link, senderID: senderID, peerIP: peerIP, localIP: localIP, state: &state,
                    now: now)
            }
            processConfiguration(message, on: link, senderID: senderID, peerIP: peerIP, state: &state, now: now)
        case .fail:
            guard case .fail(let failingID) = message.body else { return }
            guard senderID != nil else {
                log(.notice, "Ignoring FAIL message from unknown node \(message.sender) about \(failingID)")
                return
            }
            guard var failing = state.node(failingID), !failing.hasFailed, !failing.flags.contains(.myself) else {
                return
            }
            log(.notice, "FAIL message received from \(message.sender) about \(failingID)")
            failing.flags.insert(.failing)
            failing.flags.remove(.possiblyFailing)
            state.upsert(failing)
            peers[failingID]?.failTime = now
            needsSave = true
            needsStateUpdate = true
        case .publish, .publishShard:
            guard senderID != nil, case .publish(let channel, let payload) = message.body else { return }
            actions.append(.publish(channel: channel, message: payload, sharded: message.kind == .publishShard))
        case .failoverAuthRequest:
            guard let senderID else { return }
            voteIfNeeded(for: senderID, request: message, state: &state, now: now)
        case .update:
            guard senderID != nil, case .update(let epoch, let id, let slots) = message.body,
                var node = state.node(id), node.configEpoch < epoch
            else { return }
            guard id != state.myselfID else { return log(.warning, "Discarding UPDATE message about myself.") }
            if node.isReplica {
                setAsMaster(id, state: &state)
                node = state.node(id) ?? node
            }
            node.configEpoch = epoch
            state.upsert(node)
            needsSave = true
            updateSlots(owner: id, configEpoch: epoch, slots: slots, state: &state)
        case .failoverAuthAck:
            guard let senderID else { return }
            voteReceived(from: senderID, currentEpoch: message.currentEpoch, state: &state, now: now)
        case .manualFailoverStart:
            guard let senderID else { return }
            manualFailoverRequested(by: senderID, on: link, state: &state, now: now)
        case .module:
            break
        }
    }

    /// The node that sent `message` (`getNodeFromLinkAndMsg`): the link's node once it is known, else the node
    /// named in the header, which an inbound link is then attached to.
    private mutating func sender(
        of message: ClusterMessage, on link: ClusterLinkID, linkInfo: Link, state: inout ClusterState
    ) -> String? {
        if let id = linkInfo.nodeID, let node = state.node(id), !node.flags.contains(.handshake) { return id }
        // A frame naming myself as its sender (a MEET of my own address) is answered, never believed.
        guard message.sender != state.myselfID, state.node(message.sender) != nil else { return nil }
        if linkInfo.nodeID == nil {
            if let old = peers[message.sender]?.inboundLink, old != link { closeLink(old, state: &state) }
            peers[message.sender, default: Peer(createdAt: 0)].inboundLink = link
            links[link]?.nodeID = message.sender
        }
        return message.sender
    }

    /// PING and MEET: myself may learn its address, a MEET from an unknown node adds it in handshake, and a PONG
    /// goes back on the same link.
    private mutating func answerPing(
        _ message: ClusterMessage, on link: ClusterLinkID, senderID: String?, peerIP: String, localIP: String,
        state: inout ClusterState, now: Int
    ) {
        var myself = state.myself
        if (message.kind == .meet || myself.ip.isEmpty) && announcement.ip.isEmpty && !localIP.isEmpty
            && localIP != myself.ip
        {
            myself.ip = localIP
            state.myself = myself
            log(.warning, "IP address for this node updated to \(localIP)")
            needsSave = true
        }
        if senderID == nil && message.kind == .meet && message.sender != state.myselfID {
            let id = ClusterNode.randomID()
            let ip = message.announcedIP.isEmpty ? peerIP : message.announcedIP
            state.upsert(ClusterNode(id: id, ip: ip, port: message.port, busPort: message.busPort, flags: .handshake))
            peers[id] = Peer(createdAt: now)
            needsSave = true
            processGossip(message, senderID: nil, state: &state, now: now)
        }
        sendPing(on: link, kind: .pong, state: &state, now: now)
    }

    /// What PING, PONG and MEET say about the sender: the handshake's end, its address, liveness, role, slots,
    /// epochs, gossip about others and its hostname.
    private mutating func processConfiguration(
        _ message: ClusterMessage, on link: ClusterLinkID, senderID: String?, peerIP: String,
        state: inout ClusterState, now: Int
    ) {
        guard let linkInfo = links[link] else { return }
        if !linkInfo.inbound, let linkNodeID = linkInfo.nodeID, var linkNode = state.node(linkNodeID) {
            if linkNode.flags.contains(.handshake) {
                if message.sender == state.myselfID {
                    // CLUSTER MEET of my own address (or a peer using my ID): nothing to learn.
                    log(.verbose, "Handshake: the node at \(linkNode.ip):\(linkNode.port) is myself.")
                    dropNode(linkNodeID, state: &state)
                    return
                }
                if let senderID {
                    log(.verbose, "Handshake: we already know node \(senderID), updating the address if needed.")
                    if updateAddress(senderID, link: link, message: message, peerIP: peerIP, state: &state) {
                        needsSave = true
                        needsStateUpdate = true
                    }
                    dropNode(linkNodeID, state: &state)
                    return
                }
                state.rename(linkNodeID, to: message.sender)
                peers[message.sender] = peers.removeValue(forKey: linkNodeID)
                links[link]?.nodeID = message.sender
                linkNode = state.node(message.sender) ?? linkNode
                linkNode.flags.remove(.handshake)
                linkNode.flags.formUnion(message.flags.intersection([.master, .replica]))
                state.upsert(linkNode)
                log(.debug, "Handshake with node \(message.sender) completed.")
                needsSave = true
            } else if linkNodeID != message.sender {
                log(
                    .debug,
                    "PONG contains mismatching sender ID. About node \(linkNodeID) added \(now - (peers[linkNodeID]?.createdAt ?? now)) ms ago, having flags \(linkNode.flags.rawValue)"
                )
                linkNode.flags.insert(.noAddress)
                linkNode.ip = ""
                linkNode.port = 0
                linkNode.busPort = 0
                state.upsert(linkNode)
                closeLink(link, state: &state)
                needsSave = true
                return
            }
        }
        if let senderID, var sender = state.node(senderID) {
            sender.flags.remove(.noFailover)
            sender.flags.formUnion(message.flags.intersection(.noFailover))
            state.upsert(sender)
            if message.kind == .ping && !sender.flags.contains(.handshake)
                && updateAddress(senderID, link: link, message: message, peerIP: peerIP, state: &state)
            {
                needsSave = true
                needsStateUpdate = true
            }
        }
        if !linkInfo.inbound, message.kind == .pong, let id = links[link]?.nodeID, var node = state.node(id) {
            node.pongReceived = now
            node.pingSent = 0
            state.upsert(node)
            if node.flags.contains(.possiblyFailing) {
                node.flags.remove(.possiblyFailing)
                state.upsert(node)
                needsSave = true
                needsStateUpdate = true
            } else if node.hasFailed {
                clearFailureIfNeeded(id, state: &state, now: now)
            }
        }
        guard let senderID, state.node(senderID) != nil else { return }
        updateRole(senderID, masterID: message.masterID, state: &state)
        guard let sender = state.node(senderID) else { return }
        let senderMaster = sender.isMaster ? senderID : sender.masterID.flatMap { state.node($0)?.id }
        let dirty = senderMaster.map { (state.ownedSlots[$0] ?? SlotBitmap()) != message.slots } ?? false
        if sender.isMaster && dirty {
            updateSlots(owner: senderID, configEpoch: message.configEpoch, slots: message.slots, state: &state)
        }
        if dirty { sendUpdateIfStale(senderID, message: message, state: state) }
        if let current = state.node(senderID), current.isMaster, state.myself.isMaster,
            message.configEpoch == state.myself.configEpoch
        {
            handleConfigEpochCollision(with: senderID, state: &state)
        }
        processGossip(message, senderID: senderID, state: &state, now: now)
        if case .gossip(_, let hostname) = message.body, var node = state.node(senderID),
            node.hostname != hostname ?? ""
        {
            node.hostname = hostname ?? ""
            state.upsert(node)
            needsSave = true
        }
    }

    /// The sender says it is a master (no master in the header) or a replica of `masterID`.
    private mutating func updateRole(_ id: String, masterID: String?, state: inout ClusterState) {
        guard let masterID else { return setAsMaster(id, state: &state) }
        guard masterID != id, id != state.myselfID, var node = state.node(id) else { return }
        if node.isMaster {
            for slot in 0..<HashSlot.count where state.slotOwners[slot] == id { state.assign(slot, to: nil) }
            node.flags.subtract([.master, .migrateTo])
            node.flags.insert(.replica)
            needsSave = true
            needsStateUpdate = true
        }
        if var master = state.node(masterID), node.masterID != masterID {
            node.masterID = masterID
            // A master that has had a replica may get one by migration if it loses them (`clusterNodeAddSlave`).
            master.flags.insert(.migrateTo)
            state.upsert(master)
            needsSave = true
        }
        state.upsert(node)
    }

    /// Node `id` acts as a master now (`clusterSetNodeAsMaster`).
    mutating func setAsMaster(_ id: String, state: inout ClusterState) {
        guard var node = state.node(id), !node.isMaster else { return }
        if node.masterID != nil && !node.flags.contains(.myself) { node.flags.insert(.migrateTo) }
        node.flags.remove(.replica)
        node.flags.insert(.master)
        node.masterID = nil
        state.upsert(node)
        needsSave = true
        needsStateUpdate = true
    }

    /// The sender claims slots that a master with a greater config epoch serves: tell it with an UPDATE.
    private mutating func sendUpdateIfStale(_ senderID: String, message: ClusterMessage, state: ClusterState) {
        for slot in 0..<HashSlot.count where message.slots.contains(slot) {
            guard let ownerID = state.slotOwners[slot], ownerID != senderID, !notClaimed.contains(slot),
                let owner = state.node(ownerID), owner.configEpoch > message.configEpoch
            else { continue }
            log(
                .verbose,
                "Node \(senderID) has old slots configuration, sending an UPDATE message about \(ownerID)")
            if let link = peers[senderID]?.link { sendUpdate(on: link, about: owner, state: state) }
            return
        }
    }

    /// Two masters with one config epoch: the one with the smaller ID moves past every epoch it knows
    /// (`clusterHandleConfigEpochCollision`).
    private mutating func handleConfigEpochCollision(with senderID: String, state: inout ClusterState) {
        guard senderID > state.myselfID else { return }
        state.currentEpoch &+= 1
        state.myself.configEpoch = state.currentEpoch
        actions.append(.saveConfig)
        log(
            .verbose,
            "WARNING: configEpoch collision with node \(senderID). configEpoch set to \(state.myself.configEpoch)")
    }

    /// Changes the address of node `id` to the one the message and connection give, closing its outbound link so
    /// it reconnects there (`nodeUpdateAddressIfNeeded`); whether it changed.
    private mutating func updateAddress(
        _ id: String, link: ClusterLinkID, message: ClusterMessage, peerIP: String, state: inout ClusterState
    ) -> Bool {
        guard id != state.myselfID, peers[id]?.link != link, var node = state.node(id) else { return false }
        let ip = message.announcedIP.isEmpty ? peerIP : message.announcedIP
        guard !ip.isEmpty, node.ip != ip || node.port != message.port || node.busPort != message.busPort else {
            return false
        }
        node.ip = ip
        node.port = message.port
        node.busPort = message.busPort
        node.flags.remove(.noAddress)
        state.upsert(node)
        if let outbound = peers[id]?.link { closeLink(outbound, state: &state) }
        log(.warning, "Address updated for node \(id), now \(ip):\(message.port)")
        // My master moved: replication follows it (`nodeUpdateAddressIfNeeded`).
        if state.myself.isReplica && state.myself.masterID == id { actions.append(.replicate(masterID: id)) }
        return true
    }
}
