/// The cluster declared in `swredisd.conf`: `cluster-master NAME` for each master and `cluster-replica NAME MASTER`
/// for each replica, NAME being a data instance of the directory with `cluster-enabled yes`. The supervisor forms
/// it on the first start (slots split evenly over the masters, in the order declared) and leaves a formed cluster
/// alone afterwards.
public struct ClusterLayout: Equatable, Sendable {
    public struct Replica: Equatable, Sendable {
        public let name: String
        public let master: String
    }

    public private(set) var masters: [String] = []
    public private(set) var replicas: [Replica] = []

    public init() {}

    /// Every node, masters first, in declaration order.
    public var nodes: [String] { masters + replicas.map(\.name) }

    mutating func addMaster(_ name: String) -> String? {
        guard !nodes.contains(name) else { return "instance '\(name)' is declared twice in the cluster" }
        masters.append(name)
        return nil
    }

    mutating func addReplica(_ name: String, of master: String) -> String? {
        guard !nodes.contains(name) else { return "instance '\(name)' is declared twice in the cluster" }
        guard name != master else { return "instance '\(name)' can't replicate itself" }
        replicas.append(Replica(name: name, master: master))
        return nil
    }

    /// The first slot and last slot of each master, in order: 16384 slots split as `redis-cli --cluster create`
    /// splits them.
    public var slotRanges: [(first: Int, last: Int)] {
        let perMaster = Double(16384) / Double(max(masters.count, 1))
        var cursor = 0.0
        var first = 0
        var ranges: [(first: Int, last: Int)] = []
        for index in masters.indices {
            var last = Int((cursor + perMaster - 1).rounded())
            if last > 16384 || index == masters.count - 1 { last = 16383 }
            last = max(last, first)
            ranges.append((first, last))
            first = last + 1
            cursor += perMaster
        }
        return ranges
    }

    /// What is wrong with the layout given the directory's instances, as `swredisd check` reports it.
    func problems(_ instances: [InstanceDefinition], file: String) -> [SupervisorSettings.Problem] {
        var problems: [SupervisorSettings.Problem] = []
        func problem(_ directive: String, _ reason: String) {
            problems.append(
                .init(file: file, line: InstanceCatalog.lineNumber(of: directive, in: file), reason: reason))
        }
        if masters.isEmpty { problem("cluster-replica", "the cluster declares no cluster-master") }
        for name in nodes {
            let directive = masters.contains(name) ? "cluster-master" : "cluster-replica"
            guard let instance = instances.first(where: { $0.name == name }) else {
                problem(
                    directive, "cluster node '\(name)' is not an instance of this directory (expected \(name).conf)")
                continue
            }
            if instance.kind != .server {
                problem(directive, "cluster node '\(name)' is a sentinel")
            } else if instance.cluster == nil {
                problem(directive, "cluster node '\(name)' needs 'cluster-enabled yes' in \(instance.file)")
            } else if instance.master != nil {
                problem(directive, "cluster node '\(name)' has replicaof, which cluster mode refuses")
            }
            if instance.port > 55535 {
                problem(
                    directive,
                    "cluster node '\(name)' listens on \(instance.port): the bus port (+10000) needs 55535 or less")
            }
        }
        for replica in replicas where !masters.contains(replica.master) {
            problem("cluster-replica", "'\(replica.master)' (master of '\(replica.name)') is not a cluster-master")
        }
        return problems
    }
}

/// How the supervisor reaches a cluster-mode instance (`cluster-enabled yes`), and where its nodes.conf lives.
public struct ClusterNodeAccess: Equatable, Sendable {
    /// The address other nodes MEET it at: `cluster-announce-ip`, else its first specific `bind` address, else
    /// 127.0.0.1.
    public let address: String
    /// `requirepass`, sent with AUTH before the supervisor's commands.
    public let password: String?
    /// nodes.conf (absolute).
    public let configFile: String
}
