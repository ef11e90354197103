#if canImport(Glibc)
import Glibc
#endif

/// The virtual IP declared in `swredisd.conf` (`vip-*` directives): the address and prefix, the interface, the
/// monitored master it follows, the sentinels whose majority grants the lease, the lease, and an optional hook for
/// environments where the address is moved by an API instead of `ip addr`.
public struct VirtualIPSettings: Equatable, Sendable {
    public var address = ""
    public var prefix = 0
    public var interface = ""
    public var master = "mymaster"
    /// `host:port` of every sentinel of the group (the majority is counted over all of them).
    public var sentinels: [(host: String, port: Int)] = []
    /// The local data instance the VIP follows (empty: the only data instance in the directory).
    public var instance = ""
    public var leaseMilliseconds = 3000
    /// Clock rate error and the old holder's delay in dropping (its lease is checked every 100 ms, then the
    /// instance is fenced and `ip addr del` runs) added before a new holder adds the address (0: a tenth of the
    /// lease, at least 250 ms).
    public var marginMilliseconds = 0
    public var hook = ""

    public init() {}

    public var isIPv6: Bool { address.contains(":") }

    public var effectiveMargin: Int { marginMilliseconds > 0 ? marginMilliseconds : max(250, leaseMilliseconds / 10) }

    /// A round of confirmation every third of the lease: two rounds may be lost before it runs out.
    public var roundInterval: Int { max(100, leaseMilliseconds / 3) }

    public static func == (lhs: VirtualIPSettings, rhs: VirtualIPSettings) -> Bool {
        lhs.address == rhs.address && lhs.prefix == rhs.prefix && lhs.interface == rhs.interface
            && lhs.master == rhs.master
            && lhs.sentinels.map { "\($0.host):\($0.port)" }
                == rhs.sentinels.map { "\($0.host):\($0.port)" }
            && lhs.instance == rhs.instance
            && lhs.leaseMilliseconds == rhs.leaseMilliseconds && lhs.marginMilliseconds == rhs.marginMilliseconds
            && lhs.hook == rhs.hook
    }

    /// Applies one `vip-*` directive; returns the reason it was refused.
    mutating func apply(_ name: String, _ value: String) -> String? {
        switch name {
        case "vip-address":
            let parts = value.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let prefix = Int(parts[1]) else {
                return "vip-address must be ADDRESS/PREFIX (198.18.0.100/24)"
            }
            let host = String(parts[0])
            var v4 = in_addr()
            var v6 = in6_addr()
            if inet_pton(AF_INET, host, &v4) == 1 {
                guard (1...32).contains(prefix) else { return "vip-address: an IPv4 prefix is 1 to 32" }
            } else if inet_pton(AF_INET6, host, &v6) == 1 {
                guard (1...128).contains(prefix) else { return "vip-address: an IPv6 prefix is 1 to 128" }
            } else {
                return "vip-address: '\(host)' is not an IPv4 or IPv6 address"
            }
            address = host
            self.prefix = prefix
        case "vip-interface":
            guard !value.isEmpty, value.utf8.count < 16, !value.contains("/") else {
                return "vip-interface must be a network interface name"
            }
            interface = value
        case "vip-master":
            guard !value.isEmpty else { return "vip-master must name a monitored master" }
            master = value
        case "vip-sentinels":
            var parsed: [(host: String, port: Int)] = []
            for item in value.split(separator: ",") {
                guard let colon = item.lastIndex(of: ":"), let port = Int(item[item.index(after: colon)...]),
                    (1...65535).contains(port)
                else { return "vip-sentinels must be HOST:PORT[,HOST:PORT...] ('\(item)')" }
                var host = String(item[..<colon])
                if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
                parsed.append((host, port))
            }
            guard !parsed.isEmpty else { return "vip-sentinels must list at least one sentinel" }
            sentinels = parsed
        case "vip-instance":
            instance = value
        case "vip-lease-ms":
            guard let lease = Int(value), (300...600_000).contains(lease) else {
                return "vip-lease-ms must be a number from 300 to 600000"
            }
            leaseMilliseconds = lease
        case "vip-margin-ms":
            guard let margin = Int(value), (0...600_000).contains(margin) else {
                return "vip-margin-ms must be a number from 0 to 600000"
            }
            marginMilliseconds = margin
        case "vip-hook":
            guard value.hasPrefix("/") else { return "vip-hook must be an absolute path" }
            guard access(value, X_OK) == 0 else { return "vip-hook '\(value)' is not an executable file" }
            hook = value
        default:
            return "Unknown directive '\(name)'"
        }
        return nil
    }

    /// What a declaration with some `vip-*` lines still lacks.
    var missing: String? {
        if address.isEmpty { return "a virtual IP needs vip-address" }
        if interface.isEmpty && hook.isEmpty { return "a virtual IP needs vip-interface (or vip-hook)" }
        if sentinels.isEmpty { return "a virtual IP needs vip-sentinels: the sentinels whose majority grants it" }
        return nil
    }
}
