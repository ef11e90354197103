import Glibc
import SwredisBytes
import SwredisConfig
import SwredisEngine
import SwredisKeyspace
import SwredisLog

/// A data server's cluster side (`cluster-enabled yes`): the state, its nodes.conf, whether the cluster is `ok`, and
/// the key-slot gate every command passes (Redis's `getNodeByQuery`). Lives on the engine thread, held in
/// `Engine.cluster`. The bus (`ClusterBus`, driven through `ClusterService+Bus`) meets, gossips with and watches
/// the other nodes; its transport is the server's.
public final class ClusterService {
    public internal(set) var state: ClusterState
    public internal(set) var bus: ClusterBus
    /// The sockets of the bus (set by the server once the bus port is bound).
    public var transport: ClusterTransport?
    /// Points replication at a master (`host`, `port`): the server's REPLICAOF.
    public var replicate: ((String, Int) -> Void)?
    /// Stops replicating (REPLICAOF NO ONE): myself became a master by election or takeover.
    public var promote: (() -> Void)?
    /// Where nodes.conf lives (its directory is the instance's state directory, never /etc).
    public let configPath: String
    public unowned(unsafe) let engine: Engine
    /// `cluster_state:ok`.
    public private(set) var isOK = false
    /// Links closed for passing `cluster-link-sendbuf-limit` (CLUSTER INFO's
    /// `total_cluster_links_buffer_limit_exceeded`).
    public internal(set) var linksBufferLimitExceeded = 0
    /// Whether the cluster can serve as of the last change of the state: slots covered and a majority of the
    /// masters reachable (`recomputeHealth`).
    private var healthy = false
    /// The last time myself was seen in a minority partition: a master waits `rejoinDelay` after it before it says
    /// ok again.
    private var amongMinorityTime = 0
    /// The slots of my shard as of the last change (for `dropChannelsOfLostSlots`).
    private var shardSlots = SlotBitmap()
    /// When the node started: a master waits `writableDelay` before it first says ok (Redis's
    /// `CLUSTER_WRITABLE_DELAY`), so a restarted master does not serve a stale configuration at once.
    let startedAt: Int
    static let writableDelayMilliseconds = 2000

    /// Loads nodes.conf at `configPath` or makes a new node (and writes the file), as Redis's `clusterInit` does.
    public init(engine: Engine, configPath: String, port: Int, busPort: Int) throws {
        self.engine = engine
        self.configPath = configPath
        startedAt = engine.clock.unixMilliseconds()
        if let bytes = ConfigFileLoader.readBytes(configPath), let loaded = try NodesFile.parse(bytes) {
            state = loaded
            serverLog(.notice, "Node configuration loaded, I'm \(state.myselfID.prefix(40))")
        } else {
            state = ClusterState(
                myself: ClusterNode(
                    id: ClusterNode.randomID(), ip: "", port: port, busPort: busPort, flags: [.myself, .master],
                    linkConnected: true))
            serverLog(.notice, "No cluster configuration found, I'm \(state.myselfID)")
        }
        // The ports come from this start's configuration, not from the file.
        var myself = state.myself
        myself.port = port
        myself.busPort = busPort
        state.myself = myself
        var announcement = ClusterBus.Announcement(port: port, busPort: busPort)
        announcement.ip = engine.config[.clusterAnnounceIp]
        announcement.hostname = engine.config[.clusterAnnounceHostname]
        bus = ClusterBus(nodeTimeout: engine.config[.clusterNodeTimeout], announcement: announcement)
        announce(in: &state)
        try save()
        engine.config.observeChanges { [unowned self] names in
            if names.contains(StringSetting.clusterAnnounceIp.rawValue)
                || names.contains(StringSetting.clusterAnnounceHostname.rawValue)
            {
                self.bus.announcement.ip = self.engine.config[.clusterAnnounceIp]
                self.bus.announcement.hostname = self.engine.config[.clusterAnnounceHostname]
                self.update { self.announce(in: &$0) }
            }
            if names.contains(BoolSetting.clusterRequireFullCoverage.rawValue) { self.recomputeHealth() }
            self.bus.nodeTimeout = self.engine.config[.clusterNodeTimeout]
            self.bus.allowReplicaMigration = self.engine.config[.clusterAllowReplicaMigration]
            self.bus.migrationBarrier = self.engine.config[.clusterMigrationBarrier]
        }
        engine.indexesSlots = true
        engine.databases[0].indexSlots(true)
        bus.allowReplicaMigration = engine.config[.clusterAllowReplicaMigration]
        bus.migrationBarrier = engine.config[.clusterMigrationBarrier]
        // Masters with replicas in nodes.conf may get one by migration later (Redis's load adds them as slaves).
        for replica in state.nodes.values where replica.isReplica {
            if let masterID = replica.masterID, var master = state.node(masterID) {
                master.flags.insert(.migrateTo)
                state.upsert(master)
            }
        }
        bus.keysInSlot = { [unowned self] slot in self.countKeys(in: slot) }
        recomputeHealth()
    }

