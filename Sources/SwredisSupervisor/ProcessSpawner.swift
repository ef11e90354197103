import CSpawn

#if canImport(Glibc)
import Glibc
#endif

/// Starting instance processes with `posix_spawn` (no `fork()` in a multithreaded process): the child gets its own
/// process group, default signal handling, an empty signal mask, the given working directory and environment, and
/// stdout/stderr on `outputDescriptor`.
enum ProcessSpawner {
    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    static func spawn(
        executable: String, arguments: [String], environment: [String], directory: String,
        outputDescriptor: Int32
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputDescriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, outputDescriptor, 2)
        swredis_spawn_addchdir(&actions, directory)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGCHLD, SIGPIPE, SIGQUIT] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        // The supervisor may hold CAP_NET_ADMIN/CAP_NET_RAW for the VIP (ambient, from the unit); an instance never.
        _ = swredis_ambient_clear()
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw SpawnError(description: "can't start \(executable): \(String(cString: strerror(status)))")
        }
        return pid
    }

    /// This process's executable (`/proc/self/exe`), so instances run the same build as the supervisor.
    static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return length > 0 ? String(cString: buffer) : CommandLine.arguments[0]
    }

    /// The environment for a child: the supervisor's, minus what belongs to the supervisor's own service manager.
    static func childEnvironment(notifySocket: String) -> [String] {
        var result: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            let name = text.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            if ![
                "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
                "JOURNAL_STREAM",
            ].contains(name) {
                result.append(text)
            }
            pointer += 1
        }
        result.append("NOTIFY_SOCKET=\(notifySocket)")
        return result
    }
}
