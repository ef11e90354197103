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
    /// Called on the supervisor's queue whenever the lease is taken or given up (STATUS= follows it).
    var heldChanged: (() -> Void)?

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
        heldChanged = nil
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

    /// Rounds come every third of the lease; every 100 ms while this host's instance is a master that does not hold
    /// the VIP yet, so a failover's new holder is confirmed, and adds the address, without waiting for the next round.
    private var roundInterval: Int64 {
        switch lease.state {
        case .holding: return Int64(settings.roundInterval)
        case .waiting: return 100
        case .released: return localWasMaster ? 100 : Int64(settings.roundInterval)
        }
    }
    private var localWasMaster = false

    private func tick() {
        let now = Self.now()
        perform(lease.tick(now: now))
        guard !roundRunning, now - lastRound >= roundInterval else { return }
        roundRunning = true
        lastRound = now
        let settings = settings
        let localPort = localPort
        let decider = lease
        let interval = Int(roundInterval)
        DispatchQueue.global().async {
            let round = Self.gather(settings: settings, localPort: localPort, started: now, timeout: interval) {
                if case .confirmed = decider.verdict($0) { return true }
                return false
            }
            self.queue.async {
                self.roundRunning = false
                self.localWasMaster = round.localIsMaster
                if let master = round.views.compactMap({ $0 }).max(by: { $0.configEpoch < $1.configEpoch }) {
                    self.lastMaster = "\(master.host):\(master.port)"
                }
                self.perform(self.lease.receive(round, now: Self.now()))
            }
        }
    }

    /// Asks every sentinel and the local instance at once, each answer bounded by `timeout` (the interval between
    /// rounds, 100 ms while a new holder waits: a dead sentinel costs no more than that); the round ends
    /// when all have answered, or earlier once the local instance has and `decided` holds for the answers so far (a
    /// sentinel that answers later counts as one that did not answer, which a lease must survive anyway).
    static func gather(
        settings: VirtualIPSettings, localPort: Int, started: Int64, timeout: Int,
        decided: @escaping (LeaseRound) -> Bool
    ) -> LeaseRound {
        let answers = RoundAnswers(count: settings.sentinels.count)
        let arrived = DispatchSemaphore(value: 0)
        for (index, sentinel) in settings.sentinels.enumerated() {
            DispatchQueue.global().async {
                let view = Self.ask(sentinel, master: settings.master, timeout: timeout)
                answers.lock.withLock {
                    answers.views[index] = view
                    answers.pending -= 1
                }
                arrived.signal()
            }
        }
        DispatchQueue.global().async {
            let reply = BlockingRESP.call(
                host: "127.0.0.1", port: localPort, ["ROLE"], timeoutMilliseconds: timeout)
            let isMaster =
                reply.flatMap { token -> Bool? in
                    guard case .array(let elements) = token.value else { return nil }
                    return elements.first { _ in true }?.string == "master"
                } ?? false
            answers.lock.withLock {
                answers.localIsMaster = isMaster
                answers.pending -= 1
                answers.localAnswered = true
            }
            arrived.signal()
        }
        let addresses = LocalAddresses.current(excluding: settings.address)
        let isLocal: @Sendable (SentinelView) -> Bool = { addresses.contains($0.host) && $0.port == localPort }
        // Every query gives up by its own deadline, so each signals once: wait for all, or for a decision.
        while true {
            arrived.wait()
            let (views, localIsMaster, pending, localAnswered) = answers.lock.withLock {
                (answers.views, answers.localIsMaster, answers.pending, answers.localAnswered)
            }
            let round = LeaseRound(started: started, views: views, localIsMaster: localIsMaster, isLocal: isLocal)
            if pending == 0 || (localAnswered && decided(round)) { return round }
        }
    }

    /// `SENTINEL GET-MASTER-ADDR-BY-NAME` (during a failover it already names the promoted replica) and `SENTINEL
    /// MASTER` (epoch, flags and a swredis sentinel's bound on former masters), pipelined on one connection.
    private static func ask(_ sentinel: (host: String, port: Int), master: String, timeout: Int) -> SentinelView? {
        guard
            let replies = BlockingRESP.pipeline(
                host: sentinel.host, port: sentinel.port,
                [["SENTINEL", "GET-MASTER-ADDR-BY-NAME", master], ["SENTINEL", "MASTER", master]],
                timeoutMilliseconds: timeout),
            replies.count == 2, case .array(let aggregate) = replies[0].value,
            case let address = Array(aggregate), address.count == 2,
            let host = address[0].string, let port = address[1].string.flatMap({ Int($0) }),
            case .array(let elements) = replies[1].value
        else { return nil }
        let answeredBy = now()
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
        guard let epoch = fields["config-epoch"].flatMap({ UInt64($0) }), let flags = fields["flags"] else {
            return nil
        }
        // The flags are the master record's: during a promotion that is still the old master's, which says nothing
        // about the address clients are now given.
        let describesRecord = fields["ip"] == host && fields["port"] == String(port)
        let down = flags.split(separator: ",").contains { $0 == "s_down" || $0 == "o_down" }
        let formerAge = fields["swredis-former-master-reachable-time"].flatMap { Int64($0) }
        return SentinelView(
            host: host, port: port, configEpoch: epoch, reachable: !(describesRecord && down),
            formerMasterReachableUntil: formerAge.map { answeredBy - max(0, $0) })
    }

    // MARK: Actions

    private func perform(_ list: [VirtualIPLease.Action]) {
        defer {
            if list.contains(where: { if case .log = $0 { return false } else { return true } }) { heldChanged?() }
        }
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
        // IPv6: no duplicate address detection. The lease already guarantees one holder, and a tentative address
        // answers no neighbour solicitation for the second DAD takes.
        let arguments =
            settings.isIPv6
            ? ["ip", "-6", "addr", "replace", cidr, "dev", settings.interface, "nodad"]
            : ["ip", "-4", "addr", "replace", cidr, "dev", settings.interface]
        let status = CommandRunner.run(arguments)
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
    var localAnswered = false
    /// Queries not yet answered or given up: the sentinels' and the local instance's.
    var pending: Int

    init(count: Int) {
        views = [SentinelView?](repeating: nil, count: count)
        pending = count + 1
    }
}
