import SwredisConfig

/// `swredisd.conf`: where the supervisor keeps runtime files, data and logs, where instance logs go, how it
/// restarts instances. redis.conf syntax; every directive has a default, so the file may be empty.
public struct SupervisorSettings: Equatable {
    /// Pidfiles, notify sockets, the control socket (`/run/swredis`, systemd's RuntimeDirectory).
    public var runDirectory = "/run/swredis"
    /// One working directory per instance (`/var/lib/swredis/<name>`, StateDirectory).
    public var stateDirectory = "/var/lib/swredis"
    /// `<name>.log` files when the log target includes files (LogsDirectory).
    public var logDirectory = "/var/log/swredis"
    public var logTarget = LogTarget.auto
    /// Backoff between restarts of an instance that keeps dying: first delay, doubling up to the maximum.
    public var restartDelayMilliseconds = 100
    public var restartMaxDelayMilliseconds = 30_000
    /// An instance that stayed up this long counts as healthy again (its restart counter resets).
    public var restartStableSeconds = 30
    /// Quick deaths in a row after which an instance is marked failed instead of restarted.
    public var restartMaxQuickDeaths = 5
    /// How long a stopping instance gets before SIGKILL.
    public var stopTimeoutSeconds = 30
    /// User the instances run as when the supervisor runs as root (empty: the supervisor's user).
    public var user = ""
    /// The virtual IP, when `vip-*` lines declare one.
    public var virtualIP: VirtualIPSettings?
    /// The cluster the supervisor forms, when `cluster-master` / `cluster-replica` lines declare one.
    public var cluster: ClusterLayout?

    public enum LogTarget: String, CaseIterable {
        /// The journal when started by systemd (JOURNAL_STREAM or NOTIFY_SOCKET set), else the supervisor's stdout.
        case auto, journal, file, both, stdout
    }

    public init() {}

    /// A problem in a file, reported as `file:line: reason`.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let file: String
        public let line: Int
        public let reason: String
        public init(file: String, line: Int, reason: String) {
            self.file = file
            self.line = line
            self.reason = reason
        }
        public var description: String { "\(file):\(line): \(reason)" }
    }

    /// Parses the text of `swredisd.conf`; unknown directives and bad values are problems, not crashes.
    public static func parse(_ text: String, file: String) -> (SupervisorSettings, [Problem]) {
        var settings = SupervisorSettings()
        var problems: [Problem] = []
        var lineNumber = 0
        var firstVirtualIPLine = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let words = ConfigFileLoader.splitArguments(line), let name = words.first?.lowercased() else {
                problems.append(
                    Problem(file: file, line: lineNumber, reason: "Unbalanced quotes in configuration line"))
                continue
            }
            if name == "cluster-replica" {
                guard words.count == 3 else {
                    problems.append(
                        Problem(
                            file: file, line: lineNumber,
                            reason: "'cluster-replica' takes the replica's instance name and its master's"))
                    continue
                }
                var layout = settings.cluster ?? ClusterLayout()
                if let reason = layout.addReplica(words[1], of: words[2]) {
                    problems.append(Problem(file: file, line: lineNumber, reason: reason))
                }
                settings.cluster = layout
                continue
            }
            guard words.count == 2 else {
                problems.append(Problem(file: file, line: lineNumber, reason: "'\(name)' takes exactly one argument"))
                continue
            }
            if let reason = settings.apply(name, words[1]) {
                problems.append(Problem(file: file, line: lineNumber, reason: reason))
            }
            if name.hasPrefix("vip-") && firstVirtualIPLine == 0 { firstVirtualIPLine = lineNumber }
        }
        if let reason = settings.virtualIP?.missing {
            problems.append(Problem(file: file, line: firstVirtualIPLine, reason: reason))
        }
        return (settings, problems)
    }

    /// Sets one directive; returns the reason it was refused.
    public mutating func apply(_ name: String, _ value: String) -> String? {
        func number(_ minimum: Int) -> Int? {
            guard let parsed = Int(value), parsed >= minimum else { return nil }
            return parsed
        }
        func path() -> String? { value.isEmpty ? nil : value }
        switch name {
        case "run-dir":
            guard let p = path() else { return "run-dir must not be empty" }
            runDirectory = p
        case "state-dir":
            guard let p = path() else { return "state-dir must not be empty" }
            stateDirectory = p
        case "log-dir":
            guard let p = path() else { return "log-dir must not be empty" }
            logDirectory = p
        case "log-target":
            guard let target = LogTarget(rawValue: value.lowercased()) else {
                return "log-target must be one of \(LogTarget.allCases.map(\.rawValue).joined(separator: ", "))"
            }
            logTarget = target
        case "restart-delay-ms":
            guard let n = number(0) else { return "restart-delay-ms must be a number >= 0" }
            restartDelayMilliseconds = n
        case "restart-max-delay-ms":
            guard let n = number(1) else { return "restart-max-delay-ms must be a number >= 1" }
            restartMaxDelayMilliseconds = n
        case "restart-stable-seconds":
            guard let n = number(1) else { return "restart-stable-seconds must be a number >= 1" }
            restartStableSeconds = n
        case "restart-max-quick-deaths":
            guard let n = number(1) else { return "restart-max-quick-deaths must be a number >= 1" }
            restartMaxQuickDeaths = n
        case "stop-timeout-seconds":
            guard let n = number(1) else { return "stop-timeout-seconds must be a number >= 1" }
            stopTimeoutSeconds = n
        case "user": user = value
        case "cluster-master":
            var layout = cluster ?? ClusterLayout()
            if let reason = layout.addMaster(value) { return reason }
            cluster = layout
        case let vip where vip.hasPrefix("vip-"):
            var settings = virtualIP ?? VirtualIPSettings()
            if let reason = settings.apply(vip, value) { return reason }
            virtualIP = settings
        default: return "Unknown directive '\(name)'"
        }
        return nil
    }

    var restartPolicy: RestartPolicy {
        RestartPolicy(
            initialDelay: restartDelayMilliseconds, maximumDelay: restartMaxDelayMilliseconds,
            stableAfter: restartStableSeconds * 1000, maximumQuickDeaths: restartMaxQuickDeaths,
            stopTimeout: stopTimeoutSeconds * 1000)
    }
}
