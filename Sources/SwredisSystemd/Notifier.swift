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