    /// `cluster-announce-ip` and `cluster-announce-hostname` become myself's address and hostname (Redis's
    /// `clusterUpdateMyselfIp` / `clusterUpdateMyselfHostname`; an empty announce-ip leaves the address as learnt).
    func announce(in state: inout ClusterState) {
        var myself = state.myself
        let ip = engine.config[.clusterAnnounceIp]
        if !ip.isEmpty { myself.ip = ip }
        myself.hostname = engine.config[.clusterAnnounceHostname]
        state.myself = myself
    }

    /// How clients are told to reach `node` (`cluster-preferred-endpoint-type`; Redis's `getPreferredEndpoint`):
    /// its IP, its hostname (`?` without one), or nothing (nil) for `unknown-endpoint`.
    public func preferredEndpoint(of node: ClusterNode) -> String? {
        switch engine.config[.clusterPreferredEndpointType] {
        case "hostname": return node.hostname.isEmpty ? "?" : node.hostname
        case "unknown-endpoint": return nil
        default: return node.ip
        }
    }

    /// Writes nodes.conf now (every change is saved before its reply, as Redis's `clusterSaveConfigOrDie`).
    public func save() throws {
        try NodesFile.save(state, to: configPath)
    }

    /// Applies `change` to the state, saves it and re-evaluates `cluster_state`.
    public func update(_ change: (inout ClusterState) -> Void) {
        change(&state)
        recomputeHealth()
        saveOrExit()
    }

    /// Saves nodes.conf or ends the process, as Redis's `clusterSaveConfigOrDie`: a node must not go on with a
    /// state (a vote above all) that a restart would not remember.
    func saveOrExit() {
        do {
            try save()
        } catch {
            serverLog(.warning, "Can't update cluster config file \(configPath): \(error)")
            serverLog(.warning, "Fatal: can't update cluster config file.")
            exit(1)
        }
    }

    /// Re-reads the coverage and the reachable masters after a change (Redis's `clusterUpdateState` up to the log):
    /// every slot served by a node not known to have failed (when full coverage is required) and a majority of the
    /// masters serving slots reachable.
    public func recomputeHealth() {
        var ok = true
        if engine.config[.clusterRequireFullCoverage] {
            ok = state.slotOwners.allSatisfy { owner in
                owner.flatMap { state.node($0) }.map { !$0.hasFailed } ?? false
            }
        }
        var size = 0
        var reachable = 0
        for node in state.nodes.values where node.isMaster && state.slotCount(of: node.id) > 0 {
            size += 1
            if node.flags.intersection([.failing, .possiblyFailing]).isEmpty { reachable += 1 }
        }
        if reachable < size / 2 + 1 {
            ok = false
            amongMinorityTime = engine.clock.unixMilliseconds()
        }
        healthy = ok
        refreshState()
        dropChannelsOfLostSlots()
    }

    /// Shard channels in slots my shard (myself, or my master) no longer serves lose their subscribers, told with
    /// `sunsubscribe` (Redis's `removeChannelsInSlot` from `clusterDelSlot`).
    private func dropChannelsOfLostSlots() {
        let now = state.ownedSlots[state.shardMasterID] ?? SlotBitmap()
        defer { shardSlots = now }
        guard now != shardSlots else { return }
        for channel in engine.subscribedShardChannels {
            let slot = channel.withUnsafeBytes { HashSlot.of($0) }
            if shardSlots.contains(slot) && !now.contains(slot) { engine.unsubscribeShardChannel(channel) }
        }
    }

    /// Re-evaluates `cluster_state` from the health known since the last change and logs a change; cheap enough
    /// for every keyed command. A master turns ok only 2 s after start and, after being in a minority, only after the
    /// rejoin delay (the node timeout within 0.5-5 s), so it hears of a new configuration before it serves.
    public func refreshState() {
        let ok = healthy
        if ok && !isOK && state.myself.isMaster {
            let now = engine.clock.unixMilliseconds()
            let rejoinDelay = min(max(engine.config[.clusterNodeTimeout], 500), 5000)
            if now - startedAt < ClusterService.writableDelayMilliseconds || now - amongMinorityTime < rejoinDelay {
                return
            }
        }
        if ok != isOK {
            isOK = ok
            bus.stateOK = ok
            serverLog(.warning, "Cluster state changed: \(ok ? "ok" : "fail")")
        }
    }

    /// The keys of database 0 in `slot`.
    public func countKeys(in slot: Int) -> Int {
        engine.databases[0].slotIndex?.count(in: slot) ?? 0
    }
}
