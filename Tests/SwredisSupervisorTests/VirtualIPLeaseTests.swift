import SwredisSupervisor
import XCTest

/// The VIP lease with a test clock: never two holders, self-fencing when cut off, a new holder waiting out the old
/// lease.
final class VirtualIPLeaseTests: XCTestCase {
    private let me = SentinelView(host: "198.18.0.1", port: 6379, configEpoch: 1)
    private let other = SentinelView(host: "198.18.0.2", port: 6379, configEpoch: 2)

    private func round(_ views: [SentinelView?], at started: Int64, master: Bool = true) -> LeaseRound {
        LeaseRound(started: started, views: views, localIsMaster: master) { $0.host == "198.18.0.1" }
    }

    private func holding(at now: Int64 = 0) -> VirtualIPLease {
        var lease = VirtualIPLease(sentinelCount: 3, lease: 3000, margin: 500)
        XCTAssertEqual(lease.receive(round([me, me, nil], at: now), now: now + 10).count, 1, "a log line: waiting")
        XCTAssertEqual(lease.receive(round([me, me, me], at: now + 1000), now: now + 1010), [])
        XCTAssertEqual(lease.receive(round([me, me, me], at: now + 3500), now: now + 3510), [.add(epoch: 1)])
        XCTAssertEqual(lease.state, .holding(until: now + 6500, epoch: 1))
        return lease
    }

    func testAddsOnlyAfterLeasePlusMarginFromTheFirstConfirmation() {
        var lease = VirtualIPLease(sentinelCount: 3, lease: 3000, margin: 500)
        _ = lease.receive(round([me, me, nil], at: 0), now: 10)
        XCTAssertEqual(lease.tick(now: 3600), [], "a wait ends only with a fresh confirmation")
        XCTAssertEqual(lease.receive(round([me, nil, nil], at: 3600), now: 3610), [], "no majority: back to released")
        XCTAssertEqual(lease.state, .released)
        _ = holding(at: 10_000)
    }

    func testRenewalsExtendTheLeaseFromTheRoundStart() {
        var lease = holding()
        XCTAssertEqual(lease.receive(round([me, nil, me], at: 5000), now: 5400), [])
        XCTAssertEqual(lease.state, .holding(until: 8000, epoch: 1))
    }

    func testCutOffFromTheMajorityItDropsWhenTheLeaseRunsOut() {
        var lease = holding()
        XCTAssertEqual(lease.receive(round([nil, nil, me], at: 4500), now: 5500), [], "one sentinel is no majority")
        XCTAssertEqual(lease.tick(now: 6499), [])
        XCTAssertEqual(
            lease.tick(now: 6500),
            [.drop(reason: "lease expired: no majority of sentinels confirmed this host within 3000 ms", epoch: 1)])
        XCTAssertEqual(lease.state, .released)
    }

    func testANewerEpochElsewhereDropsAtOnceEvenFromOneSentinel() {
        var lease = holding()
        XCTAssertEqual(
            lease.receive(round([me, other, me], at: 4000), now: 4010),
            [.drop(reason: "sentinels report 198.18.0.2:6379 as master at epoch 2", epoch: 1)])
    }

    func testALocalInstanceThatIsNoLongerMasterDrops() {
        var lease = holding()
        XCTAssertEqual(
            lease.receive(round([me, me, me], at: 4000, master: false), now: 4010),
            [.drop(reason: "the local instance does not report role:master", epoch: 1)])
    }

    /// Two hosts driven by one schedule of sentinel answers: at no instant do both hold the VIP.
    func testNeverTwoHoldersAcrossAFailover() {
        let a = SentinelView(host: "198.18.0.1", port: 6379, configEpoch: 0)
        let b = SentinelView(host: "198.18.0.2", port: 6379, configEpoch: 1)
        var first = VirtualIPLease(sentinelCount: 3, lease: 3000, margin: 500)
        var second = VirtualIPLease(sentinelCount: 3, lease: 3000, margin: 500)
        var holders: [Int64: Int] = [:]
        // The sentinels switch from a to b at 20 s; host 1 is partitioned from 19 s (its rounds get no answers).
        for step in stride(from: Int64(0), to: 40_000, by: 100) {
            let views: [SentinelView?] = step < 20_000 ? [a, a, a] : [b, b, b]
            if step % 1000 == 0 {
                _ = first.receive(
                    LeaseRound(
                        started: step, views: step >= 19_000 ? [nil, nil, nil] : views, localIsMaster: step < 25_000,
                        isLocal: { $0.host == "198.18.0.1" }), now: step + 50)
                _ = second.receive(
                    LeaseRound(
                        started: step, views: views, localIsMaster: step >= 20_000,
                        isLocal: { $0.host == "198.18.0.2" }), now: step + 50)
            }
            _ = first.tick(now: step + 60)
            _ = second.tick(now: step + 60)
            var count = 0
            if case .holding = first.state { count += 1 }
            if case .holding = second.state { count += 1 }
            holders[step] = count
        }
        XCTAssertEqual(holders.values.max(), 1)
        XCTAssertEqual(holders[15_000], 1, "host 1 held before the partition")
        XCTAssertEqual(holders[39_900], 1, "host 2 holds after the failover")
        if case .holding = first.state { XCTFail("the partitioned host must have dropped") }
    }
}

/// `vip-*` lines in swredisd.conf: what is refused, at which line.
final class VirtualIPSettingsTests: XCTestCase {
    func testDeclarationErrorsNameTheLine() {
        let (_, problems) = SupervisorSettings.parse(
            "vip-address 198.18.0.100\nvip-lease-ms 10\nvip-sentinels 198.18.0.1\nvip-hook relative\n", file: "s.conf")
        XCTAssertEqual(
            problems.map(\.description),
            [
                "s.conf:1: vip-address must be ADDRESS/PREFIX (198.18.0.100/24)",
                "s.conf:2: vip-lease-ms must be a number from 300 to 600000",
                "s.conf:3: vip-sentinels must be HOST:PORT[,HOST:PORT...] ('198.18.0.1')",
                "s.conf:4: vip-hook must be an absolute path",
            ])
        XCTAssertEqual(
            SupervisorSettings.parse("# vip\nvip-interface eth0\n", file: "s.conf").1.map(\.description),
            ["s.conf:2: a virtual IP needs vip-address"])
        let (settings, none) = SupervisorSettings.parse(
            "vip-address 2001:db8::10/64\nvip-interface eth0\nvip-sentinels [2001:db8::1]:26379,198.18.0.2:26379\n",
            file: "s.conf")
        XCTAssertEqual(none, [])
        XCTAssertEqual(settings.virtualIP?.isIPv6, true)
        XCTAssertEqual(settings.virtualIP?.sentinels.map(\.host), ["2001:db8::1", "198.18.0.2"])
        XCTAssertEqual(settings.virtualIP?.effectiveMargin, 500)
        XCTAssertEqual(settings.virtualIP?.roundInterval, 1000)
    }
}
