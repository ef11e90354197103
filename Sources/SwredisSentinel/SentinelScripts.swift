#if canImport(Glibc)
import Glibc
#endif

/// notification-script and client-reconfig-script runs (Redis's script queue): at most 256 queued, 16 running,
/// a run killed after 60 s; exit 1 or a signal retries (after 30 s, 60 s, 120 s... up to 10 runs), another non-zero
/// exit is a `-script-error`. Scripts are started with `posix_spawn` (no `fork()` in a multithreaded process), with
/// every descriptor above stderr closed, so no socket of the sentinel leaks into them.
final class SentinelScripts {
    struct Job {
        var arguments: [String]
        var running = false
        var pid: pid_t = 0
        var startTime: Int64 = 0
        var retryTime: Int64 = 0
        var retries = 0
    }

    private(set) var jobs: [Job] = []
    var runningCount: Int { jobs.filter(\.running).count }
    /// SENTINEL DEBUG's script-max-runtime and script-retry-delay.
    var maximumRuntime: Int64 = 60_000
    var retryDelay: Int64 = 30_000

    func schedule(path: String, arguments: [String], now: Int64) {
        jobs.append(Job(arguments: [path] + arguments.prefix(15)))
        if jobs.count > SentinelTiming.scriptQueueLimit, let oldest = jobs.firstIndex(where: { !$0.running }) {
            jobs.remove(at: oldest)
        }
    }

    /// One timer tick: start what may start, reap what ended, kill what ran too long.
    func run(now: Int64, events: ([SentinelAction]) -> Void) {
        var actions: [SentinelAction] = []
        for index in jobs.indices where !jobs[index].running && jobs[index].retryTime <= now {
            guard runningCount < SentinelTiming.scriptRunningLimit else { break }
            jobs[index].running = true
            jobs[index].startTime = now
            jobs[index].retries += 1
            if let pid = Self.spawn(jobs[index].arguments) {
                jobs[index].pid = pid
            } else {
                jobs[index].running = false
                actions.append(error("\(jobs[index].arguments[0]) 99 0"))
            }
        }
        var finished: [Int] = []
        for index in jobs.indices where jobs[index].running && jobs[index].pid > 0 {
            var status: Int32 = 0
            let reaped = waitpid(jobs[index].pid, &status, WNOHANG)
            if reaped == 0 {
                if now - jobs[index].startTime > maximumRuntime {
                    actions.append(
                        .event(
                            SentinelEvent(
                                level: .warning, type: "-script-timeout",
                                message: "\(jobs[index].arguments[0]) \(jobs[index].pid)")))
                    kill(jobs[index].pid, SIGKILL)
                }
                continue
            }
            let signalled = reaped > 0 && (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
            let exitCode = reaped > 0 && !signalled ? (status >> 8) & 0xff : 0
            let signalNumber = signalled ? status & 0x7f : 0
            if (signalled || exitCode == 1) && jobs[index].retries < SentinelTiming.scriptMaximumRetries {
                jobs[index].running = false
                jobs[index].pid = 0
                let exponent = min(jobs[index].retries - 1, 20)
                jobs[index].retryTime = now + retryDelay * (1 << Int64(exponent))
            } else {
                if signalled || exitCode != 0 {
                    actions.append(error("\(jobs[index].arguments[0]) \(signalNumber) \(exitCode)"))
                }
                finished.append(index)
            }
        }
        for index in finished.reversed() { jobs.remove(at: index) }
        if !actions.isEmpty { events(actions) }
    }

    private func error(_ message: String) -> SentinelAction {
        .event(SentinelEvent(level: .warning, type: "-script-error", message: message))
    }

    /// Starts `arguments[0]` with the sentinel's environment and stdio, every other descriptor closed.
    static func spawn(_ arguments: [String]) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor in openDescriptors() where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ) == 0 else { return nil }
        return pid
    }

    private static func openDescriptors() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        var result: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let descriptor = Int32(name) { result.append(descriptor) }
        }
        // The directory's own descriptor is in the list; closing it in the child is harmless.
        return result
    }
}
