import SwredisLog

/// Sentinel's monitoring, agreement and failover as a pure state machine (Redis 7.0's `sentinel.c`): the
/// monitored masters with the replicas and sentinels found for them, the current epoch and votes, TILT. Events in
/// (the timer, replies, link changes, hellos, commands), actions out (connect, send, publish, persist, scripts).
/// Time is the caller's: every entry point takes `now` in milliseconds; randomness comes from `random`. The shell
/// (`SentinelServer`) owns sockets, files and processes.
public struct SentinelCore {
    public var myID: String
    public var currentEpoch: UInt64
    public internal(set) var masters: [MonitoredMaster] = []
    public internal(set) var tilt = false
    public internal(set) var tiltStart: Int64 = 0
    var previousTime: Int64
    /// announce-ip / announce-port (0: the listening port).
    public var announceIP: String?
    public var announcePort = 0
    /// announce-hostnames: instances are shown by the names they were configured with.
    public var announceHostnames = false
    public var listeningPort: Int
    public var simulatedFailures: SimulatedFailures = []
    /// The periods SENTINEL DEBUG tunes.
    public var periods = SentinelPeriods()
    /// 0 ..< bound, for the random parts of timing (failover start desync).
    var random: (UInt64) -> UInt64
    var actions: [SentinelAction] = []

