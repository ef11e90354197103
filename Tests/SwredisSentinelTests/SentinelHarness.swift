import SwredisSentinel

/// A sentinel core driven by a test: its own clock, every action kept, and the instances' answers fed back.
struct SentinelHarness {
    var core: SentinelCore
    var now: Int64 = 1_000_000
    var actions: [SentinelAction] = []
    static let myID = String(repeating: "a", count: 40)
    static let peerIDs = [String(repeating: "b", count: 40), String(repeating: "c", count: 40)]

    init(quorum: Int = 2, downAfter: Int64 = 5000, failoverTimeout: Int64 = 60_000) {
        core = SentinelCore(myID: Self.myID, listeningPort: 26379, now: now, random: { _ in 0 })
        var settings = MasterSettings(quorum: quorum)
        settings.downAfter = downAfter
        settings.failoverTimeout = failoverTimeout
        actions +=
            (try? core.monitor(
                name: "mymaster", address: SentinelAddress(host: "127.0.0.1", port: 6379), settings: settings, now: now))
            ?? []
    }

    var master: MonitoredMaster { core.master(named: "mymaster")! }

    /// Events raised since the last call, as `<type> <message>` (the other actions stay).
    mutating func events() -> [String] {
        defer {
            actions.removeAll {
                if case .event = $0 { return true }
                return false
            }
        }
        return actions.compactMap {
            if case .event(let event) = $0 { return "\(event.type) \(event.message)" }
            return nil
        }
    }

    /// Commands sent since the last call to `reference`, flattened to strings.
    func sent(to reference: InstanceReference) -> [String] {
        actions.flatMap { action -> [String] in
            if case .send(reference, let commands, _) = action { return commands.map { $0.joined(separator: " ") } }
            return []
        }
    }

    mutating func advance(_ milliseconds: Int64) {
        // The timer runs every 100 ms, so TILT never sees a jump.
        var left = milliseconds
        while left > 0 {
            let step = min(100, left)
            now += step
            left -= step
            actions += core.tick(now: now)
        }
    }

    mutating func connect(_ reference: InstanceReference) {
        actions += core.linkConnected(reference, now: now)
    }

    mutating func pong(_ reference: InstanceReference) {
        actions += core.replied(reference, to: .ping, with: .status("PONG"), now: now)
    }

    mutating func info(_ reference: InstanceReference, _ text: String) {
        actions += core.replied(reference, to: .info, with: .bulk(text), now: now)
    }

    static func masterInfo(runID: String = String(repeating: "1", count: 40), replicas: [Int]) -> String {
        var lines = [
            "# Server", "run_id:\(runID)", "# Replication", "role:master", "connected_slaves:\(replicas.count)",
        ]
        for (index, port) in replicas.enumerated() {
            lines.append("slave\(index):ip=127.0.0.1,port=\(port),state=online,offset=100,lag=0")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func replicaInfo(
        runID: String, masterPort: Int, linkUp: Bool = true, priority: Int = 100, offset: Int = 100
    ) -> String {
        [
            "# Server", "run_id:\(runID)", "# Replication", "role:slave", "master_host:127.0.0.1",
            "master_port:\(masterPort)", "master_link_status:\(linkUp ? "up" : "down")", "slave_repl_offset:\(offset)",
            "slave_priority:\(priority)",
        ].joined(separator: "\r\n") + "\r\n"
    }

    static func promotedInfo(runID: String) -> String {
        ["# Server", "run_id:\(runID)", "# Replication", "role:master", "connected_slaves:0"].joined(separator: "\r\n")
            + "\r\n"
    }

    /// The hello another sentinel publishes.
    static func hello(from index: Int, epoch: UInt64 = 0, masterPort: Int = 6379, configEpoch: UInt64 = 0) -> String {
        "127.0.0.1,\(26380 + index),\(peerIDs[index]),\(epoch),mymaster,127.0.0.1,\(masterPort),\(configEpoch)"
    }
}
