import SwredisSentinel
import XCTest

/// `sentinel` lines: redis-sentinel's errors, the order they are applied in, and the lines a rewrite writes.
final class SentinelConfigurationTests: XCTestCase {
    private func load(_ lines: [[String]]) throws -> SentinelCore {
        var configuration = SentinelConfiguration()
        for words in lines { try configuration.add(words) }
        var core = SentinelCore(
            myID: configuration.myID ?? String(repeating: "f", count: 40), listeningPort: 26379, now: 0)
        try configuration.apply(to: &core, now: 0)
        return core
    }

    private func error(_ lines: [[String]]) -> String? {
        do {
            _ = try load(lines)
            return nil
        } catch let error as SentinelConfiguration.LineError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    func testRedisSentinelErrorTexts() {
        XCTAssertEqual(error([["monitor", "m", "127.0.0.1", "6379", "0"]]), "Quorum must be 1 or greater.")
        XCTAssertEqual(error([["monitor", "m", "127.0.0.1", "70000", "1"]]), "Invalid port number.")
        XCTAssertEqual(
            error([["monitor", "m", "127.0.0.1", "1", "1"], ["monitor", "m", "127.0.0.1", "2", "1"]]),
            "Duplicate master name.")
        XCTAssertEqual(error([["failover-timeout", "x", "10"]]), "No such master with specified name.")
        XCTAssertEqual(
            error([["monitor", "m", "127.0.0.1", "1", "1"], ["down-after-milliseconds", "m", "-5"]]),
            "negative or zero time parameter.")
        XCTAssertEqual(error([["myid", "short"]]), "Malformed Sentinel id in myid option.")
        XCTAssertEqual(error([["monitor", "m", "127.0.0.1"]]), "Unrecognized sentinel configuration statement.")
        XCTAssertEqual(
            error([["resolve-hostnames", "perhaps"]]), "Please specify yes or no for the resolve-hostnames option.")
        XCTAssertEqual(
            error([
                ["monitor", "m", "127.0.0.1", "1", "1"], ["known-replica", "m", "127.0.0.1", "2"],
                ["known-replica", "m", "127.0.0.1", "2"],
            ]), "Duplicate hostname and port for replica.")
        XCTAssertEqual(
            error([["monitor", "m", "127.0.0.1", "1", "1"], ["notification-script", "m", "/nonexistent/script"]]),
            "Notification script seems non existing or non executable.")
    }

    func testHostnamesNeedResolveHostnames() throws {
        XCTAssertEqual(error([["monitor", "m", "localhost", "6379", "1"]]), "Can't resolve instance hostname.")
        var core = try load([["resolve-hostnames", "yes"], ["monitor", "m", "localhost", "6379", "1"]])
        XCTAssertEqual(
            core.master(named: "m")?.instance.address,
            SentinelAddress(host: "127.0.0.1", port: 6379, hostname: "localhost"))
        XCTAssertEqual(core.describe(.master("m")), "master m 127.0.0.1 6379")
        core.announceHostnames = true
        XCTAssertEqual(core.describe(.master("m")), "master m localhost 6379", "announce-hostnames shows the name")
        var globals = SentinelGlobals()
        globals.resolveHostnames = true
        globals.announceHostnames = true
        XCTAssertTrue(
            SentinelConfiguration.rewriteLines(core: core, globals: globals).contains(
                "sentinel monitor m localhost 6379 1"))
    }

    func testSettingsMayPrecedeTheirMonitorLineAndStateIsRestored() throws {
        let id = String(repeating: "1", count: 40)
        let peer = String(repeating: "2", count: 40)
        let core = try load([
            ["down-after-milliseconds", "m", "2000"], ["config-epoch", "m", "5"], ["myid", id],
            ["monitor", "m", "127.0.0.1", "6379", "2"], ["known-replica", "m", "127.0.0.1", "6380"],
            ["known-sentinel", "m", "127.0.0.1", "26380", peer], ["leader-epoch", "m", "4"], ["current-epoch", "3"],
        ])
        let master = try XCTUnwrap(core.master(named: "m"))
        XCTAssertEqual(master.settings.downAfter, 2000)
        XCTAssertEqual(master.instance.configEpoch, 5)
        XCTAssertEqual(master.instance.leaderEpoch, 4)
        XCTAssertEqual(core.currentEpoch, 5, "a config epoch raises the current epoch")
        XCTAssertEqual(master.replicas.map(\.name), ["127.0.0.1:6380"])
        XCTAssertEqual(master.sentinels.map(\.name), [peer])
        XCTAssertEqual(core.myID, id)
        var globals = SentinelGlobals()
        globals.announceIP = "198.18.0.1"
        XCTAssertEqual(
            SentinelConfiguration.rewriteLines(core: core, globals: globals),
            [
                "sentinel myid \(id)", "sentinel monitor m 127.0.0.1 6379 2",
                "sentinel down-after-milliseconds m 2000", "sentinel config-epoch m 5", "sentinel leader-epoch m 4",
                "sentinel known-replica m 127.0.0.1 6380", "sentinel known-sentinel m 127.0.0.1 26380 \(peer)",
                "sentinel current-epoch 5", "sentinel announce-ip \"198.18.0.1\"",
            ])
    }
}
