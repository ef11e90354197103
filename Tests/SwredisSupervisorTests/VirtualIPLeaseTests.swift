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
        XCTAssertEqual(lease.receive(round([me, nil, nil], at: 3600), now: 3610), [], "no majority: no add")
        XCTAssertEqual(lease.state, .waiting(since: 10, addAt: 3510, epoch: 1), "and no new wait")
        XCTAssertEqual(
            lease.receive(round([other, other, nil], at: 3700), now: 3710),
            [.log("VIP: confirmation lost before the address was added")])
        XCTAssertEqual(lease.state, .released, "another master: the wait ends")
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

    func testViewsOfAMasterTheSentinelsSeeDownRenewNothing() {
        var lease = holding()
        var down = me
        down.reachable = false
        XCTAssertEqual(lease.receive(round([down, down, me], at: 4500), now: 4510), [])
        XCTAssertEqual(lease.state, .holding(until: 6500, epoch: 1), "not renewed")
        XCTAssertEqual(lease.tick(now: 6500).count, 1, "dropped when the lease runs out")
    }

    func testTheSentinelsBoundOnFormerMastersShortensTheWait() {
        var lease = VirtualIPLease(sentinelCount: 3, lease: 3000, margin: 500)
        func view(_ until: Int64?) -> SentinelView {
            SentinelView(host: "198.18.0.1", port: 6379, configEpoch: 2, formerMasterReachableUntil: until)
        }
        // A sentinel without a bound counts as unbounded: with one dead and one silent, no bound at all.
        XCTAssertNil(lease.previousHolderRenewalBound(round([view(1000), view(nil), nil], at: 5000), epoch: 2))
        // The majority-th latest: of (unbounded, 1200, 1000) the 2nd is 1200.
        XCTAssertEqual(
            lease.previousHolderRenewalBound(round([view(1000), view(1200), nil], at: 5000), epoch: 2), 1200)
        XCTAssertEqual(
            lease.previousHolderRenewalBound(round([view(900), view(1200), view(700)], at: 5000), epoch: 2), 900)
        // Bounds given for another epoch or by views that refute this host say nothing.
        XCTAssertNil(lease.previousHolderRenewalBound(round([view(1000), view(1200), nil], at: 5000), epoch: 3))
        // 1200 + 3000 + 500 = 4700 < 5010: the address is added with the first confirmation.
        XCTAssertEqual(
            lease.receive(round([view(1000), view(1200), nil], at: 5000), now: 5010).last, .add(epoch: 2))
        XCTAssertEqual(lease.state, .holding(until: 8000, epoch: 2))
        // A later bound only waits until it has passed, and never past the plain rule.
        var later = VirtualIPLease(sentinelCount: 3, lease: 3000, margin: 500)
        XCTAssertEqual(later.receive(round([view(4000), view(4500), nil], at: 5000), now: 5010).count, 1)
        XCTAssertEqual(later.state, .waiting(since: 5010, addAt: 8000, epoch: 2))
        XCTAssertEqual(later.receive(round([view(4000), view(4500), nil], at: 8000), now: 8010), [.add(epoch: 2)])
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

    /// The same failover with the sentinels' bounds: host 1 is cut off at 19 s, the sentinels see it down from
    /// 20.5 s and switch at 22 s, saying they last described host 1 as reachable at 20.5 s. Host 1 drops by
    /// 19 s + lease at the latest; host 2 adds at 20.5 s + lease + margin = 24 s, not 3.5 s after its confirmation.
    func testNeverTwoHoldersWithTheSentinelsBound() {
        let a = SentinelView(host: "198.18.0.1", port: 6379, configEpoch: 0)
        var aDown = a
        aDown.reachable = false
        let b = SentinelView(host: "198.18.0.2", port: 6379, configEpoch: 1, formerMasterReachableUntil: 20_500)
        var first = VirtualIPLease(sentinelCount: 3, lease: 3000, margin: 500)
        var second = VirtualIPLease(sentinelCount: 3, lease: 3000, margin: 500)
        var addedAt: Int64?
        for step in stride(from: Int64(0), to: 40_000, by: 100) {
            let views: [SentinelView?] =
                step < 20_500 ? [a, a, a] : step < 22_000 ? [aDown, aDown, aDown] : [b, b, b]
            if step % 500 == 0 {
                _ = first.receive(
                    LeaseRound(
                        started: step, views: step >= 19_000 ? [nil, nil, nil] : views, localIsMaster: true,
                        isLocal: { $0.host == "198.18.0.1" }), now: step + 50)
                let actions = second.receive(
                    LeaseRound(
                        started: step, views: views, localIsMaster: step >= 21_000,
                        isLocal: { $0.host == "198.18.0.2" }), now: step + 50)
                if actions.contains(.add(epoch: 1)) { addedAt = step + 50 }
            }
            _ = first.tick(now: step + 60)
            _ = second.tick(now: step + 60)
            if case .holding = first.state, case .holding = second.state { XCTFail("two holders at \(step)") }
        }
        XCTAssertEqual(addedAt, 24_050)
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
        XCTAssertEqual(settings.virtualIP?.effectiveMargin, 300)
        XCTAssertEqual(settings.virtualIP?.roundInterval, 1000)
    }
}
