import SwredisConfig

#if canImport(Glibc)
import Glibc
#endif

/// Sentinel-wide settings (the `sentinel` directives that name no master).
public struct SentinelGlobals: Equatable, Sendable {
    public var announceIP: String?
    public var announcePort = 0
    public var denyScriptsReconfig = true
    public var resolveHostnames = false
    public var announceHostnames = false
    public var sentinelUser: String?
    public var sentinelPass: String?

    public init() {}
}

/// The `sentinel ...` directives of a sentinel's config file (Redis's `sentinelHandleConfiguration`): read after the
/// rest of the file, in order, into the core; written back by `rewriteLines` as redis-sentinel's CONFIG REWRITE
/// writes them.
public struct SentinelConfiguration {
    public var globals = SentinelGlobals()
    public var myID: String?
    public var currentEpoch: UInt64 = 0
    /// Lines that name a master, kept until the core exists: `monitor` lines are applied first, then the others,
    /// each group in file order (so a setting may precede its master's `monitor` line, as with Redis).
    private var lines: [(words: [String], option: String, origin: Origin?, fromState: Bool)] = []

    private var fromState = false

    public init() {}

    /// Where a line came from, for the FATAL CONFIG FILE ERROR block.
    public struct Origin: Equatable, Sendable {
        public let file: String
        public let line: Int
        public let text: String

        public init(file: String, line: Int, text: String) {
            self.file = file
            self.line = line
            self.text = text
        }
    }

    public struct LineError: Error, Equatable {
        public let message: String
        public var origin: Origin?

        init(message: String, origin: Origin? = nil) {
            self.message = message
            self.origin = origin
        }
    }

    /// Checks one line's words (after `sentinel`) and keeps it. Errors are redis-sentinel's texts. Lines `fromState`
    /// (the supervisor's state file, read after the declared file) are what the sentinel became: a `monitor` line for
    /// a declared master moves it to its current address, and what is already known is not an error.
    public mutating func add(_ words: [String], origin: Origin? = nil, fromState: Bool = false) throws(LineError) {
        self.fromState = fromState
        do {
            try addChecked(words, origin: origin)
        } catch {
            var located = error
            located.origin = origin
            throw located
        }
    }

    private mutating func addChecked(_ words: [String], origin: Origin?) throws(LineError) {
        guard let option = words.first?.lowercased() else {
            throw LineError(message: "Unrecognized sentinel configuration statement.")
        }
        let count = words.count
        switch (option, count) {
        case ("myid", 2):
            guard words[1].utf8.count == 40 else { throw LineError(message: "Malformed Sentinel id in myid option.") }
            myID = words[1]
        case ("current-epoch", 2):
            currentEpoch = UInt64(words[1]) ?? 0
        case ("announce-ip", 2):
            globals.announceIP = words[1].isEmpty ? nil : words[1]
        case ("announce-port", 2):
            globals.announcePort = Int(words[1]) ?? 0
        case ("deny-scripts-reconfig", 2):
            globals.denyScriptsReconfig = try Self.yesNo(words[1], option: "deny-scripts-reconfig options")
        case ("resolve-hostnames", 2):
            globals.resolveHostnames = try Self.yesNo(words[1], option: "resolve-hostnames option")
        case ("announce-hostnames", 2):
            globals.announceHostnames = try Self.yesNo(words[1], option: "announce-hostnames option")
        case ("sentinel-user", 2):
            globals.sentinelUser = words[1].isEmpty ? nil : words[1]
        case ("sentinel-pass", 2):
            globals.sentinelPass = words[1].isEmpty ? nil : words[1]
        case ("monitor", 5):
            guard let quorum = Int(words[4]), quorum > 0 else {
                throw LineError(message: "Quorum must be 1 or greater.")
            }
            guard let port = Int(words[3]), (0...65535).contains(port) else {
                throw LineError(message: "Invalid port number.")
            }
            lines.append((words, option, origin, fromState))
        case ("down-after-milliseconds", 3), ("failover-timeout", 3), ("parallel-syncs", 3),
            ("master-reboot-down-after-period", 3):
            lines.append((words, option, origin, fromState))
        case ("notification-script", 3), ("client-reconfig-script", 3):
            guard access(words[2], X_OK) == 0 else {
                throw LineError(
                    message: option == "notification-script"
                        ? "Notification script seems non existing or non executable."
                        : "Client reconfiguration script seems non existing or non executable.")
            }
            lines.append((words, option, origin, fromState))
        case ("auth-pass", 3), ("auth-user", 3), ("config-epoch", 3), ("leader-epoch", 3), ("known-slave", 4),
            ("known-replica", 4), ("known-sentinel", 4), ("known-sentinel", 5), ("rename-command", 4):
            lines.append((words, option, origin, fromState))
        default:
            throw LineError(message: "Unrecognized sentinel configuration statement.")
        }
    }

