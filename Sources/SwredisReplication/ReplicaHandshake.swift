import SwredisClient
import SwredisEngine
import SwredisLog

/// The replica's side of the replication handshake as a pure state machine (Redis's `syncWithMaster`): replies in,
/// actions out. PING first, one reply; then AUTH (if `masterauth`), REPLCONF listening-port, ip-address (if
/// announced) and capa, pipelined, their replies taken in order; then PSYNC, answered by `+FULLRESYNC <id> <offset>`
/// or `+CONTINUE [<new id>]`. Errors that Redis tolerates (NOAUTH to PING, REPLCONF a master doesn't know) are
/// logged and the handshake goes on; the others end the link with Redis's log text.
public struct ReplicaHandshake {
    /// What the handshake announces, read from the configuration when the link starts.
    public struct Settings: Equatable {
        public var password: String
        public var user: String
        public var listeningPort: Int
        public var announcedAddress: String

        public init(password: String, user: String, listeningPort: Int, announcedAddress: String) {
            self.password = password
            self.user = user
            self.listeningPort = listeningPort
            self.announcedAddress = announcedAddress
        }
    }

    public enum Action: Equatable {
        /// Write these commands (in one write).
        case send([[String]])
        case log(RedisLogFormat.Level, String)
        /// Send PSYNC with the engine's cached master, if any (the shell knows it).
        case requestPSYNC
        /// `+FULLRESYNC`: the RDB follows, then the stream from `offset`.
        case fullResync(id: String, offset: Int)
        /// `+CONTINUE`: the stream continues from our offset; the master's ID changed if `newID` is set.
        case continueStream(newID: String?)
        /// Close the link after logging this warning.
        case fail(String)
    }

    enum Step: Equatable { case auth, listeningPort, address, capabilities }

    enum State: Equatable {
        case idle
        case ping
        case replies([Step])
        case psync
        case done
    }

    private let settings: Settings
    private(set) var state = State.idle

    public init(settings: Settings) {
        self.settings = settings
    }

    /// Whether the handshake is over (PSYNC answered or the link failed): what follows is not a reply.
    public var isFinished: Bool { state == .done }

    /// The connection is up: send PING.
    public mutating func connected() -> [Action] {
        state = .ping
        return [.log(.notice, "Non blocking connect for SYNC fired the event."), .send([["PING"]])]
    }

    /// One reply from the master (a master preparing a full sync may send bare newlines first; the shell skips
    /// them).
    public mutating func received(_ reply: RESPToken) -> [Action] {
        let error = reply.errorMessage
        // The reply's first line as Redis logs it (`-ERR ...`, `+FULLRESYNC ...`).
        let raw = reply.base.readableBytesView
        let text = String(decoding: raw.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        switch state {
        case .idle, .done:
            return []
        case .ping:
            if let error, !error.hasPrefix("NOAUTH"), !error.hasPrefix("NOPERM"),
                !error.hasPrefix("ERR operation not permitted")
            {
                return finish(.fail("Error reply to PING from master: '\(text)'"))
            }
            return [.log(.notice, "Master replied to PING, replication can continue...")] + sendHandshake()
        case .replies(var steps):
            var actions: [Action] = []
            let step = steps.removeFirst()
            if error != nil {
                switch step {
                case .auth:
                    return finish(.fail("Unable to AUTH to MASTER: \(text)"))
                case .listeningPort:
                    actions.append(
                        .log(.notice, "(Non critical) Master does not understand REPLCONF listening-port: \(text)"))
                case .address:
                    actions.append(
                        .log(.notice, "(Non critical) Master does not understand REPLCONF ip-address: \(text)"))
                case .capabilities:
                    actions.append(.log(.notice, "(Non critical) Master does not understand REPLCONF capa: \(text)"))
                }
            }
            if steps.isEmpty {
                state = .psync
                actions.append(.requestPSYNC)
            } else {
                state = .replies(steps)
            }
            return actions
        case .psync:
            return psyncReply(reply, text: text)
        }
    }

    private mutating func sendHandshake() -> [Action] {
        var steps: [Step] = []
        var commands: [[String]] = []
        if !settings.password.isEmpty {
            commands.append(
                settings.user.isEmpty ? ["AUTH", settings.password] : ["AUTH", settings.user, settings.password])
            steps.append(.auth)
        }
        commands.append(["REPLCONF", "listening-port", String(settings.listeningPort)])
        steps.append(.listeningPort)
        if !settings.announcedAddress.isEmpty {
            commands.append(["REPLCONF", "ip-address", settings.announcedAddress])
            steps.append(.address)
        }
        commands.append(["REPLCONF", "capa", "eof", "capa", "psync2"])
        steps.append(.capabilities)
        state = .replies(steps)
        return [.send(commands)]
    }

    private mutating func psyncReply(_ reply: RESPToken, text: String) -> [Action] {
        if let status = reply.string, reply.errorMessage == nil {
            let words = status.split(separator: " ").map(String.init)
            if words.first == "FULLRESYNC" {
                guard words.count == 3, let offset = Int(words[2]), offset >= 0,
                    offset <= ReplicationState.maximumOffset
                else { return finish(.fail("Unexpected reply to PSYNC from master: \(text)")) }
                return finish(
                    .log(.notice, "Full resync from master: \(words[1]):\(offset)"),
                    .fullResync(id: words[1], offset: offset))
            }
            if words.first == "CONTINUE" {
                let newID = words.count > 1 && words[1].utf8.count == 40 ? words[1] : nil
                return finish(
                    .log(.notice, "Successful partial resynchronization with master."), .continueStream(newID: newID))
            }
        }
        if text.hasPrefix("-NOMASTERLINK") || text.hasPrefix("-LOADING") {
            return finish(.fail("Master is currently unable to PSYNC but should be in the future: \(text)"))
        }
        return finish(.fail("Unexpected reply to PSYNC from master: \(text)"))
    }

    private mutating func finish(_ actions: Action...) -> [Action] {
        state = .done
        return actions
    }
}

/// How the RDB of a full sync is framed: the line after `+FULLRESYNC` (Redis's `readSyncBulkPayload`).
public enum TransferHeader: Equatable {
    /// `$<length>`: exactly that many bytes follow.
    case length(Int)
    /// `$EOF:<40 bytes>`: a diskless transfer ends with those 40 bytes.
    case endMark([UInt8])
    /// A bare newline a master sends while it prepares the RDB.
    case keepalive
    /// The master gave up (`-ERR ...`), or sent something that is not a header: close with this warning.
    case failure(String)

    /// Reads the header line (without its line ending).
    public static func parse(_ line: String) -> TransferHeader {
        if line.isEmpty { return .keepalive }
        if line.hasPrefix("-") { return .failure("MASTER aborted replication with an error: \(line.dropFirst())") }
        guard line.hasPrefix("$") else {
            return .failure(
                "Bad protocol from MASTER, the first byte is not '$' (we received '\(line)'), are you sure the host and port are right?"
            )
        }
        if line.hasPrefix("$EOF:") && line.utf8.count == 45 { return .endMark(Array(line.utf8.dropFirst(5))) }
        if let size = Int(line.dropFirst()), size >= 0 { return .length(size) }
        return .failure("Bad protocol from MASTER: bad bulk length '\(line)'")
    }
}
