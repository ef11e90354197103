import Dispatch
import SwredisClient
import SwredisLog

#if canImport(Glibc)
import Glibc
#endif

/// The shell of `VirtualIPLease` on one host: every third of the lease it asks every sentinel where the master is
/// and the local data instance whether it is one (in parallel, each bounded by the round interval), feeds the round
/// to the lease, and carries out its actions in order on its own queue: fencing the local instance (CLIENT PAUSE
/// WRITE, CLIENT KILL TYPE normal) before the address is removed, adding the address (`ip addr`, or the hook) then
/// announcing it (gratuitous ARP; for IPv6 an unsolicited neighbour advertisement), lifting the fence. Every add and drop is logged with its reason
/// and epoch.
final class VirtualIPManager {
    let settings: VirtualIPSettings
    /// The supervisor's queue: the lease's state lives there.
    private let queue: DispatchQueue
    /// Commands run here, one after another, off the supervisor's queue.
    private let actions = DispatchQueue(label: "swredisd.vip")
    private var lease: VirtualIPLease
    private var timer: DispatchSourceTimer?
    private var roundRunning = false
    private var lastRound: Int64 = 0
    /// The local data instance's port, and how to reach it.
    private let localPort: Int
    private(set) var lastMaster = ""

    init(settings: VirtualIPSettings, localPort: Int, queue: DispatchQueue) {
        self.settings = settings
        self.queue = queue
        self.localPort = localPort
        lease = VirtualIPLease(
            sentinelCount: settings.sentinels.count, lease: Int64(settings.leaseMilliseconds),
            margin: Int64(settings.effectiveMargin))
    }

    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    func start() {
        serverLog(
            .notice,
            "VIP \(settings.address)/\(settings.prefix) on \(settings.interface.isEmpty ? "(hook)" : settings.interface) follows \(settings.master): lease \(settings.leaseMilliseconds) ms, margin \(settings.effectiveMargin) ms, \(settings.sentinels.count) sentinels (majority \(lease.majority))"
        )
        // An address left by a crashed supervisor is not ours until a majority says so.
        actions.async { self.removeAddress() }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: .milliseconds(100))
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
        self.timer = timer
    }

    /// Drops the VIP at shutdown (the instance is stopping too).
    func stop() {
        timer?.cancel()
        timer = nil
        if case .holding(_, let epoch) = lease.state {
            perform([.drop(reason: "the supervisor is stopping", epoch: epoch)])
        }
        actions.sync {}
    }

    /// `VIP 198.18.0.100/24 on eth0: held (epoch 3, lease 2.1 s left)`, for ctl status and STATUS=.
    var status: String {
        let now = Self.now()
        let state: String
        switch lease.state {
        case .released: state = "not held"
        case .waiting(_, let addAt, let epoch):
            state = "waiting (epoch \(epoch), adding in \(max(0, addAt - now)) ms)"
        case .holding(let until, let epoch):
            state = "held (epoch \(epoch), lease \(max(0, until - now)) ms left)"
        }
        return "VIP \(settings.address)/\(settings.prefix): \(state)"
    }

    var isHeld: Bool {
        if case .holding = lease.state { return true }
        return false
    }

    private func tick() {
        let now = Self.now()
        perform(lease.tick(now: now))
        guard !roundRunning, now - lastRound >= Int64(settings.roundInterval) else { return }
        roundRunning = true
        lastRound = now
        let settings = settings
        let localPort = localPort
        DispatchQueue.global().async {
            let round = Self.gather(settings: settings, localPort: localPort, started: now)
            self.queue.async {
                self.roundRunning = false
                if let master = round.views.compactMap({ $0 }).max(by: { $0.configEpoch < $1.configEpoch }) {
                    self.lastMaster = "\(master.host):\(master.port)"
                }
                self.perform(self.lease.receive(round, now: Self.now()))
            }
        }
    }

    /// Asks every sentinel and the local instance at once; each answer bounded by the round interval.
    static func gather(settings: VirtualIPSettings, localPort: Int, started: Int64) -> LeaseRound {
        let timeout = settings.roundInterval
        let answers = RoundAnswers(count: settings.sentinels.count)
        let group = DispatchGroup()
        for (index, sentinel) in settings.sentinels.enumerated() {
            DispatchQueue.global().async(group: group) {
                let view = Self.ask(sentinel, master: settings.master, timeout: timeout)
                answers.lock.withLock { answers.views[index] = view }
            }
        }
        DispatchQueue.global().async(group: group) {
            let reply = BlockingRESP.call(
                host: "127.0.0.1", port: localPort, ["ROLE"], timeoutMilliseconds: timeout)
            let isMaster =
                reply.flatMap { token -> Bool? in
                    guard case .array(let elements) = token.value else { return nil }
                    return elements.first { _ in true }?.string == "master"
                } ?? false
            answers.lock.withLock { answers.localIsMaster = isMaster }
        }
        group.wait()
        let addresses = LocalAddresses.current(excluding: settings.address)
        let (views, localIsMaster) = answers.lock.withLock { (answers.views, answers.localIsMaster) }
        return LeaseRound(
            started: started, views: views, localIsMaster: localIsMaster,
            isLocal: { addresses.contains($0.host) && $0.port == localPort })
    }

    private static func ask(_ sentinel: (host: String, port: Int), master: String, timeout: Int) -> SentinelView? {
        guard
            let reply = BlockingRESP.call(
                host: sentinel.host, port: sentinel.port, ["SENTINEL", "MASTER", master], timeoutMilliseconds: timeout),
            case .array(let elements) = reply.value
        else { return nil }
        var fields: [String: String] = [:]
        var key: String?
        for element in elements {
            guard let text = element.string else { return nil }
            if let name = key {
                fields[name] = text
                key = nil
            } else {
                key = text
            }
        }
        guard let host = fields["ip"], let port = fields["port"].flatMap({ Int($0) }),
            let epoch = fields["config-epoch"].flatMap({ UInt64($0) })
        else { return nil }
        return SentinelView(host: host, port: port, configEpoch: epoch)
    }

    // MARK: Actions

    private func perform(_ list: [VirtualIPLease.Action]) {
        for action in list {
            switch action {
            case .log(let message):
                serverLog(.notice, message)
            case .add(let epoch):
                let settings = settings
                actions.async {
                    self.unfence()
                    self.addAddress()
                    defer { self.announce() }
                    serverLog(
                        .warning,
                        "VIP \(settings.address)/\(settings.prefix) added on \(settings.interface) at epoch \(epoch): a majority of sentinels reports this host's instance as master"
                    )
                }
            case .drop(let reason, let epoch):
                let settings = settings
                // Fenced first: from the moment the lease is given up the instance acknowledges no write.
                actions.async {
                    self.fence()
                    self.removeAddress()
                    serverLog(
                        .warning,
                        "VIP \(settings.address)/\(settings.prefix) dropped at epoch \(epoch): \(reason) (writes paused, clients closed)"
                    )
                }
            }
        }
    }

    /// Stops the local instance from acknowledging writes at once and closes its clients' connections (those made
    /// through the VIP would otherwise go on writing to a master that lost its lease).
    private func fence() {
        _ = BlockingRESP.call(
            host: "127.0.0.1", port: localPort, ["CLIENT", "PAUSE", "31536000000", "WRITE"], timeoutMilliseconds: 1000)
        _ = BlockingRESP.call(
            host: "127.0.0.1", port: localPort, ["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"],
            timeoutMilliseconds: 1000)
    }

    private func unfence() {
        _ = BlockingRESP.call(host: "127.0.0.1", port: localPort, ["CLIENT", "UNPAUSE"], timeoutMilliseconds: 1000)
    }

    private func addAddress() {
        let cidr = "\(settings.address)/\(settings.prefix)"
        if !settings.hook.isEmpty {
            _ = CommandRunner.run([
                settings.hook, settings.master, "observer", "start", "0.0.0.0", "0",
                settings.address, String(localPort), "add",
            ])
            return
        }
        let family = settings.isIPv6 ? "-6" : "-4"
        let status = CommandRunner.run(["ip", family, "addr", "replace", cidr, "dev", settings.interface])
        if status != 0 {
            serverLog(.warning, "VIP: ip addr replace \(cidr) dev \(settings.interface) failed (\(status))")
        }
    }

    /// Tells the neighbours at once, so their caches point at this host's MAC now, not after they expire: gratuitous
    /// ARP (IPv4), an unsolicited neighbour advertisement (IPv6).
    private func announce() {
        guard settings.hook.isEmpty else { return }
        if settings.isIPv6 {
            NeighborAdvertisement.send(address: settings.address, interface: settings.interface)
        } else {
            GratuitousARP.send(address: settings.address, interface: settings.interface)
        }
    }

    private func removeAddress() {
        let cidr = "\(settings.address)/\(settings.prefix)"
        if !settings.hook.isEmpty {
            _ = CommandRunner.run([
                settings.hook, settings.master, "observer", "start", settings.address,
                String(localPort), "0.0.0.0", "0", "del",
            ])
            return
        }
        let family = settings.isIPv6 ? "-6" : "-4"
        _ = CommandRunner.run(["ip", family, "addr", "del", cidr, "dev", settings.interface], quietFailure: true)
    }
}

/// What a round's parallel queries fill in, under its lock.
private final class RoundAnswers: @unchecked Sendable {
    let lock = NSLockLike()
    var views: [SentinelView?]
    var localIsMaster = false

    init(count: Int) { views = [SentinelView?](repeating: nil, count: count) }
}
