import SwredisBytes
import XCTest

@testable import SwredisCluster

/// Cluster buses wired to each other in memory: connects, frames and closes are delivered between them, and the
/// clock is the test's. Node `i` lives at 198.18.0.(i+1):7000, bus port 17000.
final class SimulatedCluster {
    struct Endpoint: Hashable {
        let node: Int
        let link: ClusterLinkID
    }

    var states: [ClusterState]
    var buses: [ClusterBus]
    var logs: [[String]]
    /// Actions the owner would carry out beyond the sockets (promote, replicate, pause...), per node.
    var effects: [[ClusterBus.Action]]
    var alive: Set<Int>
    var now = 1_000_000_000
    private var peerOf: [Endpoint: Endpoint] = [:]
    private var frames: [(to: Endpoint, bytes: [UInt8], fromIP: String)] = []
    private var connectsDone: [Endpoint] = []
    private var connectsFailed: [Endpoint] = []

    static func ip(_ index: Int) -> String { "198.18.0.\(index + 1)" }

    /// `count` masters; node `i` gets the slot ranges `slots[i]` and config epoch `i + 1`.
    init(count: Int, slots: [[Int]], nodeTimeout: Int = 2000) {
        states = []
        buses = []
        for index in 0..<count {
            var state = ClusterState(
                myself: ClusterNode(
                    id: String(repeating: Character(String(index)), count: 40), ip: "", port: 7000, busPort: 17000,
                    flags: [.myself, .master], linkConnected: true))
            for slot in slots[index] { state.assign(slot, to: state.myselfID) }
            state.myself.configEpoch = UInt64(index + 1)
            state.currentEpoch = UInt64(index + 1)
            states.append(state)
            var counter = index
            buses.append(
                ClusterBus(
                    nodeTimeout: nodeTimeout, announcement: .init(port: 7000, busPort: 17000),
                    randomIndex: { bound in
                        counter = (counter &* 1_103_515_245 &+ 12345) & 0x7fff_ffff
                        return counter % bound
                    }))
        }
        logs = Array(repeating: [], count: count)
        effects = Array(repeating: [], count: count)
        alive = Set(0..<count)
    }

    func index(ofIP ip: String) -> Int? {
        (0..<states.count).first { SimulatedCluster.ip($0) == ip }
    }

    func meet(_ from: Int, _ to: Int) {
        _ = buses[from].meet(ip: SimulatedCluster.ip(to), port: 7000, busPort: 17000, state: &states[from], now: now)
        route(from)
    }

    /// Carries out node `index`'s actions.
    func route(_ index: Int) {
        for action in buses[index].takeActions() {
            switch action {
            case .connect(let link, let ip, _):
                let here = Endpoint(node: index, link: link)
                guard let target = self.index(ofIP: ip), alive.contains(target) else {
                    connectsFailed.append(here)
                    continue
                }
                let there = Endpoint(node: target, link: buses[target].accepted(now: now))
                peerOf[here] = there
                peerOf[there] = here
                connectsDone.append(here)
            case .send(let link, let bytes):
                if let there = peerOf[Endpoint(node: index, link: link)] {
                    frames.append((there, bytes, SimulatedCluster.ip(index)))
                }
            case .close(let link):
                if let there = peerOf.removeValue(forKey: Endpoint(node: index, link: link)) {
                    peerOf[there] = nil
                    buses[there.node].closed(there.link, state: &states[there.node], now: now)
                }
            case .log(_, let text):
                logs[index].append(text)
            case .saveConfig:
                break
            case .publish, .deleteKeys, .replicate, .promote, .pauseWrites, .resumeWrites:
                effects[index].append(action)
            }
        }
    }

    /// Delivers everything pending until the buses are quiet.
    func settle() {
        var rounds = 0
        while rounds < 10_000 {
            rounds += 1
            for index in 0..<states.count { route(index) }
            if let done = connectsDone.first {
                connectsDone.removeFirst()
                buses[done.node].connected(done.link, state: &states[done.node], now: now)
            } else if let failed = connectsFailed.first {
                connectsFailed.removeFirst()
                buses[failed.node].closed(failed.link, state: &states[failed.node], now: now)
            } else if !frames.isEmpty {
                let frame = frames.removeFirst()
                guard alive.contains(frame.to.node) else { continue }
                buses[frame.to.node].received(
                    frame.bytes, on: frame.to.link, peerIP: frame.fromIP, localIP: SimulatedCluster.ip(frame.to.node),
                    state: &states[frame.to.node], now: now)
            } else {
                return
            }
        }
    }

