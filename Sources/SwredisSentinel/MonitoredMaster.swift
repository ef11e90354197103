/// Where a failover stands (Redis's `SENTINEL_FAILOVER_STATE_*`).
public enum FailoverState: Int, Comparable, Sendable {
    case none = 0
    /// Elected? Waiting for votes.
    case waitStart
    case selectReplica
    case sendReplicaOfNoOne
    case waitPromotion
    case reconfigureReplicas
    /// Done: switch to the promoted replica at the end of this timer run.
    case updateConfiguration

    public static func < (lhs: FailoverState, rhs: FailoverState) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The name INFO and SENTINEL MASTER show (`sentinelFailoverStateStr`).
    public var name: String {
        switch self {
        case .none: return "none"
        case .waitStart: return "wait_start"
        case .selectReplica: return "select_slave"
        case .sendReplicaOfNoOne: return "send_slaveof_noone"
        case .waitPromotion: return "wait_promotion"
        case .reconfigureReplicas: return "reconf_slaves"
        case .updateConfiguration: return "update_config"
        }
    }
}

/// The settings of one monitored master (SENTINEL MONITOR and SENTINEL SET).
public struct MasterSettings: Equatable, Sendable {
    public var quorum: Int
    public var downAfter: Int64 = SentinelTiming.defaultDownAfter
    public var failoverTimeout: Int64 = SentinelTiming.defaultFailoverTimeout
    public var parallelSyncs = SentinelTiming.defaultParallelSyncs
    public var authPass: String?
    public var authUser: String?
    public var notificationScript: String?
    public var clientReconfigScript: String?
    public var masterRebootDownAfter: Int64 = SentinelTiming.defaultMasterRebootDownAfter
    /// rename-command: the names this master's commands are sent under, keyed by upper-case original name.
    public var renamedCommands: [String: String] = [:]

    public init(quorum: Int) { self.quorum = quorum }
}

/// One master a sentinel monitors, with the replicas and sentinels found for it and its failover's state.
public struct MonitoredMaster: Sendable {
    public var instance: SentinelInstance
    public var settings: MasterSettings
    /// Keyed by `host:port`, in discovery order.
    public var replicas: [SentinelInstance] = []
    /// Other sentinels monitoring this master, keyed by run id, in discovery order.
    public var sentinels: [SentinelInstance] = []

    public var failoverState = FailoverState.none
    public var failoverEpoch: UInt64 = 0
    public var failoverStartTime: Int64 = 0
    public var failoverStateChangeTime: Int64 = 0
    public var failoverDelayLogged: Int64 = 0
    /// The address (`host:port` name) of the replica being promoted.
    public var promotedReplica: String?
    /// The last instant (this sentinel's clock, ms) at which it could have described a master other than
    /// `currentAddress` as reachable (not SDOWN), or nil when it cannot tell (it has not seen the master change since
    /// it started monitoring). A fenced VIP bounds the previous holder's last renewal with it.
    public var formerMasterReachableUntil: Int64?

    public var name: String { instance.name }

    init(name: String, address: SentinelAddress, settings: MasterSettings, now: Int64) {
        instance = SentinelInstance(name: name, address: address, flags: .master, now: now)
        self.settings = settings
    }

    func replicaIndex(host: String, port: Int) -> Int? {
        replicas.firstIndex { $0.address.matches(host: host, port: port) }
    }

    func replicaIndex(named name: String) -> Int? {
        replicas.firstIndex { $0.name == name }
    }

    var promotedIndex: Int? { promotedReplica.flatMap(replicaIndex(named:)) }

    /// The address a client should use now: the promoted replica's once replicas are being reconfigured.
    public var currentAddress: SentinelAddress {
        if instance.flags.contains(.failoverInProgress), failoverState >= .reconfigureReplicas,
            let index = promotedIndex
        {
            return replicas[index].address
        }
        return instance.address
    }

    /// Until when this sentinel described the master record's instance as reachable: now, or when it went SDOWN.
    func instanceReachableUntil(now: Int64) -> Int64 {
        instance.flags.contains(.subjectivelyDown) ? instance.subjectivelyDownSince : now
    }

    /// The name a command goes under on this master's instances (rename-command).
    func command(_ name: String) -> String {
        settings.renamedCommands[name.uppercased()] ?? name
    }
}

/// Which tracked instance an action or event concerns.
public enum InstanceReference: Hashable, Sendable {
    case master(String)
    /// A master's replica, by its `host:port` name.
    case replica(master: String, name: String)
    /// A master's sentinel, by its run id.
    case sentinel(master: String, runID: String)

    public var masterName: String {
        switch self {
        case .master(let name), .replica(let name, _), .sentinel(let name, _): return name
        }
    }
}
