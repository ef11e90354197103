import NIOCore
import SwredisBytes
import SwredisClient
import SwredisEngine
import SwredisLog

#if canImport(Glibc)
import Glibc
#endif

/// The shell around `SentinelCore`, on the engine's event loop: runs the timer, owns the links to the instances,
/// carries out the core's actions (connections, commands, events published to our own subscribers, the state
/// written to disk, scripts) and feeds back what comes in. The SENTINEL command handlers call it.
public final class SentinelController {
    public internal(set) var core: SentinelCore
    var globals: SentinelGlobals
    let persistence: SentinelPersistence
    /// Set by `SentinelServer` once the engine exists (the engine's command table holds handlers that call us).
    var engine: Engine?
    var loop: EventLoop?
    /// Flushes replies written outside a client's own command (our events to subscribers).
    var flushClients: () -> Void = {}
    var links: [InstanceReference: SentinelLink] = [:]
    let scripts: SentinelScripts
    /// The sentinel's own `requirepass`, used with other sentinels when no sentinel-pass is set.
    var ownPassword: String?
    private var timer: RepeatedTask?

    init(core: SentinelCore, globals: SentinelGlobals, persistence: SentinelPersistence) {
        self.core = core
        self.globals = globals
        self.persistence = persistence
        scripts = SentinelScripts()
    }

