import SwredisSentinel
import XCTest

/// The sentinel core with an injected clock: discovery, SDOWN/ODOWN, votes, a whole failover, hellos, TILT.
final class SentinelCoreTests: XCTestCase {
    private let replica1 = InstanceReference.replica(master: "mymaster", name: "127.0.0.1:6380")
    private let replica2 = InstanceReference.replica(master: "mymaster", name: "127.0.0.1:6381")
    private func peer(_ index: Int) -> InstanceReference {
        .sentinel(master: "mymaster", runID: SentinelHarness.peerIDs[index])
    }
    private let id1 = String(repeating: "1", count: 40)
    private let id2 = String(repeating: "2", count: 40)
    private let id3 = String(repeating: "3", count: 40)

    /// A master with two replicas and two other sentinels, all linked and answering.
    private func topology(quorum: Int = 2) -> SentinelHarness {
        var h = SentinelHarness(quorum: quorum)
        XCTAssertEqual(h.events(), ["+monitor master mymaster 127.0.0.1 6379 quorum \(quorum)"])
        h.advance(100)
        XCTAssertTrue(h.actions.contains(.connect(.master("mymaster"), SentinelAddress(host: "127.0.0.1", port: 6379))))
        h.connect(.master("mymaster"))
        XCTAssertEqual(h.sent(to: .master("mymaster")), ["PING"])
        h.pong(.master("mymaster"))
        h.advance(100)
        XCTAssertEqual(h.sent(to: .master("mymaster")), ["PING", "INFO"])
        h.info(.master("mymaster"), SentinelHarness.masterInfo(runID: id1, replicas: [6380, 6381]))
        XCTAssertEqual(
            h.events(),
            [
                "+slave slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379",
                "+slave slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379",
            ])
        for index in 0..<2 { h.actions += h.core.helloReceived(SentinelHarness.hello(from: index), now: h.now) }
        XCTAssertEqual(
            h.events(),
            [
                "+sentinel sentinel \(SentinelHarness.peerIDs[0]) 127.0.0.1 26380 @ mymaster 127.0.0.1 6379",
                "+sentinel sentinel \(SentinelHarness.peerIDs[1]) 127.0.0.1 26381 @ mymaster 127.0.0.1 6379",
            ])
        h.advance(1000)
        for reference in [replica1, replica2, peer(0), peer(1)] { h.connect(reference) }
        h.info(replica1, SentinelHarness.replicaInfo(runID: id2, masterPort: 6379, offset: 500))
        h.info(replica2, SentinelHarness.replicaInfo(runID: id3, masterPort: 6379, offset: 900))
        keepAlive(&h, [.master("mymaster"), replica1, replica2, peer(0), peer(1)])
        _ = h.events()
        return h
    }

    /// Everything listed answers PING (and the replicas INFO) for the next `milliseconds`.
    private func keepAlive(
        _ h: inout SentinelHarness, _ references: [InstanceReference], for milliseconds: Int64 = 1000
    ) {
        for _ in 0..<(milliseconds / 100) {
            h.advance(100)
            for reference in references {
                h.pong(reference)
                h.actions += h.core.pubSubMessage(reference, payload: nil, now: h.now)
            }
        }
    }

    func testNoReplyForDownAfterIsSubjectivelyDownAndAPongEndsIt() {
        var h = topology()
        keepAlive(&h, [replica1, replica2, peer(0), peer(1)], for: 5000)
        XCTAssertEqual(h.events(), [], "5 s without a reply is not more than down-after-milliseconds")
        keepAlive(&h, [replica1, replica2, peer(0), peer(1)], for: 1500)
        XCTAssertEqual(h.events(), ["+sdown master mymaster 127.0.0.1 6379"])
        XCTAssertTrue(h.master.instance.flagsDescription.hasPrefix("s_down,master"))
        h.pong(.master("mymaster"))
        h.advance(100)
        XCTAssertEqual(h.events(), ["-sdown master mymaster 127.0.0.1 6379"])
    }

    /// A master whose connection closed (its process died) is timed from the first reconnection attempt, as Redis
    /// times it from the PING it queues on that attempt, not from the last reply before the close.
    func testAClosedLinkIsTimedFromTheFirstReconnectionAttempt() {
        var h = topology()
        let others = [replica1, replica2, peer(0), peer(1)]
        keepAlive(&h, others + [.master("mymaster")], for: 1000)
        keepAlive(&h, others, for: 900)
        h.actions += h.core.linkLost(.master("mymaster"), now: h.now)
        keepAlive(&h, others, for: 4500)
        XCTAssertEqual(h.events(), [], "5.4 s since the last reply, but only 4.5 s since the reconnection attempt")
        keepAlive(&h, others, for: 700)
        XCTAssertEqual(h.events(), ["+sdown master mymaster 127.0.0.1 6379"])
    }