    /// Runs the 100 ms cron of every live node until `done` holds (at most `milliseconds`); the time it took.
    @discardableResult
    func run(until done: () -> Bool, milliseconds: Int) -> Int? {
        let start = now
        while now - start < milliseconds {
            if done() { return now - start }
            run(milliseconds: 100)
        }
        return done() ? now - start : nil
    }

    /// Runs the 100 ms cron of every live node for `milliseconds`.
    func run(milliseconds: Int) {
        for _ in 0..<(milliseconds / 100) {
            now += 100
            for index in alive.sorted() { buses[index].tick(state: &states[index], now: now) }
            settle()
        }
    }

    /// kill -9 of node `index`: its links drop (the peers see them close) and it never answers again.
    func kill(_ index: Int) {
        alive.remove(index)
        for (here, there) in peerOf where here.node == index {
            peerOf[here] = nil
            peerOf[there] = nil
            buses[there.node].closed(there.link, state: &states[there.node], now: now)
        }
    }
}

final class ClusterBusTests: XCTestCase {
    static let thirds = [0...5460, 5461...10922, 10923...16383]

    func formed() -> SimulatedCluster {
        let cluster = SimulatedCluster(count: 3, slots: ClusterBusTests.thirds.map { Array($0) })
        cluster.meet(0, 1)
        cluster.meet(0, 2)
        cluster.run(milliseconds: 3000)
        return cluster
    }

    /// MEET with two nodes: the handshakes complete, gossip introduces the third pair, and every node ends with the
    /// same three IDs, addresses, flags and slot owners.
    func testMeetAndGossipFormACluster() {
        let cluster = formed()
        let ids = Set(cluster.states.map(\.myselfID))
        for (index, state) in cluster.states.enumerated() {
            XCTAssertEqual(Set(state.nodes.keys), ids, "node \(index)")
            XCTAssertEqual(state.myself.ip, SimulatedCluster.ip(index), "learnt from a MEET or PING")
            for node in state.nodes.values where node.id != state.myselfID {
                XCTAssertEqual(node.flags, .master, "node \(index) sees \(node.id)")
                XCTAssertTrue(node.linkConnected)
                XCTAssertEqual(node.ip, SimulatedCluster.ip(Int(String(node.id.first!))!))
            }
            XCTAssertEqual(state.slotOwners, cluster.states[0].slotOwners)
            XCTAssertEqual(state.currentEpoch, 3)
        }
        XCTAssertEqual(cluster.states[0].slotOwners[10923], cluster.states[2].myselfID)
    }

    /// A killed master turns PFAIL after the node timeout on each node, then FAIL once a majority of masters agree
    /// (myself plus one report), and the FAIL is broadcast.
    func testSilentMasterIsFlaggedFailingByQuorum() {
        let cluster = formed()
        let dead = cluster.states[2].myselfID
        cluster.kill(2)
        cluster.run(milliseconds: 1500)
        XCTAssertFalse(cluster.states[0].node(dead)!.hasFailed, "not before the node timeout")
        cluster.run(milliseconds: 3000)
        for index in 0...1 {
            let node = cluster.states[index].node(dead)!
            XCTAssertTrue(node.hasFailed, "node \(index)")
            XCTAssertFalse(node.flags.contains(.possiblyFailing))
        }
        let marked = cluster.logs[0] + cluster.logs[1]
        XCTAssertTrue(marked.contains("Marking node \(dead) as failing (quorum reached)."), "\(marked)")
    }

    /// One master alone does not make FAIL: with two of three masters dead, the survivor only has PFAIL.
    func testNoQuorumNoFail() {
        let cluster = formed()
        cluster.kill(1)
        cluster.kill(2)
        cluster.run(milliseconds: 5000)
        for index in 1...2 {
            let node = cluster.states[0].node(cluster.states[index].myselfID)!
            XCTAssertTrue(node.flags.contains(.possiblyFailing))
            XCTAssertFalse(node.hasFailed)
        }
    }