    /// The time the core runs on: wall-clock milliseconds, as Redis's `mstime()` (a jump is what TILT detects).
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    /// Starts the timer (Redis runs it from the cron at 10..19 Hz; every 100 ms here) and announces the masters.
    func start(on loop: EventLoop, flush: @escaping () -> Void) {
        self.loop = loop
        flushClients = flush
        serverLog(.warning, "Sentinel ID is \(core.myID)")
        for master in core.masters {
            perform([
                .event(
                    SentinelEvent(
                        level: .warning, type: "+monitor",
                        message: core.describe(.master(master.name)) + " quorum \(master.settings.quorum)"))
            ])
        }
        timer = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) {
            [unowned self] _ in
            self.perform(self.core.tick(now: Self.now()))
            self.scripts.run(now: Self.now(), events: { self.perform($0) })
            self.flushClients()
        }
    }

    // MARK: Actions

    func perform(_ actions: [SentinelAction]) {
        for action in actions {
            switch action {
            case .connect(let reference, let address):
                connect(reference, address)
            case .disconnect(let reference):
                links.removeValue(forKey: reference)?.close()
            case .send(let reference, let commands, let request):
                send(reference, commands, request)
            case .sendHello(let reference, let command, let hello):
                guard let link = links[reference], let connection = link.command else { continue }
                let payload = hello.payload(ip: link.localIP ?? "127.0.0.1")
                reply(
                    on: link, request: .hello, from: connection.send([command, SentinelTiming.helloChannel, payload]))
            case .event(let event):
                raise(event)
            case .log(let level, let message):
                serverLog(level, message)
            case .persist:
                _ = flush()
            case .runScript(let path, let arguments):
                scripts.schedule(path: path, arguments: arguments, now: Self.now())
            case .crash:
                serverLog(.warning, "Sentinel CRASH because of SENTINEL simulate-failure")
                exit(99)
            }
        }
    }

    /// Logs the event, and publishes it to our own subscribers unless it is a debug one.
    private func raise(_ event: SentinelEvent) {
        serverLog(event.level, "\(event.type) \(event.message)")
        guard event.level != .debug, let engine else { return }
        _ = engine.publish(ByteString(event.type), ByteString(event.message))
    }

    /// Writes the state; logs as redis-sentinel does. False when it could not be written.
    @discardableResult
    func flush() -> Bool {
        do {
            try persistence.save(core: core, globals: globals)
            serverLog(.notice, "Sentinel new configuration saved on disk")
            return true
        } catch {
            serverLog(.warning, "WARNING: Sentinel was not able to save the new configuration on disk!!!: \(error)")
            return false
        }
    }

    // MARK: Links

    private func connect(_ reference: InstanceReference, _ address: SentinelAddress) {
        links.removeValue(forKey: reference)?.close()
        let link = SentinelLink(reference: reference)
        links[reference] = link
        open(link, address, kind: "cmd") { connection in
            link.command = connection
            self.linkProgressed(link)
        }
        guard link.needsPubSub else { return }
        let subscribe = core.master(named: reference.masterName)?.command("SUBSCRIBE") ?? "SUBSCRIBE"
        open(link, address, kind: "pubsub") { connection in
            link.pubSub = connection
            connection.onPush = { [unowned self] token in self.pubSubMessage(token, on: link) }
            connection.send([subscribe, SentinelTiming.helloChannel]).whenComplete { reply in
                // A refused SUBSCRIBE (NOAUTH, NOPERM) closes the connection, as hiredis does.
                guard case .success(let token) = reply, token.errorMessage == nil else {
                    self.lost(link)
                    return
                }
                link.subscribed = true
                self.linkProgressed(link)
            }
        }
    }

    /// Opens one of the link's connections, authenticates it and names it `sentinel-<id prefix>-<kind>` (as
    /// redis-sentinel does); `ready` runs once it is open and still wanted. A failure or a close loses the link.
    private func open(
        _ link: SentinelLink, _ address: SentinelAddress, kind: String, ready: @escaping (RESPConnection) -> Void
    ) {
        guard let loop else { return }
        let credentials = self.credentials(for: link.reference)
        let master = core.master(named: link.reference.masterName)
        let command = { (word: String) in master?.command(word) ?? word }
        let name = "sentinel-\(core.myID.prefix(8))-\(kind)"
        RESPConnection.connect(host: address.host, port: address.port, on: loop, timeout: .seconds(3))
            .whenComplete { [unowned self] result in
                guard case .success(let connection) = result, self.links[link.reference] === link, !link.closed else {
                    if case .success(let connection) = result { connection.close() }
                    self.lost(link)
                    return
                }
                connection.channel.closeFuture.whenComplete { _ in self.lost(link) }
                if let credentials { _ = connection.send([command("AUTH")] + credentials) }
                _ = connection.send([command("CLIENT"), "SETNAME", name])
                ready(connection)
            }
    }

    private func linkProgressed(_ link: SentinelLink) {
        guard link.isComplete, !link.reportedUp, !link.closed, links[link.reference] === link else { return }
        link.reportedUp = true
        perform(core.linkConnected(link.reference, now: Self.now()))
    }

    private func lost(_ link: SentinelLink) {
        guard !link.closed else { return }
        link.close()
        guard links[link.reference] === link else { return }
        links.removeValue(forKey: link.reference)
        perform(core.linkLost(link.reference, now: Self.now()))
    }

    /// AUTH's arguments: the master's auth-pass (and auth-user) for masters and replicas; for sentinels
    /// sentinel-pass (and sentinel-user), else our own requirepass.
    private func credentials(for reference: InstanceReference) -> [String]? {
        if case .sentinel = reference {
            if let pass = globals.sentinelPass { return globals.sentinelUser.map { [$0, pass] } ?? [pass] }
            return ownPassword.map { [$0] }
        }
        guard let settings = core.master(named: reference.masterName)?.settings, let pass = settings.authPass else {
            return nil
        }
        return settings.authUser.map { [$0, pass] } ?? [pass]
    }

    private func pubSubMessage(_ token: RESPToken, on link: SentinelLink) {
        guard links[link.reference] === link else { return }
        var payload: String?
        if case .array(let elements) = SentinelReply(token), elements.count == 3, elements[0] == .bulk("message"),
            elements[1] == .bulk(SentinelTiming.helloChannel), case .bulk(let text?) = elements[2],
            !text.contains(core.myID)
        {
            payload = text
        }
        perform(core.pubSubMessage(link.reference, payload: payload, now: Self.now()))
    }

    private func send(_ reference: InstanceReference, _ commands: [[String]], _ request: SentinelRequest) {
        guard let link = links[reference], let connection = link.command else { return }
        for words in commands { reply(on: link, request: request, from: connection.send(words)) }
    }

    /// Hands the reply to the core, unless its link was replaced meanwhile (a reply of a dropped connection must not
    /// count for the new one, as with Redis).
    private func reply(on link: SentinelLink, request: SentinelRequest, from future: EventLoopFuture<RESPToken>) {
        future.whenSuccess { [unowned self] token in
            guard self.links[link.reference] === link else { return }
            self.perform(self.core.replied(link.reference, to: request, with: SentinelReply(token), now: Self.now()))
        }
    }

    /// Closes the links of a master and its replicas (credentials changed).
    func dropLinks(ofMaster name: String, sentinels: Bool) {
        for (reference, link) in links where reference.masterName == name {
            if case .sentinel = reference, !sentinels { continue }
            link.close()
            links.removeValue(forKey: reference)
            perform(core.linkLost(reference, now: Self.now()))
        }
    }

    /// Closes every sentinel link (sentinel-user/sentinel-pass changed).
    func dropSentinelLinks() {
        for (reference, link) in links {
            guard case .sentinel = reference else { continue }
            link.close()
            links.removeValue(forKey: reference)
            perform(core.linkLost(reference, now: Self.now()))
        }
    }
}
