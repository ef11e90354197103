import SwredisClient
import SwredisLog

/// One link's whole synchronisation with the master as a pure state machine (Redis's `syncWithMaster` and
/// `readSyncBulkPayload`): the handshake, the RDB transfer of a full sync, its loading, then the stream. Events in,
/// actions out; `MasterLinkHandler` is the shell that owns the socket, the temp file and the engine calls.
///
/// Phases: handshake → (`+FULLRESYNC`) transfer header → transfer → loading → streaming, or handshake →
/// (`+CONTINUE`) streaming. Any failure closes the link; a closed link is never reopened (the engine's cron makes a
/// new one). The link lost while the dataset loads is not reported then: the load's end decides (the data is in, and
/// the stream resumes on the next link).
public struct ReplicaSync {
    /// What the next bytes from the master are.
    public enum Expecting: Equatable {
        /// One RESP reply of the handshake (bare newlines before it are keepalives to skip).
        case reply
        /// The `$<length>` / `$EOF:<mark>` line of a full sync.
        case transferHeader
        /// The RDB payload.
        case transferBody
        /// Nothing is read: the received RDB loads.
        case nothing
        /// Commands of the master's stream.
        case stream
    }

    public enum Action: Equatable {
        /// Write these commands (in one write).
        case send([[String]])
        case log(RedisLogFormat.Level, String)
        /// Send PSYNC with the engine's cached master, if any (the shell knows it).
        case requestPSYNC
        /// `+CONTINUE`: attach the master's session (the ID changed if `newID` is set) and apply the stream.
        case continueStream(newID: String?)
        /// Open the temp file the RDB is received into, with this framing (`openFailed` if it cannot).
        case receiveTransfer(TransferHeader)
        /// The engine learns the transfer's size (0 when diskless).
        case transferStarted(size: Int)
        /// The RDB is complete: stop reading from the socket and load it as the dataset at `id`/`offset`.
        case loadTransfer(id: String, offset: Int)
        /// The RDB is loaded: apply the stream, read from the socket again, and ACK at once (a diskless master
        /// starts the stream after the first ACK).
        case streamAfterLoad
        /// Tell the engine the link is gone (it caches the stream position and reconnects); a transfer under way
        /// is abandoned.
        case reportLinkLost
        /// Close the socket; nothing more is read from it.
        case closeLink
    }

    enum Phase: Equatable {
        case handshake
        case transferHeader(id: String, offset: Int)
        case transfer(id: String, offset: Int)
        case loading
        case streaming
        case closed
    }

    private var handshake: ReplicaHandshake
    private(set) var phase = Phase.handshake

    public init(settings: ReplicaHandshake.Settings) {
        handshake = ReplicaHandshake(settings: settings)
    }

    public var expecting: Expecting {
        switch phase {
        case .handshake: return .reply
        case .transferHeader: return .transferHeader
        case .transfer: return .transferBody
        case .loading, .closed: return .nothing
        case .streaming: return .stream
        }
    }

    public var isClosed: Bool { phase == .closed }
    public var isLoading: Bool { phase == .loading }

    /// The connection is up.
    public mutating func connected() -> [Action] {
        guard phase == .handshake else { return [] }
        return handshake.connected().compactMap(Self.translate)
    }

    /// One reply of the handshake.
    public mutating func received(_ reply: RESPToken) -> [Action] {
        guard phase == .handshake else { return [] }
        var actions: [Action] = []
        for step in handshake.received(reply) {
            switch step {
            case .fullResync(let id, let offset):
                phase = .transferHeader(id: id, offset: offset)
            case .continueStream(let newID):
                phase = .streaming
                actions.append(.continueStream(newID: newID))
                actions.append(.log(.notice, "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization."))
            case .fail(let message):
                actions += close(failing: message)
            default:
                if let action = Self.translate(step) { actions.append(action) }
            }
        }
        return actions
    }

    /// The line after `+FULLRESYNC` (without its line ending).
    public mutating func receivedTransferHeader(_ line: String) -> [Action] {
        guard case .transferHeader(let id, let offset) = phase else { return [] }
        let header = TransferHeader.parse(line)
        switch header {
        case .keepalive:
            return []
        case .failure(let message):
            return close(failing: message)
        case .endMark:
            phase = .transfer(id: id, offset: offset)
            return [
                .log(.notice, "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk"),
                .receiveTransfer(header), .transferStarted(size: 0),
            ]
        case .length(let size):
            phase = .transfer(id: id, offset: offset)
            return [
                .log(.notice, "MASTER <-> REPLICA sync: receiving \(size) bytes from master to disk"),
                .receiveTransfer(header), .transferStarted(size: size),
            ]
        }
    }

    /// The shell met an error it cannot go on from (the master's bytes are not RESP, the temp file could not be
    /// opened or written): log `message` and close.
    public mutating func failed(_ message: String) -> [Action] {
        switch phase {
        case .closed, .loading: return []
        default: return close(failing: message)
        }
    }

    /// The whole RDB is in the temp file.
    public mutating func transferCompleted() -> [Action] {
        guard case .transfer(let id, let offset) = phase else { return [] }
        phase = .loading
        return [.loadTransfer(id: id, offset: offset)]
    }

    /// The load of the received RDB ended; `linkOpen` is false when the socket closed meanwhile.
    public mutating func loadFinished(succeeded: Bool, linkOpen: Bool) -> [Action] {
        guard phase == .loading else { return [] }
        guard succeeded else {
            phase = .closed
            return linkOpen ? [.reportLinkLost, .closeLink] : []
        }
        guard linkOpen else {
            phase = .closed
            return [.reportLinkLost]
        }
        phase = .streaming
        return [.streamAfterLoad]
    }

    /// The socket closed, or the link was let go of. The engine is told unless a load is under way (its end
    /// decides).
    public mutating func closed() -> [Action] {
        switch phase {
        case .closed, .loading:
            return []
        default:
            phase = .closed
            return [.reportLinkLost]
        }
    }

    private mutating func close(failing message: String) -> [Action] {
        phase = .closed
        return [.log(.warning, message), .reportLinkLost, .closeLink]
    }

    /// The handshake's actions that need no phase change.
    private static func translate(_ step: ReplicaHandshake.Action) -> Action? {
        switch step {
        case .send(let commands): return .send(commands)
        case .log(let level, let message): return .log(level, message)
        case .requestPSYNC: return .requestPSYNC
        case .fullResync, .continueStream, .fail: return nil
        }
    }
}
