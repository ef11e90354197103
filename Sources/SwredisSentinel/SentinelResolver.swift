#if canImport(Glibc)
import Glibc
#endif

/// Addresses as redis-sentinel accepts them: IP literals, or with `resolve-hostnames yes` a name resolved once
/// (IPv4 first), the instance then being tracked by that IP.
enum SentinelResolver {
    static func isLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// The IP to track `host` by, or nil when it is not a literal and names are not resolved (or don't resolve).
    static func address(_ host: String, resolveHostnames: Bool) -> String? {
        if isLiteral(host) { return host }
        guard resolveHostnames else { return nil }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        var candidates: [String] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(
                current.pointee.ai_addr, current.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0,
                NI_NUMERICHOST) == 0
            {
                candidates.append(String(cString: buffer))
            }
            entry = current.pointee.ai_next
        }
        return candidates.first { !$0.contains(":") } ?? candidates.first
    }
}