    public struct SimulatedFailures: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let crashAfterElection = SimulatedFailures(rawValue: 1 << 0)
        public static let crashAfterPromotion = SimulatedFailures(rawValue: 1 << 1)
    }

    public init(
        myID: String, currentEpoch: UInt64 = 0, listeningPort: Int, now: Int64,
        random: @escaping (UInt64) -> UInt64 = { UInt64.random(in: 0..<max(1, $0)) }
    ) {
        self.myID = myID
        self.currentEpoch = currentEpoch
        self.listeningPort = listeningPort
        self.previousTime = now
        self.random = random
    }

    // MARK: Masters

    public func masterIndex(named name: String) -> Int? {
        masters.firstIndex { $0.name == name }
    }

    public func master(named name: String) -> MonitoredMaster? {
        masterIndex(named: name).map { masters[$0] }
    }

    public func master(at address: SentinelAddress) -> MonitoredMaster? {
        masters.first { $0.instance.address.matches(host: address.host, port: address.port) }
    }

    public enum MonitorError: Error, Equatable {
        case duplicateName
        case duplicateAddress
    }

    /// SENTINEL MONITOR (and `sentinel monitor` in the config file). `event` is false while loading the config.
    public mutating func monitor(
        name: String, address: SentinelAddress, settings: MasterSettings, now: Int64, announce: Bool = true
    ) throws(MonitorError) -> [SentinelAction] {
        guard masterIndex(named: name) == nil else { throw .duplicateName }
        masters.append(MonitoredMaster(name: name, address: address, settings: settings, now: now))
        if announce {
            emit(.warning, "+monitor", about: .master(name), " quorum \(settings.quorum)")
            actions.append(.persist)
        }
        return take()
    }

    /// SENTINEL REMOVE.
    public mutating func remove(name: String) -> [SentinelAction] {
        guard let index = masterIndex(named: name) else { return [] }
        emit(.warning, "-monitor", about: .master(name), "")
        let master = masters[index]
        actions.append(.disconnect(.master(name)))
        for replica in master.replicas { actions.append(.disconnect(.replica(master: name, name: replica.name))) }
        for sentinel in master.sentinels {
            actions.append(.disconnect(.sentinel(master: name, runID: sentinel.name)))
        }
        masters.remove(at: index)
        actions.append(.persist)
        return take()
    }

    /// Changes a master's settings (SENTINEL SET); the caller validated them.
    @discardableResult
    public mutating func updateSettings(of name: String, _ change: (inout MasterSettings) -> Void) -> Bool {
        guard let index = masterIndex(named: name) else { return false }
        change(&masters[index].settings)
        return true
    }

    /// SENTINEL RESET: forget replicas, sentinels and failover state of every master whose name matches.
    public mutating func reset(matching pattern: (String) -> Bool, now: Int64) -> (count: Int, [SentinelAction]) {
        var count = 0
        for index in masters.indices where pattern(masters[index].name) {
            resetMaster(at: index, keepSentinels: false, announce: true, now: now)
            count += 1
        }
        if count > 0 { actions.append(.persist) }
        return (count, take())
    }

    // MARK: Restoring state (config and state file)

    /// A replica known from the config or state file; false if it is known already.
    @discardableResult
    public mutating func addKnownReplica(master name: String, address: SentinelAddress, now: Int64) -> Bool {
        guard let index = masterIndex(named: name),
            masters[index].replicaIndex(host: address.host, port: address.port) == nil
        else { return false }
        masters[index].replicas.append(
            SentinelInstance(name: address.description, address: address, flags: .replica, now: now))
        return true
    }

    /// A sentinel known from the config or state file; false if its run id is known already.
    @discardableResult
    public mutating func addKnownSentinel(
        master name: String, address: SentinelAddress, runID: String, now: Int64
    ) -> Bool {
        guard let index = masterIndex(named: name), !masters[index].sentinels.contains(where: { $0.name == runID })
        else { return false }
        var sentinel = SentinelInstance(name: runID, address: address, flags: .sentinel, now: now)
        sentinel.runID = runID
        masters[index].sentinels.append(sentinel)
        return true
    }

    /// The state file says where a declared master is now (after a failover).
    public mutating func move(master name: String, to address: SentinelAddress) {
        guard let index = masterIndex(named: name) else { return }
        masters[index].instance.address = address
    }

    public mutating func restore(master name: String, configEpoch: UInt64?, leaderEpoch: UInt64?) {
        guard let index = masterIndex(named: name) else { return }
        if let configEpoch { masters[index].instance.configEpoch = configEpoch }
        if let leaderEpoch { masters[index].instance.leaderEpoch = leaderEpoch }
    }

    // MARK: Instances

    func instance(_ reference: InstanceReference) -> SentinelInstance? {
        guard let index = masterIndex(named: reference.masterName) else { return nil }
        switch reference {
        case .master: return masters[index].instance
        case .replica(_, let name): return masters[index].replicaIndex(named: name).map { masters[index].replicas[$0] }
        case .sentinel(_, let runID): return masters[index].sentinels.first { $0.name == runID }
        }
    }

    /// Runs `change` on the instance, if it still exists.
    @discardableResult
    mutating func update(_ reference: InstanceReference, _ change: (inout SentinelInstance) -> Void) -> Bool {
        guard let index = masterIndex(named: reference.masterName) else { return false }
        switch reference {
        case .master:
            change(&masters[index].instance)
        case .replica(_, let name):
            guard let replica = masters[index].replicaIndex(named: name) else { return false }
            change(&masters[index].replicas[replica])
        case .sentinel(_, let runID):
            guard let sentinel = masters[index].sentinels.firstIndex(where: { $0.name == runID }) else { return false }
            change(&masters[index].sentinels[sentinel])
        }
        return true
    }

    // MARK: Events

    /// `%@` of Redis's events: `master <name> <ip> <port>`, or `<slave|sentinel> <name> <ip> <port> @ <master>
    /// <ip> <port>`.
    public func describe(_ reference: InstanceReference) -> String {
        guard let master = master(named: reference.masterName) else { return "" }
        let own = master.instance
        let masterPart = "\(own.name) \(own.address.announced(announceHostnames)) \(own.address.port)"
        switch reference {
        case .master:
            return "master \(masterPart)"
        case .replica, .sentinel:
            guard let instance = instance(reference) else { return "" }
            let type = instance.flags.contains(.sentinel) ? "sentinel" : "slave"
            let host = instance.address.announced(announceHostnames)
            return "\(type) \(instance.name) \(host) \(instance.address.port) @ \(masterPart)"
        }
    }

    /// An event about an instance: the message is its `%@` description followed by `suffix`.
    mutating func emit(
        _ level: RedisLogFormat.Level, _ type: String, about reference: InstanceReference, _ suffix: String
    ) {
        emit(level, type, message: describe(reference) + suffix, master: reference.masterName)
    }

    /// An event with a message of its own (`+new-epoch 5`, `+tilt #tilt mode entered`).
    mutating func emit(_ level: RedisLogFormat.Level, _ type: String, message: String, master: String?) {
        let script =
            level == .warning ? master.flatMap { self.master(named: $0)?.settings.notificationScript } : nil
        actions.append(.event(SentinelEvent(level: level, type: type, message: message)))
        if let script { actions.append(.runScript(path: script, arguments: [type, message])) }
    }

    /// An event raised by a command (SENTINEL SET's `+set`), with the master's notification-script.
    public mutating func event(
        _ level: RedisLogFormat.Level, _ type: String, about reference: InstanceReference, _ suffix: String
    ) -> [SentinelAction] {
        emit(level, type, about: reference, suffix)
        return take()
    }

    /// The actions gathered so far, handed to the shell.
    mutating func take() -> [SentinelAction] {
        defer { actions.removeAll(keepingCapacity: true) }
        return actions
    }
}
