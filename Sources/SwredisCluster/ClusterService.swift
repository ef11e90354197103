import SwredisBytes
import SwredisConfig
import SwredisEngine
import SwredisKeyspace
import SwredisLog

/// A data server's cluster side (`cluster-enabled yes`): the state, its nodes.conf, whether the cluster is `ok`, and
/// the key-slot gate every command passes (Redis's `getNodeByQuery`). Lives on the engine thread, held in
/// `Engine.cluster`. This slice knows the nodes nodes.conf names; the cluster bus that meets and gossips with them
/// comes next.
public final class ClusterService {
    public private(set) var state: ClusterState
    /// Where nodes.conf lives (its directory is the instance's state directory, never /etc).
    public let configPath: String
    public unowned(unsafe) let engine: Engine
    /// `cluster_state:ok`.
    public private(set) var isOK = false
    /// The slot coverage as of the last change of the state (`coverageIsComplete`).
    private var covered = false
    /// When the node started: a master waits `writableDelay` before it first says ok (Redis's
    /// `CLUSTER_WRITABLE_DELAY`), so a restarted master does not serve a stale configuration at once.
    private let startedAt: Int
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
        announce(in: &state)
        covered = coverageIsComplete()
        try save()
        engine.config.observeChanges { [unowned self] names in
            if names.contains(StringSetting.clusterAnnounceIp.rawValue)
                || names.contains(StringSetting.clusterAnnounceHostname.rawValue)
            {
                self.update { self.announce(in: &$0) }
            }
            if names.contains(BoolSetting.clusterRequireFullCoverage.rawValue) {
                self.covered = self.coverageIsComplete()
            }
        }
        engine.indexesSlots = true
        engine.databases[0].indexSlots(true)
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

    /// Applies `change` to the state, saves it and re-evaluates `cluster_state`. A failed save is logged (Redis
    /// exits on it; the state stays served).
    public func update(_ change: (inout ClusterState) -> Void) {
        change(&state)
        covered = coverageIsComplete()
        refreshState()
        do {
            try save()
        } catch {
            serverLog(.warning, "Can't update cluster config file \(configPath): \(error)")
        }
    }

    /// Whether every slot is served by a node not known to have failed (or full coverage is not required).
    private func coverageIsComplete() -> Bool {
        guard engine.config[.clusterRequireFullCoverage] else { return true }
        return state.slotOwners.allSatisfy { owner in owner.flatMap { state.node($0) }.map { !$0.hasFailed } ?? false }
    }

    /// Re-evaluates `cluster_state` (Redis's `clusterUpdateState`) from the coverage known since the last change, and
    /// logs a change; cheap enough for every keyed command.
    public func refreshState() {
        let ok = covered
        if ok && !isOK && state.myself.isMaster
            && engine.clock.unixMilliseconds() - startedAt < ClusterService.writableDelayMilliseconds
        {
            return
        }
        if ok != isOK {
            isOK = ok
            serverLog(.warning, "Cluster state changed: \(ok ? "ok" : "fail")")
        }
    }

    /// The keys of database 0 in `slot`.
    public func countKeys(in slot: Int) -> Int {
        engine.databases[0].slotIndex?.count(in: slot) ?? 0
    }
}