    private static func yesNo(_ word: String, option: String) throws(LineError) -> Bool {
        switch word.lowercased() {
        case "yes": return true
        case "no": return false
        default: throw LineError(message: "Please specify yes or no for the \(option).")
        }
    }

    /// Builds the masters in `core` from the kept lines: `monitor` lines first, then the others, each in file
    /// order; the first bad line stops with redis-sentinel's error and its origin.
    public func apply(to core: inout SentinelCore, now: Int64) throws(LineError) {
        core.currentEpoch = max(core.currentEpoch, currentEpoch)
        core.announceIP = globals.announceIP
        core.announcePort = globals.announcePort
        core.announceHostnames = globals.announceHostnames
        let monitors = lines.filter { $0.option == "monitor" }
        let others = lines.filter { $0.option != "monitor" }
        let ordered =
            monitors.filter { !$0.fromState } + monitors.filter(\.fromState) + others.filter { !$0.fromState }
            + others.filter(\.fromState)
        for (words, option, origin, fromState) in ordered {
            if fromState, option == "monitor", core.masterIndex(named: words[1]) != nil {
                core.move(master: words[1], to: SentinelAddress(host: words[2], port: Int(words[3]) ?? 0))
                continue
            }
            do {
                try Self.apply(words, option: option, to: &core, resolveHostnames: globals.resolveHostnames, now: now)
            } catch {
                // The state file repeats what the declared file knows: not an error there.
                if fromState && error.message.hasPrefix("Duplicate") || fromState && error.message.hasPrefix("Same") {
                    continue
                }
                throw LineError(message: error.message, origin: origin)
            }
        }
    }

    private static func apply(
        _ words: [String], option: String, to core: inout SentinelCore, resolveHostnames: Bool, now: Int64
    ) throws(LineError) {
        func address(_ host: String, _ port: Int) throws(LineError) -> SentinelAddress {
            guard let ip = SentinelResolver.address(host, resolveHostnames: resolveHostnames) else {
                throw LineError(message: "Can't resolve instance hostname.")
            }
            return SentinelAddress(host: ip, port: port, hostname: ip == host ? nil : host)
        }
        if option == "monitor" {
            let settings = MasterSettings(quorum: min(max(1, Int(words[4]) ?? 1), Int(Int32.max)))
            let masterAddress = try address(words[2], Int(words[3]) ?? 0)
            do {
                _ = try core.monitor(
                    name: words[1], address: masterAddress, settings: settings, now: now, announce: false)
            } catch {
                throw LineError(message: "Duplicate master name.")
            }
            return
        }
        let name = words[1]
        guard core.masterIndex(named: name) != nil else {
            throw LineError(message: "No such master with specified name.")
        }
        /// Times are C ints in Redis: beyond that range they are refused here instead of wrapping.
        func positive() throws(LineError) -> Int64 {
            guard let value = Int64(words[2]), value > 0, value <= Int64(Int32.max) else {
                throw LineError(message: "negative or zero time parameter.")
            }
            return value
        }
        switch option {
        case "down-after-milliseconds":
            let value = try positive()
            core.updateSettings(of: name) { $0.downAfter = value }
        case "failover-timeout":
            let value = try positive()
            core.updateSettings(of: name) { $0.failoverTimeout = value }
        case "parallel-syncs":
            core.updateSettings(of: name) { $0.parallelSyncs = min(max(Int(words[2]) ?? 0, 0), Int(Int32.max)) }
        case "master-reboot-down-after-period":
            guard let value = Int64(words[2]), value >= 0, value <= Int64(Int32.max) else {
                throw LineError(message: "negative time parameter.")
            }
            core.updateSettings(of: name) { $0.masterRebootDownAfter = value }
        case "notification-script":
            core.updateSettings(of: name) { $0.notificationScript = words[2] }
        case "client-reconfig-script":
            core.updateSettings(of: name) { $0.clientReconfigScript = words[2] }
        case "auth-pass":
            core.updateSettings(of: name) { $0.authPass = words[2] }
        case "auth-user":
            core.updateSettings(of: name) { $0.authUser = words[2] }
        case "config-epoch":
            let epoch = UInt64(words[2]) ?? 0
            core.restore(master: name, configEpoch: epoch, leaderEpoch: nil)
            core.currentEpoch = max(core.currentEpoch, epoch)
        case "leader-epoch":
            core.restore(master: name, configEpoch: nil, leaderEpoch: UInt64(words[2]) ?? 0)
        case "known-slave", "known-replica":
            guard let port = Int(words[3]), (0...65535).contains(port) else {
                throw LineError(message: "Invalid port number.")
            }
            guard core.addKnownReplica(master: name, address: try address(words[2], port), now: now)
            else { throw LineError(message: "Duplicate hostname and port for replica.") }
        case "known-sentinel":
            guard let port = Int(words[3]), (0...65535).contains(port) else {
                throw LineError(message: "Invalid port number.")
            }
            if words.count == 5 {
                guard
                    core.addKnownSentinel(
                        master: name, address: try address(words[2], port), runID: words[4], now: now)
                else { throw LineError(message: "Duplicate runid for sentinel.") }
            }
        case "rename-command":
            var duplicate = false
            core.updateSettings(of: name) {
                duplicate = $0.renamedCommands[words[2].uppercased()] != nil
                $0.renamedCommands[words[2].uppercased()] = words[3]
            }
            if duplicate { throw LineError(message: "Same command renamed multiple times with rename-command.") }
        default:
            break
        }
    }

