import Dispatch
import SwredisClient
import SwredisLog

#if canImport(Glibc)
import Glibc
#endif

/// What a cluster node says about itself (CLUSTER MYID and CLUSTER NODES), as formation weighs it.
public struct ClusterNodeProbe: Equatable, Sendable {
    public var id: String
    /// Every node ID it knows that is out of handshake, itself included.
    public var known: Set<String>
    public var slotsAssigned: Int
    /// Its master's ID when it is a replica.
    public var masterID: String?

    public init(id: String, known: Set<String>, slotsAssigned: Int, masterID: String? = nil) {
        self.id = id
        self.known = known
        self.slotsAssigned = slotsAssigned
        self.masterID = masterID
    }

    /// A node that never joined anything: it knows only itself and serves nothing.
    public var isFresh: Bool { known.count == 1 && slotsAssigned == 0 && masterID == nil }

    /// Reads CLUSTER NODES' text.
    public static func parse(id: String, nodes: String) -> ClusterNodeProbe {
        var probe = ClusterNodeProbe(id: id, known: [], slotsAssigned: 0)
        for line in nodes.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count >= 8 else { continue }
            let flags = fields[2].split(separator: ",")
            if flags.contains("handshake") { continue }
            probe.known.insert(fields[0])
            if flags.contains("myself") {
                if flags.contains("slave") && fields[3] != "-" { probe.masterID = fields[3] }
            }
            probe.slotsAssigned += fields.dropFirst(8).filter { !$0.hasPrefix("[") }.reduce(0) { total, range in
                // Bounded to the slot space first: the text comes from another process.
                let bounds = range.split(separator: "-").compactMap { Int($0) }.map { min(max($0, 0), 16383) }
                return total + (bounds.count == 2 ? max(bounds[1] - bounds[0] + 1, 0) : 1)
            }
        }
        return probe
    }
}

/// The decision of a formation round (pure): form a new cluster, bring fresh nodes into the formed one, or leave it.
public enum ClusterFormationPlan: Equatable, Sendable {
    /// Every declared node is fresh: slots to the masters, config epochs, MEET, then REPLICATE.
    case form
    /// Some nodes are in a cluster already: the fresh ones (by name) meet it; fresh declared replicas replicate.
    case join([String])
    /// Every declared node knows every other: nothing to do.
    case formed

    public static func decide(layout: ClusterLayout, probes: [String: ClusterNodeProbe]) -> ClusterFormationPlan {
        let nodes = layout.nodes
        if nodes.allSatisfy({ probes[$0]?.isFresh ?? false }) { return .form }
        let ids = Set(nodes.compactMap { probes[$0]?.id })
        if nodes.allSatisfy({ ids.isSubset(of: probes[$0]?.known ?? []) }) { return .formed }
        return .join(nodes.filter { probes[$0]?.isFresh ?? false })
    }
}

/// Forms the declared cluster from the supervisor (what `redis-cli --cluster create` does, and `add-node` for a
/// fresh declared node joining a formed cluster), on a background thread: waits for every node to answer, decides
/// with `ClusterFormationPlan`, sends the commands, waits for the nodes to agree. A formed cluster is left alone,
/// so a restart never undoes a failover or a resharding.
final class ClusterFormation: @unchecked Sendable {
    struct Node {
        let name: String
        let port: Int
        let access: ClusterNodeAccess
    }

    private let layout: ClusterLayout
    private let nodes: [String: Node]
    private let lock = NSLockLike()
    private var stopped = false
    /// The last outcome, for `ctl status` and the tests (`forming`, `formed`, `left alone`, `failed: ...`).
    private(set) var outcome = "waiting for the nodes"

