import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// The service manager's notification protocol (`sd_notify`): datagrams of `KEY=value` lines to `NOTIFY_SOCKET`.
///
/// Everything is a no-op when `NOTIFY_SOCKET` is not set, so the same code runs under systemd, under the
/// swredisd supervisor (which gives each child its own socket) and in a terminal. The datagram is sent here with
/// `MSG_DONTWAIT` rather than through libsystemd's `sd_notify`, which blocks while the receiver's queue is full:
/// an engine must never stall its clients because its supervisor is slow to read (a lost STATUS update is harmless;
/// READY=1 is sent again by nobody, so the receiver is expected to read, as systemd and the supervisor do).
public enum ServiceNotifier {
    /// Whether a service manager listens.
    public static var isSupervised: Bool {
        getenv("NOTIFY_SOCKET") != nil
    }

    /// Sends raw state lines such as `READY=1\nSTATUS=...`. Returns true when the datagram was queued.
    @discardableResult
    public static func notify(_ state: String) -> Bool {
        guard let raw = getenv("NOTIFY_SOCKET") else { return false }
        let path = Array(String(cString: raw).utf8)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !path.isEmpty, path.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { bytes in
            for (index, byte) in path.enumerated() { bytes[index] = byte }
            // `@name` is a socket in the abstract namespace.
            if path[0] == UInt8(ascii: "@") { bytes[0] = 0 }
        }
        let length = MemoryLayout<sa_family_t>.size + path.count + (path[0] == UInt8(ascii: "@") ? 0 : 1)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let message = Array(state.utf8)
        let sent = message.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(
                        descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT), $0,
                        socklen_t(length))
                }
            }
        }
        return sent == message.count
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
        let fields = [
            "MESSAGE=\(message)", "PRIORITY=\(priority)", "SYSLOG_IDENTIFIER=\(identifier)", "SYSLOG_PID=\(pid)",
        ]
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
