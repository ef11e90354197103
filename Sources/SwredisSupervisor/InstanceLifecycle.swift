/// How the supervisor restarts an instance that keeps dying, and how long a stop may take. Times in ms.
public struct RestartPolicy: Equatable {
    public var initialDelay: Int
    public var maximumDelay: Int
    /// Up this long and a death no longer counts as "quick" (the counter resets).
    public var stableAfter: Int
    public var maximumQuickDeaths: Int
    public var stopTimeout: Int

    public init(
        initialDelay: Int = 100, maximumDelay: Int = 30_000, stableAfter: Int = 30_000, maximumQuickDeaths: Int = 5,
        stopTimeout: Int = 30_000
    ) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.stableAfter = stableAfter
        self.maximumQuickDeaths = maximumQuickDeaths
        self.stopTimeout = stopTimeout
    }
}

/// Where one instance stands.
public enum InstanceState: Equatable {
    case stopped
    /// Spawned, its data loading; not ready until it sends READY=1.
    case starting(pid: Int32)
    case ready(pid: Int32)
    /// Died; restarts when the timer fires.
    case backoff(until: Int)
    /// Died too often in a row; stays down until started by hand or a reload.
    case failed(reason: String)
    /// SIGTERM sent; SIGKILL at `deadline`.
    case stopping(pid: Int32, deadline: Int)

    public var name: String {
        switch self {
        case .stopped: return "stopped"
        case .starting: return "starting"
        case .ready: return "ready"
        case .backoff: return "backoff"
        case .failed: return "failed"
        case .stopping: return "stopping"
        }
    }

    public var pid: Int32? {
        switch self {
        case .starting(let pid), .ready(let pid), .stopping(let pid, _): return pid
        default: return nil
        }
    }
}

public enum InstanceEvent: Equatable {
    /// Start (or restart after failure) on request.
    case start
    case spawned(pid: Int32)
    case spawnFailed(reason: String)
    /// The instance sent READY=1.
    case ready
    case exited(reason: String)
    /// A timer the lifecycle asked for fired.
    case timer
    case stop
}

public enum InstanceAction: Equatable {
    case spawn
    case writePidfile(pid: Int32)
    case removePidfile
    /// SIGTERM (a graceful SHUTDOWN in the engine).
    case terminate(pid: Int32)
    case kill(pid: Int32)
    case scheduleTimer(at: Int)
    case log(warning: Bool, message: String)
}

/// The supervisor's pure part for one instance: events in, actions out, with an injected clock
/// (`now` in ms) and jitter source, so every path — quick deaths, backoff, giving up, stop timeouts — is unit-tested
/// without processes. `Supervisor` performs the actions and feeds back the events.
public struct InstanceLifecycle {
    public let name: String
    public private(set) var state = InstanceState.stopped
    /// Deaths in a row of an instance that didn't stay up `stableAfter`.
    public private(set) var quickDeaths = 0
    /// Restarts after a death, over the supervisor's life (ctl status).
    public private(set) var restarts = 0
    public private(set) var lastExit: String?
    /// Unix ms of the last spawn (uptime).
    public private(set) var startedAt = 0
    private var wanted = false
    let policy: RestartPolicy
    /// A number in 0..<1 for backoff jitter.
    private let jitter: () -> Double

    public init(name: String, policy: RestartPolicy, jitter: @escaping () -> Double = { Double.random(in: 0..<1) }) {
        self.name = name
        self.policy = policy
        self.jitter = jitter
    }

    public mutating func handle(_ event: InstanceEvent, now: Int) -> [InstanceAction] {
        switch (event, state) {
        case (.start, .stopped), (.start, .failed), (.start, .backoff):
            wanted = true
            if case .failed = state { quickDeaths = 0 }
            state = .stopped
            return [.spawn]
        case (.spawned(let pid), _):
            state = .starting(pid: pid)
            startedAt = now
            return [.writePidfile(pid: pid)]
        case (.spawnFailed(let reason), _):
            return died(reason, now: now, hadPidfile: false)
        case (.ready, .starting(let pid)):
            state = .ready(pid: pid)
            return [.log(warning: false, message: "instance \(name) ready (pid \(pid))")]
        case (.exited(let reason), .stopping):
            lastExit = reason
            state = .stopped
            return [.removePidfile, .log(warning: false, message: "instance \(name) stopped (\(reason))")]
        case (.exited(let reason), .starting), (.exited(let reason), .ready):
            return died(reason, now: now, hadPidfile: true)
        case (.timer, .backoff(let until)) where now >= until:
            restarts += 1
            state = .stopped
            return [.spawn]
        case (.timer, .stopping(let pid, let deadline)) where now >= deadline:
            return [
                .kill(pid: pid),
                .log(
                    warning: true,
                    message: "instance \(name) (pid \(pid)) did not stop within \(policy.stopTimeout / 1000) s: SIGKILL"
                ),
            ]
        case (.stop, .starting(let pid)), (.stop, .ready(let pid)):
            wanted = false
            let deadline = now + policy.stopTimeout
            state = .stopping(pid: pid, deadline: deadline)
            return [.terminate(pid: pid), .scheduleTimer(at: deadline)]
        case (.stop, .backoff), (.stop, .failed):
            wanted = false
            state = .stopped
            return []
        default:
            return []
        }
    }

    /// An unplanned exit: restart at once the first time, then back off exponentially with jitter, and give up
    /// after `maximumQuickDeaths` quick deaths in a row.
    private mutating func died(_ reason: String, now: Int, hadPidfile: Bool) -> [InstanceAction] {
        lastExit = reason
        var actions: [InstanceAction] = hadPidfile ? [.removePidfile] : []
        guard wanted else {
            state = .stopped
            return actions
        }
        if now - startedAt >= policy.stableAfter { quickDeaths = 0 }
        quickDeaths += 1
        if quickDeaths >= policy.maximumQuickDeaths {
            let message =
                "instance \(name) failed: \(quickDeaths) quick deaths in a row, not restarting; last: \(reason)"
            state = .failed(reason: reason)
            return actions + [.log(warning: true, message: message)]
        }
        if quickDeaths == 1 {
            restarts += 1
            state = .stopped
            return actions + [.log(warning: true, message: "instance \(name) \(reason); restarting"), .spawn]
        }
        let base = min(policy.maximumDelay, policy.initialDelay << min(20, quickDeaths - 2))
        // ±20% so instances that died together don't restart in lockstep.
        let delay = max(0, Int(Double(base) * (0.8 + 0.4 * jitter())))
        state = .backoff(until: now + delay)
        actions.append(
            .log(
                warning: true,
                message: "instance \(name) \(reason); restarting in \(delay) ms (\(quickDeaths) quick deaths in a row)")
        )
        actions.append(.scheduleTimer(at: now + delay))
        return actions
    }
}
