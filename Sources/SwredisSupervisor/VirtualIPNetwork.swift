import CSpawn

#if canImport(Glibc)
import Glibc
#endif

/// A mutex for the few values a round's parallel queries fill in.
final class NSLockLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()

    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }

    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}

/// This host's addresses (every interface), to tell whether a sentinel's master address is ours.
enum LocalAddresses {
    static func current(excluding excluded: String) -> Set<String> {
        var result: Set<String> = []
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return result }
        defer { freeifaddrs(list) }
        var entry = list
        while let current = entry {
            if let address = current.pointee.ifa_addr {
                let family = Int32(address.pointee.sa_family)
                if family == AF_INET || family == AF_INET6 {
                    var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                    let length = socklen_t(
                        family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
                    if getnameinfo(address, length, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                        let text = String(cString: buffer).split(separator: "%").first.map(String.init) ?? ""
                        if text != excluded { result.insert(text) }
                    }
                }
            }
            entry = current.pointee.ifa_next
        }
        return result
    }
}

/// Runs a helper (`ip`, the VIP hook) to completion, its output discarded; returns its exit status
/// (-1 when it could not start). Under the unit the supervisor is not root: the helper gets CAP_NET_ADMIN and
/// CAP_NET_RAW as ambient capabilities of this thread for this one start (the unit grants exactly these two).
enum CommandRunner {
    static let networkCapabilities: [Int32] = [12, 13]  // CAP_NET_ADMIN, CAP_NET_RAW

    @discardableResult
    static func run(_ argv: [String], quietFailure: Bool = false) -> Int32 {
        for capability in networkCapabilities { _ = swredis_ambient_raise(capability) }
        defer { _ = swredis_ambient_clear() }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = argv.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawnp(&pid, argv[0], &actions, nil, arguments, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}

/// Gratuitous ARP for an IPv4 address this host just took (sender and target both the address, to broadcast), three
/// times, from an AF_PACKET socket of our own: neighbours update their caches at once (needs CAP_NET_RAW only).
enum GratuitousARP {
    static func send(address: String, interface: String) {
        var ip = in_addr()
        guard inet_pton(AF_INET, address, &ip) == 1, let mac = NeighborAdvertisement.hardwareAddress(interface) else {
            return
        }
        let index = if_nametoindex(interface)
        guard index != 0 else { return }
        let fd = socket(
            AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(UInt16(0x0806).bigEndian))
        guard fd >= 0 else { return }
        defer { close(fd) }
        let ipBytes = withUnsafeBytes(of: &ip) { Array($0) }
        // Ethernet: broadcast destination, our MAC, type ARP. ARP: Ethernet/IPv4, request, sender = target = VIP.
        var frame: [UInt8] = [UInt8](repeating: 0xff, count: 6) + mac + [0x08, 0x06]
        frame += [0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01] + mac + ipBytes + [UInt8](repeating: 0, count: 6) + ipBytes
        // sockaddr_ll: family, protocol (network order), ifindex, hatype, pkttype, halen, address[8].
        var link = [UInt8](repeating: 0, count: 20)
        withUnsafeBytes(of: UInt16(AF_PACKET)) { link.replaceSubrange(0..<2, with: $0) }
        withUnsafeBytes(of: UInt16(0x0806).bigEndian) { link.replaceSubrange(2..<4, with: $0) }
        withUnsafeBytes(of: Int32(index)) { link.replaceSubrange(4..<8, with: $0) }
        link[11] = 6
        link.replaceSubrange(12..<18, with: [UInt8](repeating: 0xff, count: 6))
        for _ in 0..<3 {
            _ = link.withUnsafeBytes { address in
                sendto(
                    fd, frame, frame.count, 0, address.baseAddress?.assumingMemoryBound(to: sockaddr.self),
                    socklen_t(address.count))
            }
        }
    }
}

/// An unsolicited IPv6 neighbour advertisement (Linux sends none when an address is added): type 136 with the
/// Override flag and the interface's link-layer address, to all nodes (ff02::1), hop limit 255, three times.
enum NeighborAdvertisement {
    static func send(address: String, interface: String) {
        var target = in6_addr()
        guard inet_pton(AF_INET6, address, &target) == 1, let mac = hardwareAddress(interface) else { return }
        let index = if_nametoindex(interface)
        guard index != 0 else { return }
        let fd = socket(AF_INET6, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(IPPROTO_ICMPV6))
        guard fd >= 0 else { return }
        defer { close(fd) }
        var hops: Int32 = 255
        setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_HOPS, &hops, socklen_t(MemoryLayout<Int32>.size))
        var interfaceIndex = index
        setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_IF, &interfaceIndex, socklen_t(MemoryLayout<UInt32>.size))
        // Type, code, checksum (the kernel fills it in), flags R=0 S=0 O=1, target, option 2 (target link-layer).
        var packet: [UInt8] = [136, 0, 0, 0, 0x20, 0, 0, 0]
        withUnsafeBytes(of: &target) { packet += $0 }
        packet += [2, 1] + mac
        var destination = sockaddr_in6()
        destination.sin6_family = sa_family_t(AF_INET6)
        inet_pton(AF_INET6, "ff02::1", &destination.sin6_addr)
        destination.sin6_scope_id = index
        for _ in 0..<3 {
            _ = withUnsafePointer(to: &destination) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, packet, packet.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// The interface's MAC, from the kernel's link list (netlink, through `getifaddrs`): /sys may show another
    /// network namespace's devices.
    static func hardwareAddress(_ interface: String) -> [UInt8]? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return nil }
        defer { freeifaddrs(list) }
        var entry = list
        while let current = entry {
            entry = current.pointee.ifa_next
            guard let address = current.pointee.ifa_addr, Int32(address.pointee.sa_family) == AF_PACKET,
                String(cString: current.pointee.ifa_name) == interface
            else { continue }
            // struct sockaddr_ll: family, protocol, ifindex, hatype, pkttype, halen (byte 11), addr[8] (from 12).
            let link = UnsafeRawPointer(address)
            guard link.load(fromByteOffset: 11, as: UInt8.self) == 6 else { return nil }
            return (12..<18).map { link.load(fromByteOffset: $0, as: UInt8.self) }
        }
        return nil
    }
}
