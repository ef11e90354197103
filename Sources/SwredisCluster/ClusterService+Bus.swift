import SwredisBytes
import SwredisEngine
import SwredisLog

/// The sockets of the cluster bus, as the service drives them: the server's listener and outbound connections.
/// Everything runs on the engine's thread.
public protocol ClusterTransport: AnyObject {
    /// Opens an outbound link; the transport reports `linkConnected` or `linkClosed`.
    func connect(_ link: ClusterLinkID, ip: String, port: Int)
    func send(_ link: ClusterLinkID, _ bytes: [UInt8])
    func close(_ link: ClusterLinkID)
    /// Bytes sent on `link` that the kernel has not taken yet (Redis's link send buffer).
    func sendBufferBytes(_ link: ClusterLinkID) -> Int
}

extension ClusterService {
    // MARK: Events from the transport and the cron

    /// Every 100 ms.
    public func busTick() {
        let now = engine.clock.unixMilliseconds()
        let replication = engine.replication
        refreshAnnouncement()
        bus.replica.dataAge =
            replication.linkState == .connected
            ? now - replication.lastMasterInteraction : now - (replication.linkDownSince ?? startedAt)
        bus.replica.validityFactor = engine.config[.clusterReplicaValidityFactor]
        bus.replica.pingPeriod = engine.config[.replPingReplicaPeriod]
        bus.replica.noFailover = engine.config[.clusterReplicaNoFailover]
        // Other nodes rank replicas without counting this one when it never fails over (`clusterUpdateMyselfFlags`).
        if state.myself.flags.contains(.noFailover) != bus.replica.noFailover {
            if bus.replica.noFailover {
                state.myself.flags.insert(.noFailover)
            } else {
                state.myself.flags.remove(.noFailover)
            }
            bus.needsSave = true
        }
        // A replica whose replication is off (after a restart) follows its master again (`clusterCron`).
        if state.myself.isReplica, !replication.isReplica,
            let master = state.myself.masterID.flatMap({ state.node($0) }),
            !master.ip.isEmpty, !master.flags.contains(.noAddress)
        {
            replicate?(master.ip, master.port)
        }
        freeLinksOverSendBufferLimit()
        bus.tick(state: &state, now: now)
        applyBusActions()
        if !isOK { recomputeHealth() }
    }

    /// `cluster-link-sendbuf-limit`: a node's link whose unsent bytes passed it is closed (a peer that stopped
    /// reading must not grow this node's memory without bound); the cron reconnects outbound links (Redis's
    /// `clusterNodeCronFreeLinkOnBufferLimitReached`, which looks at the links of known nodes only).
    private func freeLinksOverSendBufferLimit() {
        let limit = engine.config[.clusterLinkSendbufLimit]
        guard limit > 0, let transport else { return }
        for (link, state) in bus.links.sorted(by: { $0.key < $1.key }) {
            guard let nodeID = state.nodeID else { continue }
            let unsent = transport.sendBufferBytes(link)
            guard unsent > limit else { continue }
            serverLog(
                .warning,
                "Freeing cluster link(\(state.inbound ? "from" : "to") node \(nodeID), used memory: \(unsent)) due to exceeding send buffer memory limit."
            )
            bus.closeLink(link, state: &self.state)
            linksBufferLimitExceeded += 1
        }
    }

    public func linkAccepted() -> ClusterLinkID {
        bus.accepted(now: engine.clock.unixMilliseconds())
    }

    public func linkConnected(_ link: ClusterLinkID) {
        refreshAnnouncement()
        bus.connected(link, state: &state, now: engine.clock.unixMilliseconds())
        applyBusActions()
    }

    public func linkClosed(_ link: ClusterLinkID) {
        bus.closed(link, state: &state, now: engine.clock.unixMilliseconds())
        applyBusActions()
    }

    public func frameReceived(_ bytes: [UInt8], on link: ClusterLinkID, peerIP: String, localIP: String) {
        refreshAnnouncement()
        bus.received(
            bytes, on: link, peerIP: peerIP, localIP: localIP, state: &state, now: engine.clock.unixMilliseconds())
        applyBusActions()
    }

    /// A frame whose signature or length is bad: the link is closed, as Redis does.
    public func badFrame(on link: ClusterLinkID) {
        serverLog(.warning, "Bad message length or signature received from Cluster bus.")
        transport?.close(link)
        linkClosed(link)
    }

