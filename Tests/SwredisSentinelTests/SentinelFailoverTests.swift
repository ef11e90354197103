import SwredisSentinel
import XCTest

/// Failover paths beyond the straight one: timeouts, parallel-syncs, a replica that turned master by itself, a script
/// that keeps the master busy, TILT in votes.
final class SentinelFailoverTests: XCTestCase {
    private func replica(_ port: Int) -> InstanceReference { .replica(master: "mymaster", name: "127.0.0.1:\(port)") }
    private let runIDs = (0..<4).map { String(repeating: String($0), count: 40) }

    /// A master with replicas on `ports`, all linked and answering, no other sentinels (quorum 1).
    private func single(replicas ports: [Int], parallelSyncs: Int = 1) -> SentinelHarness {
        var h = SentinelHarness(quorum: 1, downAfter: 5000, failoverTimeout: 20_000)
        _ = h.core.updateSettings(of: "mymaster") { $0.parallelSyncs = parallelSyncs }
        h.advance(100)
        h.connect(.master("mymaster"))
        h.pong(.master("mymaster"))
        h.advance(100)
        h.info(.master("mymaster"), SentinelHarness.masterInfo(runID: runIDs[0], replicas: ports))
        h.advance(1000)
        for (index, port) in ports.enumerated() {
            h.connect(replica(port))
            h.info(
                replica(port),
                SentinelHarness.replicaInfo(runID: runIDs[index + 1], masterPort: 6379, offset: 10 * port))
        }
        _ = h.events()
        return h
    }

    private func answer(_ h: inout SentinelHarness, _ references: [InstanceReference]) {
        for reference in references { h.pong(reference) }
    }

    func testAPromotionNeverSeenAbortsAfterTheFailoverTimeout() throws {
        var h = single(replicas: [6380])
        _ = try h.core.forceFailover(name: "mymaster", now: h.now)
        for _ in 0..<3 {
            h.advance(100)
            answer(&h, [.master("mymaster"), replica(6380)])
        }
        XCTAssertTrue(h.events().contains { $0.hasPrefix("+failover-state-wait-promotion") })
        for _ in 0..<201 {
            h.advance(100)
            answer(&h, [.master("mymaster"), replica(6380)])
        }
        XCTAssertEqual(
            h.events().filter { $0.contains("abort") }, ["-failover-abort-slave-timeout master mymaster 127.0.0.1 6379"]
        )
        XCTAssertEqual(h.master.failoverState, .none)
        XCTAssertFalse(h.master.replicas[0].flags.contains(.promoted))
    }

    func testParallelSyncsLimitsReplicasReconfiguredAtOnce() throws {
        var h = single(replicas: [6380, 6381, 6382], parallelSyncs: 1)
        _ = try h.core.forceFailover(name: "mymaster", now: h.now)
        for _ in 0..<3 {
            h.advance(100)
            answer(&h, [.master("mymaster"), replica(6380), replica(6381), replica(6382)])
        }
        // 6382 has the largest offset.
        XCTAssertTrue(h.events().contains { $0.hasPrefix("+selected-slave slave 127.0.0.1:6382") })
        h.info(replica(6382), SentinelHarness.promotedInfo(runID: runIDs[3]))
        h.advance(100)
        h.advance(100)
        XCTAssertEqual(h.events().filter { $0.hasPrefix("+slave-reconf-sent") }.count, 1, "one at a time")
        let first = h.master.replicas.first { $0.flags.contains(.reconfigurationSent) }!.address.port
        let second = first == 6380 ? 6381 : 6380
        h.info(replica(first), SentinelHarness.replicaInfo(runID: runIDs[1], masterPort: 6382, linkUp: true))
        h.advance(100)
        XCTAssertEqual(
            h.events().filter { $0.hasPrefix("+slave-reconf") }.map { String($0.split(separator: " ")[0]) },
            ["+slave-reconf-inprog", "+slave-reconf-done", "+slave-reconf-sent"])
        XCTAssertTrue(h.master.replicas.first { $0.address.port == second }!.flags.contains(.reconfigurationSent))
    }

    func testAReplicaThatTurnedMasterByItselfIsConvertedBackOnceTheMasterLooksSane() {
        var h = single(replicas: [6380])
        h.info(replica(6380), SentinelHarness.promotedInfo(runID: runIDs[1]))
        XCTAssertEqual(
            h.events(),
            ["-role-change slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379 new reported role is master"])
        for _ in 0..<81 {
            h.advance(100)
            answer(&h, [.master("mymaster"), replica(6380)])
            h.info(.master("mymaster"), SentinelHarness.masterInfo(runID: runIDs[0], replicas: []))
        }
        h.info(replica(6380), SentinelHarness.promotedInfo(runID: runIDs[1]))
        XCTAssertEqual(h.events(), ["+convert-to-slave slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379"])
        XCTAssertTrue(h.sent(to: replica(6380)).contains("SLAVEOF 127.0.0.1 6379"))
    }