    /// Two masters that start with the same config epoch: the one with the smaller ID moves to a new epoch.
    func testConfigEpochCollisionIsResolved() {
        let cluster = SimulatedCluster(count: 2, slots: [Array(0...10), Array(11...20)])
        cluster.states[1].myself.configEpoch = 1
        cluster.meet(0, 1)
        cluster.run(milliseconds: 2000)
        let epochs = cluster.states.map(\.myself.configEpoch)
        XCTAssertNotEqual(epochs[0], epochs[1])
        XCTAssertEqual(epochs[1], 1, "the node with the greater ID keeps its epoch")
        XCTAssertEqual(cluster.states[0].node(cluster.states[1].myselfID)?.configEpoch, 1)
        XCTAssertEqual(cluster.states[1].node(cluster.states[0].myselfID)?.configEpoch, epochs[0])
    }

    /// A master that claims a slot another master holds under a newer epoch is told so (UPDATE) and gives it back
    /// when the owner's claim reaches it; the others never move the slot.
    func testStaleClaimIsUndone() {
        let cluster = formed()
        let owner = cluster.states[2].myselfID
        cluster.states[0].assign(10923, to: cluster.states[0].myselfID)
        cluster.run(milliseconds: 2000)
        for state in cluster.states { XCTAssertEqual(state.slotOwners[10923], owner) }
        let told = cluster.logs[1] + cluster.logs[2]
        XCTAssertTrue(told.contains { $0.contains("Node \(cluster.states[0].myselfID) has old slots configuration") })
    }

    /// Votes: one per epoch, only for a replica whose master has FAIL, saved before the ACK goes out.
    func testVotesFollowRedisRules() throws {
        var state = ClusterState(
            myself: ClusterNode(
                id: String(repeating: "a", count: 40), ip: "198.18.0.1", port: 7000, busPort: 17000,
                flags: [.myself, .master]))
        state.assign(0, to: state.myselfID)
        let masterID = String(repeating: "b", count: 40)
        let replicaID = String(repeating: "c", count: 40)
        state.upsert(ClusterNode(id: masterID, ip: "198.18.0.2", port: 7000, busPort: 17000, flags: .master))
        state.upsert(
            ClusterNode(
                id: replicaID, ip: "198.18.0.3", port: 7000, busPort: 17000, flags: .replica, masterID: masterID))
        for slot in 1...10 { state.assign(slot, to: masterID) }
        state.currentEpoch = 5
        var bus = ClusterBus(nodeTimeout: 2000, announcement: .init(port: 7000, busPort: 17000))
        let now = 1_000_000
        bus.tick(state: &state, now: now)
        let outbound = bus.takeActions().compactMap { action -> ClusterLinkID? in
            if case .connect(let link, "198.18.0.3", _) = action { return link }
            return nil
        }
        XCTAssertEqual(outbound.count, 1)
        let inbound = bus.accepted(now: now)
        func request(epoch: UInt64) -> [UInt8] {
            var slots = SlotBitmap()
            for slot in 1...10 { slots.insert(slot) }
            return ClusterMessage(
                kind: .failoverAuthRequest, port: 7000, busPort: 17000, currentEpoch: epoch, configEpoch: 0,
                sender: replicaID, slots: slots, masterID: masterID, flags: .replica, clusterOK: true,
                body: .headerOnly
            ).encoded()
        }
        func acks(_ actions: [ClusterBus.Action]) -> Int {
            actions.filter {
                if case .send(_, let bytes) = $0 { return bytes[13] == 6 }
                return false
            }.count
        }
        bus.received(request(epoch: 6), on: inbound, peerIP: "198.18.0.3", localIP: "", state: &state, now: now)
        var actions = bus.takeActions()
        XCTAssertEqual(acks(actions), 0)
        XCTAssertTrue(actions.contains(.log(.warning, "Failover auth denied to \(replicaID): its master is up")))
        state.upsert(
            {
                var master = state.node(masterID)!
                master.flags.insert(.failing)
                return master
            }())
        bus.received(request(epoch: 4), on: inbound, peerIP: "198.18.0.3", localIP: "", state: &state, now: now)
        XCTAssertTrue(
            bus.takeActions().contains(
                .log(.warning, "Failover auth denied to \(replicaID): reqEpoch (4) < curEpoch(6)")))
        bus.received(request(epoch: 7), on: inbound, peerIP: "198.18.0.3", localIP: "", state: &state, now: now)
        actions = bus.takeActions()
        XCTAssertEqual(acks(actions), 1)
        let saved = try XCTUnwrap(actions.firstIndex(of: .saveConfig))
        let sent = try XCTUnwrap(
            actions.firstIndex {
                if case .send = $0 { return true }
                return false
            })
        XCTAssertLessThan(saved, sent, "the vote is on disk before it is answered")
        XCTAssertEqual(state.lastVoteEpoch, 7)
        bus.received(request(epoch: 7), on: inbound, peerIP: "198.18.0.3", localIP: "", state: &state, now: now)
        actions = bus.takeActions()
        XCTAssertEqual(acks(actions), 0)
        XCTAssertTrue(
            actions.contains(.log(.warning, "Failover auth denied to \(replicaID): already voted for epoch 7")))
    }

