import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One command (or a pipeline of them) over a fresh TCP connection with a deadline, for callers that are not on an event loop (the
/// supervisor's VIP lease asks the sentinels and the local instance from a background queue). Every wait is bounded
/// by `timeoutMilliseconds`; any failure is nil.
public enum BlockingRESP {
    public static func call(host: String, port: Int, _ words: [String], timeoutMilliseconds: Int) -> RESPToken? {
        pipeline(host: host, port: port, [words], timeoutMilliseconds: timeoutMilliseconds)?.first
    }

    /// Sends `commands` at once and returns their replies in order (error replies included), or nil when the
    /// connection, a write or any reply fails or the deadline passes.
    public static func pipeline(host: String, port: Int, _ commands: [[String]], timeoutMilliseconds: Int)
        -> [RESPToken]?
    {
        let exchanged = exchange(
            host: host, port: port, request: Array(commands.map(RESPCommand.text).joined().utf8),
            replies: commands.count, timeoutMilliseconds: timeoutMilliseconds, numericHost: true)
        return exchanged.failure == nil ? exchanged.replies : nil
    }

    /// Where an exchange stopped (MIGRATE names the stage in its `-IOERR`).
    public enum Failure: Error {
        case connecting, writing, reading
    }

    /// Sends `request` (already encoded) and reads `replies` replies: every reply read before a failure, and the
    /// failure if there was one. `numericHost`: `host` must be an address (no name lookup).
    public static func exchange(
        host: String, port: Int, request: [UInt8], replies expected: Int, timeoutMilliseconds: Int,
        numericHost: Bool
    ) -> (replies: [RESPToken], failure: Failure?) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        if numericHost { hints.ai_flags = AI_NUMERICHOST }
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let address = result else {
            return ([], .connecting)
        }
        defer { freeaddrinfo(result) }
        let fd = socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return ([], .connecting) }
        defer { close(fd) }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        // A timeout from a client (MIGRATE's) may be anything up to Int.max: the deadline saturates.
        let (sum, overflow) = monotonicMilliseconds().addingReportingOverflow(max(0, timeoutMilliseconds))
        let deadline = overflow ? Int.max : sum
        if connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) != 0 {
            guard errno == EINPROGRESS, wait(fd, for: Int16(POLLOUT), until: deadline) else { return ([], .connecting) }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            // A refused connection is noticed by the first write, as with Redis's blocking connect (MIGRATE then
            // says "writing").
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 else {
                return ([], .writing)
            }
        }
        var sent = 0
        while sent < request.count {
            guard wait(fd, for: Int16(POLLOUT), until: deadline) else { return ([], .writing) }
            let count = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return ([], .writing) }
            sent += count
        }
        var buffer = ByteBuffer()
        var chunk = [UInt8](repeating: 0, count: 16384)
        var replies: [RESPToken] = []
        while true {
            do {
                while replies.count < expected, let token = try RESPToken(consuming: &buffer) {
                    replies.append(token)
                }
            } catch {
                return (replies, .reading)
            }
            if replies.count == expected { return (replies, nil) }
            guard buffer.readableBytes < 4 << 20, wait(fd, for: Int16(POLLIN), until: deadline) else {
                return (replies, .reading)
            }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return (replies, .reading) }
            buffer.writeBytes(chunk[0..<count])
        }
    }

    private static func wait(_ fd: Int32, for events: Int16, until deadline: Int) -> Bool {
        while true {
            let left = deadline - monotonicMilliseconds()
            guard left > 0 else { return false }
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(left, Int(Int32.max))))
            if ready > 0 { return true }
            if ready < 0 && errno == EINTR { continue }
            return false
        }
    }

    private static func monotonicMilliseconds() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return time.tv_sec * 1000 + time.tv_nsec / 1_000_000
    }
}
