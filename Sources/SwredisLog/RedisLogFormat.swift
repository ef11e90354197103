import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Redis's log line format: `pid:role dd Mon yyyy hh:mm:ss.mmm <marker> message`, where role is
/// X (sentinel-less child), C (child), S (replica), M (master) and the marker is `.` debug, `-` verbose,
/// `*` notice, `#` warning. Operators grep these, and the supervisor maps the marker to a journal priority.
public enum RedisLogFormat {
    /// Redis's level names in increasing severity, as `loglevel` takes them.
    public enum Level: Int, Comparable, Sendable {
        case debug = 0, verbose, notice, warning, nothing

        public init?(name: String) {
            switch name.lowercased() {
            case "debug": self = .debug
            case "verbose": self = .verbose
            case "notice": self = .notice
            case "warning": self = .warning
            case "nothing": self = .nothing
            default: return nil
            }
        }

        public var marker: Character {
            switch self {
            case .debug: return "."
            case .verbose: return "-"
            case .notice: return "*"
            case .warning, .nothing: return "#"
            }
        }

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Formats one line (without the newline).
    public static func line(pid: Int32, role: Character, level: Level, message: String) -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        let millis = Int(now.tv_nsec / 1_000_000)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let milliText = millis < 10 ? "00\(millis)" : (millis < 100 ? "0\(millis)" : "\(millis)")
        return "\(pid):\(role) \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(1900 + Int(parts.tm_year)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(milliText) \(level.marker) \(message)"
    }
}

/// Where log lines go: stdout, or a file opened in append mode (reopened on demand for log rotation).
public final class LogSink: @unchecked Sendable {
    /// The sink every logger in this process writes to.
    public static let shared = LogSink()

    private var descriptor: Int32 = STDOUT_FILENO
    private var path: String?
    /// Least severe level that is written (`loglevel`).
    public var threshold: RedisLogFormat.Level = .notice
    /// Role character shown after the pid (M master, S replica, X sentinel, C child); set on the engine
    /// thread when the role changes, read by every thread that logs.
    public var role: Character {
        get { Character(Unicode.Scalar(roleByte.load(ordering: .relaxed))) }
        set { roleByte.store(newValue.asciiValue ?? UInt8(ascii: "M"), ordering: .relaxed) }
    }
    private let roleByte = Atomic<UInt8>(UInt8(ascii: "M"))

    /// Sends output to `path` (empty: stdout).
    public func open(path: String) -> Bool {
        if path.isEmpty {
            self.path = nil
            descriptor = STDOUT_FILENO
            return true
        }
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        if descriptor != STDOUT_FILENO { close(descriptor) }
        descriptor = fd
        self.path = path
        return true
    }

    /// Reopens the log file (after logrotate moved it). The new file takes over the same descriptor number
    /// (`dup2`), so a thread logging meanwhile writes to the old file or the new one, never to a closed or reused
    /// descriptor.
    public func reopen() {
        guard let path, descriptor != STDOUT_FILENO else { return }
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        dup2(fd, descriptor)
        close(fd)
    }

    /// Reopens the log file when its path no longer names the file being written (moved or deleted by
    /// logrotate without a signal), as Redis does by opening the file for every line.
    public func reopenIfMoved() {
        guard let path, descriptor != STDOUT_FILENO else { return }
        var named = stat()
        var open = stat()
        guard fstat(descriptor, &open) == 0 else { return }
        if stat(path, &named) != 0 || named.st_ino != open.st_ino || named.st_dev != open.st_dev { reopen() }
    }

    /// Writes a line at `level` if it passes the threshold.
    public func log(_ level: RedisLogFormat.Level, _ message: String) {
        guard level >= threshold, threshold != .nothing else { return }
        var text = RedisLogFormat.line(pid: getpid(), role: role, level: level, message: message)
        text.append("\n")
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }

    /// Writes raw text (the startup banner), unconditionally.
    public func raw(_ text: String) {
        var copy = text
        copy.withUTF8 { bytes in _ = write(descriptor, bytes.baseAddress, bytes.count) }
    }
}

/// Shorthands used across the engine: `serverLog(.notice, "Ready to accept connections")`.
public func serverLog(_ level: RedisLogFormat.Level, _ message: @autoclosure () -> String) {
    guard level >= LogSink.shared.threshold else { return }
    LogSink.shared.log(level, message())
}
