/// An instance's address as a sentinel knows it: the host as configured or reported (an IP, or a hostname with
/// `resolve-hostnames yes`) and the port. Port 0 marks an address known to be invalid (a sentinel whose address
/// another one now claims).
public struct SentinelAddress: Hashable, Sendable, CustomStringConvertible {
    /// The IP the instance is tracked and reached by.
    public var host: String
    public var port: Int
    /// The name it was given by, when `resolve-hostnames yes` resolved one (shown with `announce-hostnames yes`).
    public var hostname: String?

    public init(host: String, port: Int, hostname: String? = nil) {
        self.host = host
        self.port = port
        self.hostname = hostname
    }

    /// The address as replies, events, hellos and REPLICAOF show it: the name with `announce-hostnames yes`.
    public func announced(_ hostnames: Bool) -> String {
        hostnames ? hostname ?? host : host
    }

    /// `host:port`, with brackets around an IPv6 address (Redis's `anetFormatAddr`).
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    public func matches(host: String, port: Int) -> Bool {
        self.port == port && self.host.lowercased() == host.lowercased()
    }
}