    /// Gossip from a node this one does not know adds nobody (it could belong to another cluster).
    func testGossipFromAnUnknownSenderAddsNobody() {
        var state = ClusterState(
            myself: ClusterNode(
                id: String(repeating: "a", count: 40), ip: "198.18.0.1", port: 7000, busPort: 17000,
                flags: [.myself, .master]))
        var bus = ClusterBus(nodeTimeout: 2000, announcement: .init(port: 7000, busPort: 17000))
        let link = bus.accepted(now: 0)
        let gossip = ClusterMessage.Gossip(
            nodeID: String(repeating: "d", count: 40), pingSent: 0, pongReceived: 0, ip: "198.18.0.4", port: 7000,
            busPort: 17000, flags: .master)
        let ping = ClusterMessage(
            kind: .ping, port: 7000, busPort: 17000, currentEpoch: 9, configEpoch: 9,
            sender: String(repeating: "e", count: 40), slots: SlotBitmap(), flags: .master, clusterOK: true,
            body: .gossip([gossip], hostname: nil))
        bus.received(ping.encoded(), on: link, peerIP: "198.18.0.5", localIP: "198.18.0.1", state: &state, now: 0)
        XCTAssertEqual(state.nodes.count, 1)
        XCTAssertEqual(state.currentEpoch, 0, "an unknown sender's epoch is not taken")
        XCTAssertTrue(
            bus.takeActions().contains {
                if case .send(link, let bytes) = $0 { return bytes[13] == 1 }
                return false
            }, "a PING is still answered with a PONG")
    }

    /// Three masters and a replica of master 0 (node 3), as CLUSTER REPLICATE makes it.
    func withReplica() -> SimulatedCluster {
        let cluster = SimulatedCluster(count: 4, slots: ClusterBusTests.thirds.map { Array($0) } + [[]])
        cluster.states[3].myself.configEpoch = 0
        cluster.states[3].currentEpoch = 0
        for index in 1...3 { cluster.meet(0, index) }
        cluster.run(milliseconds: 2000)
        cluster.buses[3].becomeReplica(of: cluster.states[0].myselfID, state: &cluster.states[3])
        cluster.route(3)
        cluster.run(milliseconds: 2000)
        return cluster
    }

