import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// The service manager's notification protocol (`sd_notify`), through libsystemd.
///
/// Everything is a no-op when `NOTIFY_SOCKET` is not set, so the same code runs under systemd, under the
/// swredisd supervisor (which gives each child its own socket) and in a terminal.
public enum ServiceNotifier {
    /// Whether a service manager listens.
    public static var isSupervised: Bool {
        getenv("NOTIFY_SOCKET") != nil
    }

    /// Sends raw state lines such as `READY=1\nSTATUS=...`. Returns true when a manager received it.
    @discardableResult
    public static func notify(_ state: String) -> Bool {
        guard isSupervised else { return false }
        return sd_notify(0, state) > 0
    }

    public static func ready(status: String) {
        notify("READY=1\nSTATUS=\(status)")
    }

    public static func status(_ text: String) {
        notify("STATUS=\(text)")
    }

    public static func stopping() {
        notify("STOPPING=1")
    }

    /// Asks the manager to extend its start/stop timeout (while a large dataset loads).
    public static func extendTimeout(microseconds: UInt64) {
        notify("EXTEND_TIMEOUT_USEC=\(microseconds)")
    }
}

/// Structured lines for the systemd journal (`sd_journal_sendv`).
public enum Journal {
    /// Whether this process's stdout is connected to the journal (systemd sets JOURNAL_STREAM).
    public static var isConnected: Bool { getenv("JOURNAL_STREAM") != nil }

    /// Sends one entry shown by `journalctl -t identifier` with syslog `priority` (0 emerg ... 7 debug).
    public static func send(identifier: String, priority: Int, message: String, pid: Int32) {
        let fields = ["MESSAGE=\(message)", "PRIORITY=\(priority)", "SYSLOG_IDENTIFIER=\(identifier)", "SYSLOG_PID=\(pid)"]
        var storage: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = storage.count
            storage.append(contentsOf: field.utf8)
            ranges.append(start..<storage.count)
        }
        storage.withUnsafeMutableBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            let vectors = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            _ = sd_journal_sendv(vectors, Int32(vectors.count))
        }
    }
}