    /// The lines redis-sentinel's CONFIG REWRITE writes for its state (Redis's `rewriteConfigSentinelOption`), in its
    /// order; they replace the file's `sentinel` lines.
    public static func rewriteLines(core: SentinelCore, globals: SentinelGlobals) -> [String] {
        func quoted(_ word: String) -> String { ConfigRewriter.quote(word) }
        var lines = ["sentinel myid \(core.myID)"]
        if !globals.denyScriptsReconfig { lines.append("sentinel deny-scripts-reconfig no") }
        if globals.resolveHostnames { lines.append("sentinel resolve-hostnames yes") }
        if globals.announceHostnames { lines.append("sentinel announce-hostnames yes") }
        for master in core.masters {
            let settings = master.settings
            let name = quoted(master.name)
            let address = master.currentAddress
            let shown = { (address: SentinelAddress) in address.announced(core.announceHostnames) }
            lines.append("sentinel monitor \(name) \(shown(address)) \(address.port) \(settings.quorum)")
            if settings.downAfter != SentinelTiming.defaultDownAfter {
                lines.append("sentinel down-after-milliseconds \(name) \(settings.downAfter)")
            }
            if settings.failoverTimeout != SentinelTiming.defaultFailoverTimeout {
                lines.append("sentinel failover-timeout \(name) \(settings.failoverTimeout)")
            }
            if settings.parallelSyncs != SentinelTiming.defaultParallelSyncs {
                lines.append("sentinel parallel-syncs \(name) \(settings.parallelSyncs)")
            }
            if let script = settings.notificationScript {
                lines.append("sentinel notification-script \(name) \(quoted(script))")
            }
            if let script = settings.clientReconfigScript {
                lines.append("sentinel client-reconfig-script \(name) \(quoted(script))")
            }
            if let pass = settings.authPass { lines.append("sentinel auth-pass \(name) \(quoted(pass))") }
            if let user = settings.authUser { lines.append("sentinel auth-user \(name) \(quoted(user))") }
            if settings.masterRebootDownAfter != 0 {
                lines.append("sentinel master-reboot-down-after-period \(name) \(settings.masterRebootDownAfter)")
            }
            lines.append("sentinel config-epoch \(name) \(master.instance.configEpoch)")
            lines.append("sentinel leader-epoch \(name) \(master.instance.leaderEpoch)")
            for replica in master.replicas {
                // During a failover the promoted replica is written as the master; the old master takes its place.
                var replicaAddress = replica.address
                if replicaAddress == address { replicaAddress = master.instance.address }
                lines.append("sentinel known-replica \(name) \(shown(replicaAddress)) \(replicaAddress.port)")
            }
            for sentinel in master.sentinels where sentinel.runID != nil {
                lines.append(
                    "sentinel known-sentinel \(name) \(shown(sentinel.address)) \(sentinel.address.port) \(sentinel.name)"
                )
            }
            for (command, renamed) in settings.renamedCommands.sorted(by: { $0.key < $1.key }) {
                lines.append("sentinel rename-command \(name) \(command) \(quoted(renamed))")
            }
        }
        lines.append("sentinel current-epoch \(core.currentEpoch)")
        if let ip = globals.announceIP { lines.append("sentinel announce-ip \"\(ip)\"") }
        if globals.announcePort != 0 { lines.append("sentinel announce-port \(globals.announcePort)") }
        if let user = globals.sentinelUser { lines.append("sentinel sentinel-user \(quoted(user))") }
        if let pass = globals.sentinelPass { lines.append("sentinel sentinel-pass \(quoted(pass))") }
        return lines
    }
}