    /// kill -9 of a master: its replica waits for FAIL, is elected by the two other masters for a new epoch, takes
    /// the slots and tells everyone; the cluster serves all slots again.
    func testReplicaIsElectedWhenItsMasterFails() throws {
        let cluster = withReplica()
        let master = cluster.states[0].myselfID
        let replica = cluster.states[3].myselfID
        XCTAssertEqual(cluster.states[1].node(replica)?.masterID, master)
        XCTAssertTrue(cluster.effects[3].contains(.replicate(masterID: master)))
        cluster.kill(0)
        let took = cluster.run(until: { cluster.states[1].slotOwners[0] == replica }, milliseconds: 10_000)
        XCTAssertNotNil(took)
        for index in 1...3 {
            let state = cluster.states[index]
            XCTAssertEqual(state.slotOwners[0], replica, "node \(index)")
            XCTAssertEqual(state.slotOwners[5460], replica)
            XCTAssertTrue(state.node(replica)!.isMaster)
            XCTAssertEqual(state.node(replica)!.configEpoch, 4)
        }
        XCTAssertTrue(cluster.effects[3].contains(.promote))
        let log = cluster.logs[3]
        XCTAssertTrue(
            log.contains { $0.hasPrefix("Start of election delayed for ") && $0.hasSuffix("(rank #0, offset 0).") })
        XCTAssertTrue(log.contains("Starting a failover election for epoch 4."), "\(log)")
        XCTAssertTrue(log.contains("Failover election won: I'm the new master."))
        XCTAssertTrue((cluster.logs[1] + cluster.logs[2]).contains("Failover auth granted to \(replica) for epoch 4"))
        XCTAssertEqual(cluster.states[1].lastVoteEpoch, 4)
    }

    /// A replica too long disconnected from its master does not stand (cluster-replica-validity-factor).
    func testStaleReplicaDoesNotStand() {
        let cluster = withReplica()
        cluster.buses[3].replica.dataAge = 10 * 2000 + 10_000 + 2000 + 1
        cluster.kill(0)
        cluster.run(milliseconds: 12_000)
        XCTAssertEqual(cluster.states[1].slotOwners[0], cluster.states[0].myselfID)
        XCTAssertTrue(cluster.logs[3].contains { $0.contains("Disconnected from master for longer than allowed") })
    }

    /// CLUSTER FAILOVER: the master pauses writes and reports its offset, the replica (caught up) is elected with
    /// forced votes, and the old master follows it and resumes writes.
    func testManualFailover() {
        let cluster = withReplica()
        let master = cluster.states[0].myselfID
        let replica = cluster.states[3].myselfID
        XCTAssertNil(
            cluster.buses[3].startManualFailover(
                force: false, takeover: false, state: &cluster.states[3], now: cluster.now))
        cluster.route(3)
        cluster.settle()
        cluster.run(until: { cluster.states[0].node(master)?.isReplica ?? false }, milliseconds: 3000)
        XCTAssertEqual(cluster.states[0].myself.masterID, replica)
        XCTAssertTrue(cluster.states[2].node(replica)!.isMaster)
        XCTAssertTrue(cluster.effects[0].contains { if case .pauseWrites = $0 { return true } else { return false } })
        XCTAssertTrue(cluster.effects[0].contains(.resumeWrites))
        XCTAssertTrue(cluster.effects[0].contains(.replicate(masterID: replica)))
        XCTAssertTrue(cluster.logs[0].contains("Manual failover requested by replica \(replica)."))
        XCTAssertTrue(cluster.logs[3].contains("All master replication stream processed, manual failover can start."))
        XCTAssertTrue(
            cluster.logs[0].contains("Failover auth granted to \(replica) for epoch 4"), "forced: the master votes")
        XCTAssertEqual(
            cluster.buses[0].startManualFailover(force: false, takeover: false, state: &cluster.states[1], now: 0),
            "ERR You should send CLUSTER FAILOVER to a replica")
    }

    /// CLUSTER FAILOVER TAKEOVER: no vote, a new epoch of its own, the slots at once.
    func testTakeover() {
        let cluster = withReplica()
        let replica = cluster.states[3].myselfID
        XCTAssertNil(
            cluster.buses[3].startManualFailover(
                force: false, takeover: true, state: &cluster.states[3], now: cluster.now))
        XCTAssertEqual(cluster.states[3].slotOwners[0], replica)
        XCTAssertEqual(cluster.states[3].myself.configEpoch, 4)
        cluster.route(3)
        cluster.settle()
        cluster.run(milliseconds: 1000)
        for state in cluster.states { XCTAssertEqual(state.slotOwners[0], replica) }
        XCTAssertFalse((cluster.logs[1] + cluster.logs[2]).contains { $0.hasPrefix("Failover auth granted") })
    }

