import XCTest

@testable import SwredisSupervisor

final class ClusterLayoutTests: XCTestCase {
    func layout(_ text: String) -> (ClusterLayout?, [String]) {
        let (settings, problems) = SupervisorSettings.parse(text, file: "swredisd.conf")
        return (settings.cluster, problems.map(\.description))
    }

    func testParsesMastersAndReplicasInOrder() {
        let (parsed, problems) = layout(
            "cluster-master a\ncluster-master b\ncluster-replica c a\ncluster-replica d b\n")
        XCTAssertEqual(problems, [])
        XCTAssertEqual(parsed?.masters, ["a", "b"])
        XCTAssertEqual(parsed?.replicas.map(\.name), ["c", "d"])
        XCTAssertEqual(parsed?.replicas.map(\.master), ["a", "b"])
        XCTAssertEqual(parsed?.nodes, ["a", "b", "c", "d"])
    }

    func testRefusesDuplicatesAndBadArity() {
        let (_, problems) = layout(
            "cluster-master a\ncluster-master a\ncluster-replica b\ncluster-replica c c\ncluster-master x y\n")
        XCTAssertEqual(
            problems,
            [
                "swredisd.conf:2: instance 'a' is declared twice in the cluster",
                "swredisd.conf:3: 'cluster-replica' takes the replica's instance name and its master's",
                "swredisd.conf:4: instance 'c' can't replicate itself",
                "swredisd.conf:5: 'cluster-master' takes exactly one argument",
            ])
    }

    /// The slot split is redis-cli's: 3 masters get 0-5460, 5461-10922, 10923-16383.
    func testSlotRangesMatchRedisCli() {
        var three = ClusterLayout()
        for name in ["a", "b", "c"] { _ = three.addMaster(name) }
        XCTAssertEqual(three.slotRanges.map(\.first), [0, 5461, 10923])
        XCTAssertEqual(three.slotRanges.map(\.last), [5460, 10922, 16383])
        var one = ClusterLayout()
        _ = one.addMaster("a")
        XCTAssertEqual(one.slotRanges.map(\.first), [0])
        XCTAssertEqual(one.slotRanges.map(\.last), [16383])
        var seven = ClusterLayout()
        for index in 0..<7 { _ = seven.addMaster("n\(index)") }
        let ranges = seven.slotRanges
        XCTAssertEqual(ranges.first?.first, 0)
        XCTAssertEqual(ranges.last?.last, 16383)
        for (left, right) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(left.last + 1, right.first) }
    }

    func testProbeReadsClusterNodes() {
        let fresh = ClusterNodeProbe.parse(
            id: "a", nodes: "a 127.0.0.1:7000@17000 myself,master - 0 0 0 connected\n")
        XCTAssertTrue(fresh.isFresh)
        let replica = ClusterNodeProbe.parse(
            id: "c",
            nodes: """
                a 127.0.0.1:7000@17000 master - 0 1 1 connected 0-5460 [5461-<-b]
                b 127.0.0.1:7001@17001 master - 0 1 2 connected 5461-16383
                c 127.0.0.1:7002@17002 myself,slave a 0 0 1 connected
                d 127.0.0.1:7003@17003 handshake - 0 0 0 connected

                """)
        XCTAssertFalse(replica.isFresh)
        XCTAssertEqual(replica.known, ["a", "b", "c"])
        XCTAssertEqual(replica.slotsAssigned, 16384)
        XCTAssertEqual(replica.masterID, "a")
        let absurd = ClusterNodeProbe.parse(
            id: "a", nodes: "a 127.0.0.1:7000@17000 myself,master - 0 0 0 connected 0-9223372036854775807 5-1\n")
        XCTAssertEqual(absurd.slotsAssigned, 16384, "ranges are bounded to the slot space, never overflow")
    }

    func testPlanFormsOnlyAllFreshAndLeavesAFormedClusterAlone() {
        var layout = ClusterLayout()
        _ = layout.addMaster("a")
        _ = layout.addMaster("b")
        _ = layout.addReplica("c", of: "a")
        func fresh(_ id: String) -> ClusterNodeProbe { ClusterNodeProbe(id: id, known: [id], slotsAssigned: 0) }
        XCTAssertEqual(
            ClusterFormationPlan.decide(layout: layout, probes: ["a": fresh("A"), "b": fresh("B"), "c": fresh("C")]),
            .form)
        let all: Set<String> = ["A", "B", "C"]
        let formed = [
            "a": ClusterNodeProbe(id: "A", known: all, slotsAssigned: 16384),
            "b": ClusterNodeProbe(id: "B", known: all, slotsAssigned: 16384),
            "c": ClusterNodeProbe(id: "C", known: all, slotsAssigned: 16384, masterID: "A"),
        ]
        XCTAssertEqual(ClusterFormationPlan.decide(layout: layout, probes: formed), .formed)
        var replaced = formed
        replaced["c"] = fresh("C2")
        XCTAssertEqual(ClusterFormationPlan.decide(layout: layout, probes: replaced), .join(["c"]))
    }
}
