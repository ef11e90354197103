/// An instance's address as a sentinel knows it: the host as configured or reported (an IP, or a hostname with
/// `resolve-hostnames yes`) and the port. Port 0 marks an address known to be invalid (a sentinel whose address
/// another one now claims).
public struct SentinelAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with brackets around an IPv6 address (Redis's `anetFormatAddr`).
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    public func matches(host: String, port: Int) -> Bool {
        self.port == port && self.host.lowercased() == host.lowercased()
    }
}