    /// Replica migration: master 0 has two replicas (nodes 2 and 3), master 1 one (node 4). When node 4 dies and
    /// turns FAIL, master 1 is orphaned; after five seconds the replica of master 0 with the smaller ID (node 2)
    /// moves to it, and only that one.
    func testAReplicaMigratesToAnOrphanedMaster() {
        let cluster = SimulatedCluster(count: 5, slots: [Array(0...8191), Array(8192...16383), [], [], []])
        for index in 2...4 {
            cluster.states[index].myself.configEpoch = 0
            cluster.states[index].currentEpoch = 0
        }
        for index in 1...4 { cluster.meet(0, index) }
        cluster.run(milliseconds: 2000)
        let masters = [cluster.states[0].myselfID, cluster.states[1].myselfID]
        for (index, master) in [(2, masters[0]), (3, masters[0]), (4, masters[1])] {
            cluster.buses[index].becomeReplica(of: master, state: &cluster.states[index])
            cluster.route(index)
        }
        for index in 0...4 { cluster.buses[index].stateOK = true }
        cluster.run(milliseconds: 3000)
        XCTAssertEqual(cluster.states[0].replicas(of: masters[1]).map(\.id), [cluster.states[4].myselfID])
        cluster.kill(4)
        let moved = cluster.run(
            until: { cluster.states[2].myself.masterID == masters[1] }, milliseconds: 20_000)
        XCTAssertNotNil(moved)
        XCTAssertGreaterThan(moved ?? 0, ClusterBus.replicaMigrationDelay)
        XCTAssertTrue(cluster.logs[2].contains("Migrating to orphaned master \(masters[1])"))
        XCTAssertEqual(cluster.states[3].myself.masterID, masters[0], "only the candidate moves")
        cluster.run(milliseconds: 2000)
        XCTAssertEqual(cluster.states[1].node(cluster.states[2].myselfID)?.masterID, masters[1])
    }

    /// CLUSTER MEET of a node's own address: the handshake meets myself, nothing is learnt or renamed, and the
    /// handshake node goes away.
    func testMeetingMyselfChangesNothing() {
        let cluster = SimulatedCluster(count: 2, slots: [Array(0...10), []])
        let before = cluster.states[0]
        cluster.meet(0, 0)
        cluster.run(milliseconds: 1500)
        XCTAssertEqual(cluster.states[0].nodes.count, 1)
        XCTAssertEqual(cluster.states[0].myselfID, before.myselfID)
        XCTAssertEqual(cluster.states[0].slotOwners, before.slotOwners)
        XCTAssertEqual(cluster.states[0].myself.port, 7000)
        XCTAssertTrue(cluster.states[0].myself.flags.contains(.myself))
    }

    /// A peer announcing the largest current epoch and my config epoch: the collision bump wraps as Redis's
    /// unsigned arithmetic does instead of trapping.
    func testEpochsFromAPeerNeverTrap() {
        var state = ClusterState(
            myself: ClusterNode(
                id: String(repeating: "a", count: 40), ip: "198.18.0.1", port: 7000, busPort: 17000,
                flags: [.myself, .master]))
        let peer = String(repeating: "b", count: 40)
        state.upsert(ClusterNode(id: peer, ip: "198.18.0.2", port: 7000, busPort: 17000, flags: .master))
        var bus = ClusterBus(nodeTimeout: 2000, announcement: .init(port: 7000, busPort: 17000))
        let link = bus.accepted(now: 0)
        let ping = ClusterMessage(
            kind: .ping, port: 7000, busPort: 17000, currentEpoch: .max, configEpoch: 0, sender: peer,
            slots: SlotBitmap(), flags: .master, clusterOK: true, body: .gossip([], hostname: nil))
        bus.received(ping.encoded(), on: link, peerIP: "198.18.0.2", localIP: "198.18.0.1", state: &state, now: 0)
        XCTAssertEqual(state.currentEpoch, 0, "UInt64.max + 1 wraps")
        XCTAssertEqual(state.myself.configEpoch, 0)
        XCTAssertTrue(bus.takeActions().contains(.saveConfig))
    }
}