    // MARK: Commands

    /// CLUSTER MEET.
    public func meet(ip: String, port: Int, busPort: Int) -> ClusterBus.MeetResult {
        let result = bus.meet(ip: ip, port: port, busPort: busPort, state: &state, now: engine.clock.unixMilliseconds())
        if result == .started { applyBusActions(save: true) }
        return result
    }

    /// CLUSTER FORGET.
    public func forget(_ id: String) {
        bus.forget(id, state: &state, now: engine.clock.unixMilliseconds())
        applyBusActions(save: true)
    }

    /// CLUSTER RESET's node and link part.
    public func forgetEveryone() {
        bus.reset(state: &state)
        applyBusActions(save: true)
    }

    /// CLUSTER REPLICATE: myself follows `masterID` (checked by the caller).
    public func replicate(_ masterID: String) {
        bus.becomeReplica(of: masterID, state: &state)
        applyBusActions(save: true)
    }

    /// CLUSTER FAILOVER [FORCE|TAKEOVER]; Redis's error, or nil once it started.
    public func failover(force: Bool, takeover: Bool) -> String? {
        refreshAnnouncement()
        let refusal = bus.startManualFailover(
            force: force, takeover: takeover, state: &state, now: engine.clock.unixMilliseconds())
        applyBusActions(save: refusal == nil)
        return refusal
    }

    /// Myself becomes a master without slots and replication stops (CLUSTER RESET on a replica).
    public func promoteMyself() {
        bus.setAsMaster(state.myselfID, state: &state)
        bus.resetManualFailover()
        promote?()
        applyBusActions(save: true)
    }

    /// CLUSTER COUNT-FAILURE-REPORTS.
    public func failureReports(about id: String) -> Int {
        bus.failureReportCount(id, now: engine.clock.unixMilliseconds())
    }

    /// A PUBLISH here goes to every node (`clusterPropagatePublish`).
    public func propagatePublish(channel: ByteString, message: ByteString, sharded: Bool) {
        refreshAnnouncement()
        bus.publish(channel: channel.bytes, message: message.bytes, sharded: sharded, state: state)
        applyBusActions()
    }

    /// The replication offset every header carries is read when the header is built, as Redis reads it: a
    /// manual failover compares the paused master's offset with the replica's exactly.
    func refreshAnnouncement() {
        bus.announcement.replicationOffset = UInt64(clamping: engine.replication.offset)
    }

    // MARK: Actions

    /// Carries out what the bus asked for, then saves and re-evaluates the state if it changed them (Redis's
    /// `clusterBeforeSleep`).
    func applyBusActions(save: Bool = false) {
        for action in bus.takeActions() {
            switch action {
            case .connect(let link, let ip, let port):
                if let transport { transport.connect(link, ip: ip, port: port) }
            case .send(let link, let bytes):
                transport?.send(link, bytes)
            case .close(let link):
                transport?.close(link)
            case .log(let level, let text):
                serverLog(level, text)
            case .publish(let channel, let message, let sharded):
                if sharded {
                    _ = engine.publishToShard(ByteString(bytes: channel), ByteString(bytes: message))
                } else {
                    _ = engine.publish(ByteString(bytes: channel), ByteString(bytes: message))
                }
            case .saveConfig:
                saveOrExit()
            case .deleteKeys(let slot):
                deleteKeys(in: slot)
            case .replicate(let masterID):
                if let master = state.node(masterID), !master.ip.isEmpty { replicate?(master.ip, master.port) }
            case .promote:
                promote?()
            case .pauseWrites(let until):
                engine.failoverPauseUntil = until
            case .resumeWrites:
                engine.failoverPauseUntil = 0
            }
        }
        if bus.needsStateUpdate || save {
            bus.needsStateUpdate = false
            recomputeHealth()
        }
        if bus.needsSave || save {
            bus.needsSave = false
            saveOrExit()
        }
    }

    /// Empties a slot another master took over (`delKeysInSlot`): each key deleted and propagated.
    func deleteKeys(in slot: Int) {
        let keys = engine.databases[0].slotIndex?.keys(in: slot, limit: Int.max) ?? []
        for key in keys {
            _ = engine.databases[0].remove(key)
            engine.propagateDeletion(0, key)
        }
    }
}
