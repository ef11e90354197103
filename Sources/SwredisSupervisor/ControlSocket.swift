import Dispatch
import SwredisLog

#if canImport(Glibc)
import Glibc
#endif

/// `swredisd ctl`: a unix stream socket in the run directory (`swredisd.sock`, mode 0600) taking one text command
/// per connection — `status`, `start NAME`, `stop NAME`, `restart NAME`, `reload` — and answering with text whose
/// first line is `OK` or `ERR <reason>`.
extension Supervisor {
    public static let controlSocketName = "swredisd.sock"

    func openControlSocket() {
        let path = catalog.settings.runDirectory + "/" + Supervisor.controlSocketName
        unlink(path)
        guard let listener = UnixSocket.listen(path: path) else {
            serverLog(.warning, "Can't open the control socket \(path): \(String(cString: strerror(errno)))")
            return
        }
        chmod(path, 0o600)
        let source = DispatchSource.makeReadSource(fileDescriptor: listener, queue: queue)
        source.setEventHandler { [weak self] in
            let connection = accept(listener, nil, nil)
            guard connection >= 0, let self else { return }
            // Not inherited by instances spawned while answering (they would hold the client's connection open).
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            self.serveControl(connection)
        }
        source.setCancelHandler { close(listener) }
        source.resume()
        controlSource = source
    }

    /// Reads one command line (short, from a local client; a bounded wait) and answers it.
    private func serveControl(_ connection: Int32) {
        defer { close(connection) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while !bytes.contains(10) && bytes.count < 4096 {
            let count = chunk.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        let words = String(decoding: bytes, as: UTF8.self).split(whereSeparator: {
            $0 == " " || $0 == "\n" || $0 == "\r"
        }).map(String.init)
        UnixSocket.writeAll(connection, control(words))
    }

    func control(_ words: [String]) -> String {
        guard let verb = words.first?.lowercased() else { return "ERR empty command\n" }
        if verb == "status" { return "OK\n" + statusTable() }
        if verb == "reload" {
            reload()
            return "OK\n"
        }
        guard ["start", "stop", "restart", "reset"].contains(verb), words.count == 2 else {
            return
                "ERR unknown command '\(words.joined(separator: " "))' (status, start NAME, stop NAME, restart NAME, reset NAME, reload)\n"
        }
        guard let instance = managed[words[1]] else { return "ERR no instance named '\(words[1])'\n" }
        guard !stopping else { return "ERR the supervisor is stopping\n" }
        serverLog(.notice, "ctl: \(verb) \(words[1])")
        if verb == "reset" {
            // Back to the declared role on purpose: what the instance became (a failover's REPLICAOF, CONFIG SET) is
            // forgotten and it restarts from its declared file alone. A sentinel's state is its identity and votes.
            guard instance.definition.kind == .server else {
                return "ERR \(words[1]) is a sentinel: its state (id, epochs, votes) is not a role to reset\n"
            }
            if unlink(instance.definition.stateFile) == 0 {
                serverLog(
                    .warning,
                    "ctl: reset \(words[1]): removed \(instance.definition.stateFile); it restarts as declared (\(instance.definition.declaredRole))"
                )
            }
        }
        switch verb {
        case "start":
            requestStart(instance)
        case "stop":
            handle(instance, .stop)
        default:
            if case .stopped = instance.lifecycle.state {
                requestStart(instance)
            } else if case .failed = instance.lifecycle.state {
                requestStart(instance)
            } else {
                instance.restartWhenStopped = true
                handle(instance, .stop)
            }
        }
        return "OK\n"
    }

    /// NAME KIND ROLE DECLARED PID PORT STATE UPTIME RESTARTS LAST-EXIT CLUSTER, one instance per line. ROLE is what
    /// the running instance reports (a failover changes it); DECLARED is what its file says; CLUSTER is a cluster
    /// node's state and slots (`ok, slots 0-5460`).
    func statusTable() -> String {
        var lines = ["NAME\tKIND\tROLE\tDECLARED\tPID\tPORT\tSTATE\tUPTIME\tRESTARTS\tLAST-EXIT\tCLUSTER"]
        let now = monotonicMilliseconds()
        for name in order {
            guard let instance = managed[name] else { continue }
            let state = instance.lifecycle.state
            let definition = instance.definition
            let role =
                definition.kind == .sentinel
                ? "sentinel" : state.pid == nil ? "-" : instance.actualRoleDescription ?? "-"
            let uptime = state.pid == nil ? "-" : "\((now - instance.lifecycle.startedAt) / 1000)s"
            lines.append(
                [
                    name, definition.kind.rawValue, role, definition.declaredRole, state.pid.map { String($0) } ?? "-",
                    String(definition.port), state.name,
                    uptime, String(instance.lifecycle.restarts), instance.lifecycle.lastExit ?? "-",
                    state.pid == nil ? "-" : instance.clusterDescription ?? "-",
                ].joined(separator: "\t"))
        }
        if let virtualIP { lines.append(virtualIP.status) }
        if let clusterFormation { lines.append(clusterFormation.status) }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Minimal unix stream sockets for the control channel.
public enum UnixSocket {
    static func address(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard path.utf8.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { bytes in
            for (index, byte) in path.utf8.enumerated() { bytes[index] = byte }
        }
        return address
    }

    /// Binds `descriptor` to `path`; false (errno set) when the path is too long or the bind failed.
    static func bind(_ descriptor: Int32, to path: String) -> Bool {
        guard var address = address(path) else {
            errno = ENAMETOOLONG
            return false
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        } == 0
    }

    static func listen(path: String) -> Int32? {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        guard bind(descriptor, to: path), Glibc.listen(descriptor, 16) == 0 else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    /// Sends `request` to the socket at `path` and returns the whole answer, or nil when nobody listens.
    public static func exchange(path: String, request: String) -> String? {
        guard var address = address(path) else { return nil }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { return nil }
        writeAll(descriptor, request)
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            answer.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: answer, as: UTF8.self)
    }

    static func writeAll(_ descriptor: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written <= 0 { return }
            offset += written
        }
    }
}