    init(layout: ClusterLayout, nodes: [Node]) {
        self.layout = layout
        self.nodes = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func start() {
        DispatchQueue.global().async { self.run() }
    }

    func stop() { lock.withLock { stopped = true } }
    private var isStopped: Bool { lock.withLock { stopped } }

    private func report(_ text: String) {
        lock.withLock { outcome = text }
    }

    var status: String { lock.withLock { "cluster: \(outcome)" } }

    private func run() {
        let deadline = Int(VirtualIPManager.now()) + 120_000
        var probes: [String: ClusterNodeProbe] = [:]
        while !isStopped {
            probes = probeAll()
            if probes.count == layout.nodes.count { break }
            if Int(VirtualIPManager.now()) > deadline {
                return fail("not every node answered within 120 s (\(probes.count) of \(layout.nodes.count))")
            }
            usleep(200_000)
        }
        guard !isStopped else { return }
        switch ClusterFormationPlan.decide(layout: layout, probes: probes) {
        case .formed:
            serverLog(.notice, "Cluster of \(layout.nodes.count) nodes already formed: left as it is")
            report("formed earlier, left alone")
        case .form:
            form(probes)
        case .join(let fresh):
            join(fresh, probes)
        }
    }

    private func fail(_ reason: String) {
        serverLog(.warning, "Cluster formation failed: \(reason)")
        report("failed: \(reason)")
    }

    /// A new cluster: ADDSLOTSRANGE per master, distinct config epochs, MEET, then REPLICATE once all know all.
    private func form(_ probes: [String: ClusterNodeProbe]) {
        report("forming")
        serverLog(
            .notice,
            "Forming the cluster: masters \(layout.masters.joined(separator: ", ")), replicas \(layout.replicas.map { "\($0.name) of \($0.master)" }.joined(separator: ", "))"
        )
        for (master, range) in zip(layout.masters, layout.slotRanges) {
            guard ok(master, ["CLUSTER", "ADDSLOTSRANGE", String(range.first), String(range.last)]) else { return }
        }
        for (index, name) in layout.nodes.enumerated() {
            guard ok(name, ["CLUSTER", "SET-CONFIG-EPOCH", String(index + 1)]) else { return }
        }
        guard let first = layout.nodes.first.flatMap({ nodes[$0] }) else { return }
        for name in layout.nodes.dropFirst() {
            guard ok(name, ["CLUSTER", "MEET", first.access.address, String(first.port)]) else { return }
        }
        finish(probes)
    }

    /// Fresh declared nodes meet a node of the formed cluster.
    private func join(_ fresh: [String], _ probes: [String: ClusterNodeProbe]) {
        guard let member = layout.nodes.first(where: { !(probes[$0]?.isFresh ?? true) }).flatMap({ nodes[$0] }) else {
            return
        }
        report("adding \(fresh.joined(separator: ", "))")
        serverLog(.notice, "Adding \(fresh.joined(separator: ", ")) to the formed cluster through \(member.name)")
        for name in fresh {
            guard ok(name, ["CLUSTER", "MEET", member.access.address, String(member.port)]) else { return }
        }
        finish(probes, replicating: Set(fresh))
    }

    /// Waits for every node to know every other, makes the declared fresh replicas replicate, waits for
    /// `cluster_state:ok` everywhere.
    private func finish(_ before: [String: ClusterNodeProbe], replicating: Set<String>? = nil) {
        let ids = Dictionary(uniqueKeysWithValues: before.map { ($0.key, $0.value.id) })
        guard
            wait(
                "every node to know every other", seconds: 60,
                { [self] in
                    let probes = probeAll()
                    return layout.nodes.allSatisfy { Set(ids.values).isSubset(of: probes[$0]?.known ?? []) }
                })
        else { return }
        for replica in layout.replicas where replicating?.contains(replica.name) ?? true {
            guard let masterID = ids[replica.master], ok(replica.name, ["CLUSTER", "REPLICATE", masterID]) else {
                return
            }
        }
        guard
            wait(
                "cluster_state:ok on every node", seconds: 60,
                { [self] in
                    layout.nodes.allSatisfy { name in
                        call(name, ["CLUSTER", "INFO"])?.string?.contains("cluster_state:ok") ?? false
                    }
                })
        else { return }
        serverLog(
            .notice,
            "Cluster formed: \(layout.masters.count) masters, \(layout.replicas.count) replicas, all slots served")
        report("formed")
    }

    private func wait(_ what: String, seconds: Int, _ condition: () -> Bool) -> Bool {
        let deadline = Int(VirtualIPManager.now()) + seconds * 1000
        while !isStopped {
            if condition() { return true }
            if Int(VirtualIPManager.now()) > deadline {
                fail("timed out waiting for \(what)")
                return false
            }
            usleep(200_000)
        }
        return false
    }

    private func probeAll() -> [String: ClusterNodeProbe] {
        var probes: [String: ClusterNodeProbe] = [:]
        for name in layout.nodes {
            guard let id = call(name, ["CLUSTER", "MYID"])?.string,
                let text = call(name, ["CLUSTER", "NODES"])?.string
            else { continue }
            probes[name] = ClusterNodeProbe.parse(id: id, nodes: text)
        }
        return probes
    }

    /// Sends `command` to node `name` and checks it answered OK; logs and records the failure otherwise.
    private func ok(_ name: String, _ command: [String]) -> Bool {
        let reply = call(name, command)
        if reply?.string == "OK" { return true }
        fail("\(command.joined(separator: " ")) on \(name): \(reply?.errorMessage ?? "no answer")")
        return false
    }

    private func call(_ name: String, _ command: [String]) -> RESPToken? {
        guard let node = nodes[name] else { return nil }
        var commands = [command]
        if let password = node.access.password { commands.insert(["AUTH", password], at: 0) }
        let host = node.access.address
        return BlockingRESP.pipeline(host: host, port: node.port, commands, timeoutMilliseconds: 2000)?.last
    }
}
