import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Finds the descriptor number of a connection NIO accepted (CLIENT LIST `fd=`): NIO does not expose it, but the
/// kernel gives every socket a unique 64-bit cookie (`SO_COOKIE`, Linux 4.14) that NIO's socket-option call can
/// read. A connection keeps its cookie; the descriptor behind a cookie is found by reading the cookies of this
/// process's open sockets, once per lookup that misses, so CLIENT LIST costs one scan, not one per client.
/// Used on the engine thread only.
public final class SocketDescriptors {
    /// The engine thread's index (client connections and the link to our master).
    nonisolated(unsafe) public static let shared = SocketDescriptors()
    /// `SO_COOKIE` from <asm-generic/socket.h>; Glibc's module does not export it.
    static let cookieOption: Int32 = 57
    private var descriptorByCookie: [UInt64: Int32] = [:]

    /// Reads `channel`'s socket cookie and hands it to `received` on the channel's event loop.
    public static func readCookie(of channel: Channel, _ received: @escaping (UInt64) -> Void) {
        guard let provider = channel as? SocketOptionProvider else { return }
        let cookie: EventLoopFuture<UInt64> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(cookieOption))
        cookie.whenSuccess(received)
    }

    /// The descriptor whose socket has `cookie`, or -1 if none of this process's descriptors has it (closed).
    public func descriptor(forCookie cookie: UInt64) -> Int32 {
        if let known = descriptorByCookie[cookie], SocketDescriptors.cookie(of: known) == cookie { return known }
        rescan()
        return descriptorByCookie[cookie] ?? -1
    }

    /// Reads the cookie of every socket in /proc/self/fd.
    private func rescan() {
        descriptorByCookie.removeAll(keepingCapacity: true)
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let descriptor = Int32(name), let cookie = SocketDescriptors.cookie(of: descriptor) else { continue }
            descriptorByCookie[cookie] = descriptor
        }
    }

    /// The socket cookie of `descriptor`, or nil when it is not a socket.
    static func cookie(of descriptor: Int32) -> UInt64? {
        var cookie: UInt64 = 0
        var length = socklen_t(MemoryLayout<UInt64>.size)
        guard getsockopt(descriptor, SOL_SOCKET, cookieOption, &cookie, &length) == 0 else { return nil }
        return cookie
    }
}

/// One connection's descriptor number, found from its socket cookie the first time it is asked for.
public struct ConnectionDescriptor {
    private var cookie: UInt64?
    private var resolved: Int32?

    public init() {}

    public mutating func record(cookie: UInt64) {
        self.cookie = cookie
    }

    /// The descriptor number, or -1 while it is not known (cookie not read yet, or the socket closed).
    public mutating func number() -> Int32 {
        if let resolved { return resolved }
        guard let cookie else { return -1 }
        let descriptor = SocketDescriptors.shared.descriptor(forCookie: cookie)
        if descriptor >= 0 { resolved = descriptor }
        return descriptor
    }
}