    func testABusyMasterThatIsDownGetsOneScriptKill() {
        var h = single(replicas: [])
        for _ in 0..<60 {
            h.advance(100)
        }
        XCTAssertTrue(h.events().contains("+sdown master mymaster 127.0.0.1 6379"))
        for _ in 0..<3 {
            h.actions += h.core.replied(
                .master("mymaster"), to: .ping,
                with: .error("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."),
                now: h.now)
        }
        XCTAssertEqual(h.sent(to: .master("mymaster")).filter { $0 == "SCRIPT KILL" }.count, 1)
        XCTAssertTrue(h.master.instance.flagsDescription.contains("script_kill_sent"))
        h.actions += h.core.replied(.master("mymaster"), to: .ping, with: .status("PONG"), now: h.now)
        h.advance(100)
        XCTAssertEqual(h.events().first, "-sdown master mymaster 127.0.0.1 6379")
        XCTAssertFalse(h.master.instance.flagsDescription.contains("script_kill_sent"))
    }

    func testInTiltAMasterIsNeverReportedDown() {
        var h = single(replicas: [])
        for _ in 0..<60 { h.advance(100) }
        let address = SentinelAddress(host: "127.0.0.1", port: 6379)
        XCTAssertTrue(h.core.isMasterDown(address: address, epoch: 1, candidate: "*", now: h.now).down)
        _ = h.core.enterTilt(now: h.now)
        XCTAssertFalse(h.core.isMasterDown(address: address, epoch: 1, candidate: "*", now: h.now).down)
    }
}

/// Directives that shape what is sent: rename-command, announce-ip/port in hellos, master-reboot-down-after-period.
final class SentinelDirectiveTests: XCTestCase {
    func testRenamedCommandsAreSentUnderTheirNewNames() {
        var h = SentinelHarness()
        _ = h.core.updateSettings(of: "mymaster") {
            $0.renamedCommands["PING"] = "PING-7f3a"
            $0.renamedCommands["INFO"] = "INFO-7f3a"
        }
        h.advance(100)
        h.connect(.master("mymaster"))
        h.advance(1100)
        let sent = h.sent(to: .master("mymaster"))
        XCTAssertTrue(sent.contains("PING-7f3a") && sent.contains("INFO-7f3a"), "\(sent)")
        XCTAssertFalse(sent.contains("PING"))
    }

    func testHellosCarryTheAnnouncedAddress() {
        var h = SentinelHarness()
        h.core.announceIP = "198.18.0.7"
        h.core.announcePort = 36379
        h.advance(100)
        h.connect(.master("mymaster"))
        h.advance(2100)
        let hellos = h.actions.compactMap { action -> String? in
            if case .sendHello(_, _, let hello) = action { return hello.payload(ip: "127.0.0.1") }
            return nil
        }
        XCTAssertEqual(
            hellos.first, "198.18.0.7,36379,\(SentinelHarness.myID),0,mymaster,127.0.0.1,6379,0")
    }

    func testARebootedMasterIsDownForTheRebootPeriod() {
        var h = SentinelHarness()
        _ = h.core.updateSettings(of: "mymaster") { $0.masterRebootDownAfter = 2000 }
        h.advance(100)
        h.connect(.master("mymaster"))
        h.info(.master("mymaster"), SentinelHarness.masterInfo(runID: String(repeating: "1", count: 40), replicas: []))
        h.info(.master("mymaster"), SentinelHarness.masterInfo(runID: String(repeating: "2", count: 40), replicas: []))
        XCTAssertEqual(h.events().last, "+reboot master mymaster 127.0.0.1 6379")
        for _ in 0..<25 {
            h.advance(100)
            h.actions += h.core.replied(.master("mymaster"), to: .ping, with: .error("LOADING"), now: h.now)
        }
        XCTAssertEqual(h.events(), ["+sdown master mymaster 127.0.0.1 6379"], "down for the reboot period")
        h.pong(.master("mymaster"))
        h.advance(100)
        XCTAssertEqual(h.events(), ["-sdown master mymaster 127.0.0.1 6379"], "a PONG ends it")
    }
}