    func testQuorumOfSentinelsMakesObjectivelyDown() {
        var h = topology(quorum: 3)
        keepAlive(&h, [replica1, replica2, peer(0), peer(1)], for: 6200)
        XCTAssertEqual(h.events(), ["+sdown master mymaster 127.0.0.1 6379"])
        let ask = "SENTINEL is-master-down-by-addr 127.0.0.1 6379 0 *"
        XCTAssertTrue(h.sent(to: peer(0)).contains(ask), "\(h.sent(to: peer(0)))")
        h.actions += h.core.replied(
            peer(0), to: .isMasterDown, with: .array([.integer(1), .bulk("*"), .integer(0)]), now: h.now)
        h.advance(100)
        XCTAssertEqual(h.events(), [], "two of three is below the quorum")
        h.actions += h.core.replied(
            peer(1), to: .isMasterDown, with: .array([.integer(1), .bulk("*"), .integer(0)]), now: h.now)
        h.advance(100)
        let events = h.events()
        XCTAssertEqual(events.first, "+odown master mymaster 127.0.0.1 6379 #quorum 3/3")
        XCTAssertEqual(
            Array(events.dropFirst().prefix(2)), ["+new-epoch 1", "+try-failover master mymaster 127.0.0.1 6379"])
        XCTAssertTrue(
            h.sent(to: peer(0)).contains("SENTINEL is-master-down-by-addr 127.0.0.1 6379 1 \(SentinelHarness.myID)"),
            "a candidate asks for votes with its run id")
    }

    func testOneVotePerEpochPersistedBeforeTheReply() {
        var h = topology()
        let address = SentinelAddress(host: "127.0.0.1", port: 6379)
        let first = h.core.isMasterDown(address: address, epoch: 7, candidate: SentinelHarness.peerIDs[0], now: h.now)
        XCTAssertEqual(first.leader, SentinelHarness.peerIDs[0])
        XCTAssertEqual(first.leaderEpoch, 7)
        XCTAssertFalse(first.down)
        XCTAssertEqual(first.actions.filter { $0 == .persist }.count, 2, "the new epoch and the vote are written")
        XCTAssertEqual(h.core.currentEpoch, 7)
        let second = h.core.isMasterDown(address: address, epoch: 7, candidate: SentinelHarness.peerIDs[1], now: h.now)
        XCTAssertEqual(second.leader, SentinelHarness.peerIDs[0], "the epoch's vote is kept")
        XCTAssertFalse(second.actions.contains(.persist))
        let older = h.core.isMasterDown(address: address, epoch: 6, candidate: SentinelHarness.peerIDs[1], now: h.now)
        XCTAssertEqual(older.leader, SentinelHarness.peerIDs[0])
        XCTAssertEqual(older.leaderEpoch, 7)
        let later = h.core.isMasterDown(address: address, epoch: 8, candidate: SentinelHarness.peerIDs[1], now: h.now)
        XCTAssertEqual(later.leader, SentinelHarness.peerIDs[1])
        let unknown = h.core.isMasterDown(
            address: SentinelAddress(host: "127.0.0.1", port: 1), epoch: 9, candidate: "*", now: h.now)
        XCTAssertNil(unknown.leader)
        XCTAssertEqual(h.core.currentEpoch, 8, "an unknown master's request changes nothing")
    }

