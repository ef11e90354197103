import SwredisConfig
import SwredisLog

#if canImport(Glibc)
import Glibc
#endif

/// Pidfiles written atomically (temp file + rename, so a reader never sees a half-written one), stale ones
/// recognised instead of `rm`ed by hand, and the supervisor's lock that keeps a second supervisor off a run
/// directory.
enum Pidfiles {
    static func write(_ path: String, pid: pid_t) {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            serverLog(.warning, "Failed to write PID file \(path): \(String(cString: strerror(errno)))")
            return
        }
        let text = Array("\(pid)\n".utf8)
        _ = text.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        if rename(temporary, path) != 0 {
            serverLog(.warning, "Failed to write PID file \(path): \(String(cString: strerror(errno)))")
            unlink(temporary)
        }
    }

    static func read(_ path: String) -> pid_t? {
        guard let line = ConfigFileLoader.readFile(path)?.split(separator: "\n").first else { return nil }
        return pid_t(line.trimmingWhitespace())
    }

    /// The command line of a running process, or nil when there is none.
    static func commandLine(of pid: pid_t) -> [String]? {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return nil }
        guard let text = ConfigFileLoader.readFile("/proc/\(pid)/cmdline") else { return nil }
        return text.split(separator: "\0").map(String.init)
    }

    /// Holds `<run-dir>/swredisd.lock` for the supervisor's lifetime; nil (and the holder's pid) when another has it.
    static func lock(runDirectory: String) -> (descriptor: Int32?, holder: pid_t?) {
        let path = runDirectory + "/swredisd.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return (nil, nil) }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            close(descriptor)
            return (nil, read(runDirectory + "/swredisd.pid"))
        }
        return (descriptor, nil)
    }
}
