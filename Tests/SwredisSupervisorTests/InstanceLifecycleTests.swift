import XCTest

@testable import SwredisSupervisor

final class InstanceLifecycleTests: XCTestCase {
    let policy = RestartPolicy(
        initialDelay: 100, maximumDelay: 1000, stableAfter: 30_000, maximumQuickDeaths: 5, stopTimeout: 5000)

    func lifecycle() -> InstanceLifecycle {
        InstanceLifecycle(name: "6380", policy: policy, jitter: { 0.5 })
    }

    func testStartReadyStop() {
        var life = lifecycle()
        XCTAssertEqual(life.handle(.start, now: 0), [.spawn])
        XCTAssertEqual(life.handle(.spawned(pid: 42), now: 1), [.writePidfile(pid: 42)])
        XCTAssertEqual(life.state, .starting(pid: 42))
        _ = life.handle(.ready, now: 50)
        XCTAssertEqual(life.state, .ready(pid: 42))
        XCTAssertEqual(life.handle(.stop, now: 100), [.terminate(pid: 42), .scheduleTimer(at: 5100)])
        XCTAssertEqual(life.handle(.timer, now: 200), [], "not yet at the deadline")
        XCTAssertEqual(life.handle(.exited(reason: "exited with status 0"), now: 300).first, .removePidfile)
        XCTAssertEqual(life.state, .stopped)
        XCTAssertEqual(life.restarts, 0)
    }

    func testStopTimeoutKills() {
        var life = lifecycle()
        _ = life.handle(.start, now: 0)
        _ = life.handle(.spawned(pid: 7), now: 0)
        _ = life.handle(.stop, now: 1000)
        XCTAssertEqual(life.handle(.timer, now: 6000).first, .kill(pid: 7))
    }

    func testFirstDeathRestartsAtOnceThenBacksOffThenFails() {
        var life = lifecycle()
        _ = life.handle(.start, now: 0)
        _ = life.handle(.spawned(pid: 1), now: 0)
        var actions = life.handle(.exited(reason: "killed by signal 9"), now: 10)
        XCTAssertEqual(actions.last, .spawn, "first death: immediate restart")
        XCTAssertEqual(life.restarts, 1)
        var now = 10
        var delays: [Int] = []
        for pid in 2...5 {
            _ = life.handle(.spawned(pid: Int32(pid)), now: now)
            actions = life.handle(.exited(reason: "exited with status 1"), now: now + 5)
            now += 5
            if case .backoff(let until) = life.state {
                delays.append(until - now)
                XCTAssertEqual(actions.last, .scheduleTimer(at: until))
                XCTAssertEqual(life.handle(.timer, now: until - 1), [], "timer before the deadline does nothing")
                XCTAssertEqual(life.handle(.timer, now: until), [.spawn])
                now = until
            }
        }
        XCTAssertEqual(delays, [100, 200, 400], "doubling from the initial delay (jitter 0.5 = no change)")
        if case .failed = life.state {} else { XCTFail("expected failed after 5 quick deaths, got \(life.state)") }
        XCTAssertEqual(life.quickDeaths, 5)
        XCTAssertEqual(life.handle(.timer, now: now + 10_000), [], "a failed instance stays down")
        XCTAssertEqual(life.handle(.start, now: now + 20_000), [.spawn], "until started by hand")
        XCTAssertEqual(life.quickDeaths, 0)
    }

    func testAStableInstanceStartsCountingAgain() {
        var life = lifecycle()
        _ = life.handle(.start, now: 0)
        for round in 0..<10 {
            let start = round * 60_000
            _ = life.handle(.spawned(pid: Int32(round + 1)), now: start)
            let actions = life.handle(.exited(reason: "killed"), now: start + 40_000)
            XCTAssertEqual(actions.last, .spawn, "each death after 40 s up is a first death")
        }
        XCTAssertEqual(life.quickDeaths, 1)
        XCTAssertEqual(life.restarts, 10)
    }

    func testBackoffIsCappedAndJittered() {
        var life = InstanceLifecycle(
            name: "x",
            policy: RestartPolicy(
                initialDelay: 100, maximumDelay: 300, stableAfter: 30_000,
                maximumQuickDeaths: 100), jitter: { 0.99 })
        _ = life.handle(.start, now: 0)
        var now = 0
        for pid in 1...8 {
            _ = life.handle(.spawned(pid: Int32(pid)), now: now)
            _ = life.handle(.exited(reason: "x"), now: now)
            if case .backoff(let until) = life.state {
                XCTAssertLessThanOrEqual(until - now, 360)
                now = until
                _ = life.handle(.timer, now: now)
            }
        }
    }

    func testStoppingWhileBackingOffCancelsTheRestart() {
        var life = lifecycle()
        _ = life.handle(.start, now: 0)
        _ = life.handle(.spawned(pid: 1), now: 0)
        _ = life.handle(.exited(reason: "x"), now: 1)
        _ = life.handle(.spawned(pid: 2), now: 2)
        _ = life.handle(.exited(reason: "x"), now: 3)
        guard case .backoff = life.state else { return XCTFail("expected backoff") }
        XCTAssertEqual(life.handle(.stop, now: 4), [])
        XCTAssertEqual(life.handle(.timer, now: 10_000), [])
        XCTAssertEqual(life.state, .stopped)
    }
}