    func testAWholeFailoverPromotesTheBestReplicaAndSwitchesTheMaster() {
        var h = topology()
        keepAlive(&h, [replica1, replica2, peer(0), peer(1)], for: 6200)
        XCTAssertEqual(h.events(), ["+sdown master mymaster 127.0.0.1 6379"])
        let downSince = h.master.instance.subjectivelyDownSince
        XCTAssertNil(h.master.formerMasterReachableUntil, "no other master described since monitoring began")
        // The peers agree the master is down and vote for us once asked in epoch 1.
        let down = SentinelReply.array([.integer(1), .bulk("*"), .integer(0)])
        h.actions += h.core.replied(peer(0), to: .isMasterDown, with: down, now: h.now)
        h.advance(100)
        let vote = SentinelReply.array([.integer(1), .bulk(SentinelHarness.myID), .integer(1)])
        h.actions += h.core.replied(peer(0), to: .isMasterDown, with: vote, now: h.now)
        h.actions += h.core.replied(peer(1), to: .isMasterDown, with: vote, now: h.now)
        for _ in 0..<3 {
            h.advance(100)
            h.info(replica1, SentinelHarness.replicaInfo(runID: id2, masterPort: 6379, linkUp: false, offset: 500))
            h.info(replica2, SentinelHarness.replicaInfo(runID: id3, masterPort: 6379, linkUp: false, offset: 900))
            for reference in [replica1, replica2, peer(0), peer(1)] { h.pong(reference) }
        }
        let events = h.events()
        XCTAssertEqual(
            events.filter { !$0.hasPrefix("+vote-for-leader") && !$0.hasPrefix("+new-epoch") },
            [
                "+odown master mymaster 127.0.0.1 6379 #quorum 2/2",
                "+try-failover master mymaster 127.0.0.1 6379",
                "+elected-leader master mymaster 127.0.0.1 6379",
                "+failover-state-select-slave master mymaster 127.0.0.1 6379",
                "+selected-slave slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379",
                "+failover-state-send-slaveof-noone slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379",
                "+failover-state-wait-promotion slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379",
            ], "the replica with the larger offset is chosen")
        XCTAssertTrue(events.contains("+vote-for-leader \(SentinelHarness.myID) 1"))
        XCTAssertEqual(
            h.sent(to: replica2).filter { $0 != "PING" && $0 != "INFO" },
            ["MULTI", "SLAVEOF NO ONE", "CONFIG REWRITE", "CLIENT KILL TYPE normal", "CLIENT KILL TYPE pubsub", "EXEC"])
        h.actions.removeAll()
        h.info(replica2, SentinelHarness.promotedInfo(runID: id3))
        XCTAssertEqual(
            h.events(),
            [
                "-role-change slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379 new reported role is master",
                "+promoted-slave slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379",
                "+failover-state-reconf-slaves master mymaster 127.0.0.1 6379",
            ])
        XCTAssertEqual(h.master.instance.configEpoch, 1)
        XCTAssertEqual(
            h.master.formerMasterReachableUntil, downSince,
            "clients are given the promoted replica now; the old master was last described reachable when it went down")
        h.advance(100)
        XCTAssertEqual(h.events(), ["+slave-reconf-sent slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379"])
        h.info(replica1, SentinelHarness.replicaInfo(runID: id2, masterPort: 6381, linkUp: false))
        h.info(replica1, SentinelHarness.replicaInfo(runID: id2, masterPort: 6381, linkUp: true))
        XCTAssertEqual(
            h.events(),
            [
                "+slave-reconf-inprog slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379",
                "+slave-reconf-done slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379",
            ])
        h.advance(100)
        XCTAssertEqual(
            h.events(),
            [
                "+failover-end master mymaster 127.0.0.1 6379",
                "+switch-master mymaster 127.0.0.1 6379 127.0.0.1 6381",
                "+slave slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6381",
                "+slave slave 127.0.0.1:6379 127.0.0.1 6379 @ mymaster 127.0.0.1 6381",
            ])
        XCTAssertEqual(h.master.instance.address, SentinelAddress(host: "127.0.0.1", port: 6381))
        XCTAssertEqual(
            h.master.formerMasterReachableUntil, downSince, "the switch at the end keeps the promotion's bound")
        XCTAssertEqual(h.master.failoverState, .none)
        XCTAssertEqual(h.master.sentinels.count, 2, "sentinels stay known")
    }

    func testNotElectedAbortsAfterTheElectionTimeout() {
        var h = topology()
        keepAlive(&h, [replica1, replica2, peer(0), peer(1)], for: 6200)
        let down = SentinelReply.array([.integer(1), .bulk("*"), .integer(0)])
        h.actions += h.core.replied(peer(0), to: .isMasterDown, with: down, now: h.now)
        h.advance(100)
        _ = h.events()
        // The peers voted for someone else in epoch 1.
        let other = SentinelReply.array([.integer(1), .bulk(SentinelHarness.peerIDs[0]), .integer(1)])
        for _ in 0..<101 {
            h.actions += h.core.replied(peer(0), to: .isMasterDown, with: other, now: h.now)
            h.actions += h.core.replied(peer(1), to: .isMasterDown, with: other, now: h.now)
            h.advance(100)
            h.pong(peer(0))
            h.pong(peer(1))
        }
        XCTAssertEqual(
            h.events().filter { $0.contains("failover") },
            ["-failover-abort-not-elected master mymaster 127.0.0.1 6379"])
        XCTAssertEqual(h.master.failoverState, .none)
    }

    func testReplicaSelectionOrder() {
        var h = topology()
        h.info(replica1, SentinelHarness.replicaInfo(runID: id2, masterPort: 6379, priority: 10, offset: 1))
        h.info(replica2, SentinelHarness.replicaInfo(runID: id3, masterPort: 6379, priority: 100, offset: 999))
        XCTAssertThrowsError(try h.core.forceFailover(name: "nope", now: h.now))
        var forced = h
        XCTAssertNoThrow(try forced.core.forceFailover(name: "mymaster", now: h.now))
        forced.advance(100)
        forced.advance(100)
        XCTAssertTrue(
            forced.events().contains("+selected-slave slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379"),
            "a lower priority wins over a larger offset")
        XCTAssertThrowsError(try forced.core.forceFailover(name: "mymaster", now: forced.now)) {
            XCTAssertEqual($0 as? SentinelCore.ForcedFailoverError, .inProgress)
        }
        h.info(replica1, SentinelHarness.replicaInfo(runID: id2, masterPort: 6379, priority: 0))
        h.info(replica2, SentinelHarness.replicaInfo(runID: id3, masterPort: 6379, priority: 0))
        XCTAssertThrowsError(try h.core.forceFailover(name: "mymaster", now: h.now)) {
            XCTAssertEqual($0 as? SentinelCore.ForcedFailoverError, .noGoodReplica, "priority 0 is never promoted")
        }
    }

    func testANewerConfigurationInAHelloSwitchesTheMaster() {
        var h = topology()
        h.advance(100)
        h.actions += h.core.helloReceived(
            SentinelHarness.hello(from: 0, epoch: 4, masterPort: 6380, configEpoch: 4), now: h.now)
        XCTAssertEqual(
            h.events(),
            [
                "+new-epoch 4",
                "+config-update-from sentinel \(SentinelHarness.peerIDs[0]) 127.0.0.1 26380 @ mymaster 127.0.0.1 6379",
                "+switch-master mymaster 127.0.0.1 6379 127.0.0.1 6380",
                "+slave slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6380",
                "+slave slave 127.0.0.1:6379 127.0.0.1 6379 @ mymaster 127.0.0.1 6380",
            ])
        XCTAssertEqual(h.core.currentEpoch, 4)
        XCTAssertEqual(h.master.formerMasterReachableUntil, h.now, "the old master was reachable until the switch")
        h.actions += h.core.helloReceived(
            SentinelHarness.hello(from: 1, epoch: 4, masterPort: 6379, configEpoch: 3), now: h.now)
        XCTAssertEqual(h.events(), [], "an older configuration is ignored")
        h.actions += h.core.helloReceived("garbage,1,2", now: h.now)
        h.actions += h.core.helloReceived("127.0.0.1,99999999999999999999,x,1,mymaster,h,1,1", now: h.now)
        XCTAssertEqual(h.events(), [])
    }

    func testAClockJumpEntersTiltAndNothingIsJudgedUntilItEnds() {
        var h = topology()
        h.now += 3000
        h.actions += h.core.tick(now: h.now)
        XCTAssertEqual(h.events(), ["+tilt #tilt mode entered"])
        XCTAssertTrue(h.core.tilt)
        h.advance(29_000)
        XCTAssertFalse(h.events().contains { $0.hasPrefix("+sdown") }, "no SDOWN in TILT")
        h.advance(1000)
        let events = h.events()
        XCTAssertEqual(events.first, "-tilt #tilt mode exited")
        XCTAssertTrue(events.contains("+sdown master mymaster 127.0.0.1 6379"))
    }

    func testAReplicaFollowingTheWrongMasterIsFixedOnceTheMasterLooksSane() {
        var h = SentinelHarness(failoverTimeout: 2000)
        h.advance(100)
        h.connect(.master("mymaster"))
        h.pong(.master("mymaster"))
        h.advance(100)
        h.info(.master("mymaster"), SentinelHarness.masterInfo(runID: id1, replicas: [6380]))
        h.advance(1000)
        h.connect(replica1)
        h.info(replica1, SentinelHarness.replicaInfo(runID: id2, masterPort: 7000))
        _ = h.events()
        keepAlive(&h, [.master("mymaster"), replica1], for: 2100)
        h.info(.master("mymaster"), SentinelHarness.masterInfo(runID: id1, replicas: [6380]))
        h.info(replica1, SentinelHarness.replicaInfo(runID: id2, masterPort: 7000))
        XCTAssertEqual(h.events(), ["+fix-slave-config slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379"])
        XCTAssertTrue(h.sent(to: replica1).contains("SLAVEOF 127.0.0.1 6379"))
    }

    func testARebootedInstanceIsReported() {
        var h = topology()
        h.info(
            .master("mymaster"),
            SentinelHarness.masterInfo(runID: String(repeating: "9", count: 40), replicas: [6380, 6381]))
        XCTAssertEqual(h.events(), ["+reboot master mymaster 127.0.0.1 6379"])
    }
}
