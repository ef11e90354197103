import NIOCore
import SwredisProtocol

/// What the replica side needs from the network layer: a connection to the master (see `SwredisReplication`).
public protocol MasterLinkController: AnyObject {
    /// Opens a new link to the configured master (closing any previous one) and runs the handshake.
    func connect(host: String, port: Int)
    /// Closes the link to the master, if any.
    func disconnect()
    /// Sends bytes to the master on the open link (REPLCONF ACK).
    func sendToMaster(_ bytes: String)
}

/// Where a replica's link to its master stands (Redis's `repl_state`), with the names ROLE reports.
public enum MasterLinkState: String {
    /// Must connect (the cron connects once a second).
    case connect
    case connecting
    /// PING, AUTH, REPLCONF and PSYNC are being exchanged.
    case handshake
    /// Receiving the RDB of a full resynchronization.
    case sync
    case connected
}

/// Where a replica connected to us stands (Redis's `replstate`), with the names INFO reports.
public enum ReplicaSyncState {
    /// Asked for a full resynchronization; its snapshot has not started yet.
    case waitBgsaveStart
    /// Its snapshot is being produced (stream bytes are buffered for it meanwhile). INFO calls both waiting
    /// states `wait_bgsave`, as Redis does.
    case waitBgsaveEnd
    /// The RDB file is being sent.
    case sendBulk
    /// Receives the stream as it is produced.
    case online

    /// The `state=` INFO shows.
    public var infoName: String {
        switch self {
        case .waitBgsaveStart, .waitBgsaveEnd: return "wait_bgsave"
        case .sendBulk: return "send_bulk"
        case .online: return "online"
        }
    }
}

/// The master's view of one replica connection (a client that sent SYNC or PSYNC).
public final class ReplicaLink {
    public var state: ReplicaSyncState
    /// Port and address the replica announced with REPLCONF listening-port / ip-address.
    public var listeningPort = 0
    public var announcedAddress: String?
    /// `REPLCONF capa eof` (accepts a diskless `$EOF:` transfer) and `capa psync2`.
    public var acceptsEOFTransfer = false
    public var speaksPSYNC2 = false
    /// Offset of the last REPLCONF ACK, and when it came (Unix ms).
    public var ackOffset = 0
    public var ackTime: Int
    /// Stream produced while the replica waits for its RDB; sent right after it.
    package var pendingStream: ByteBuffer?
    /// After a diskless transfer the stream waits for the replica's first ACK: the replica finds the end mark in
    /// the last bytes it read, so nothing may follow the payload until it has loaded it.
    package var streamStartsOnAck = false
    /// Its snapshot is the BGSAVE file (disk transfer), not a diskless stream.
    package var waitsForDiskSnapshot = false
    /// Old-style SYNC: no `+FULLRESYNC` line before the payload.
    package var legacySync = false

    package init(state: ReplicaSyncState, now: Int) {
        self.state = state
        ackTime = now
    }
}

/// Replication state: this server's replication IDs and offset, its backlog and replicas (master side), and
/// the link to its own master (replica side). Owned by the engine thread.
public struct ReplicationState {
    /// `replicaof` host and port; nil for a master.
    public var masterHost: String?
    public var masterPort = 0
    public var linkState = MasterLinkState.connect
    /// The ID of the stream we produce or follow (`master_replid`), and the one we followed before the last
    /// promotion (`master_replid2`), valid up to `secondOffset`.
    public var replicationID: String
    public var replicationID2 = String(repeating: "0", count: 40)
    public var secondOffset = -1
    /// `master_repl_offset`: bytes of stream produced (master) or applied (replica).
    public var offset = 0
    public var backlog: ReplicationBacklog?

    // Master side.
    /// Replica connections in the order they attached.
    public var replicas: [ClientSession] = []
    /// The database the stream last SELECTed (-1 forces a SELECT before the next command).
    package var selectedDatabase = -1
    /// Stream bytes produced this loop turn, written to every online replica at the end of it.
    package var outgoing = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 0))
    /// Unix ms since when no replica is connected (backlog TTL).
    package var noReplicasSince = 0
    /// Replicas whose last ACK is within `min-replicas-max-lag` (min_slaves_good_slaves).
    public var goodReplicas = 0
    /// WAIT is pending: ask replicas for an ACK at the end of this loop turn.
    package var acknowledgementRequested = false
    package var clientsWaitingForAcks: [ClientSession] = []
    /// When the first replica asked for a diskless full sync (the sync waits `repl-diskless-sync-delay`).
    package var disklessWaitStartedAt = 0
    /// Number of full-sync transfers running.
    package var transfersInProgress = 0
    package var lastPing = 0

    // Replica side.
    /// Set once the server finished loading its own data: only then may the link to the master open.
    public var linkEnabled = false
    /// Changes whenever a link is opened or abandoned, so a full-sync load that finishes after its link was
    /// replaced (REPLICAOF to another master, NO ONE) is discarded.
    package var linkGeneration = 0
    /// The session applying our master's stream while the link is up.
    public var masterClient: ClientSession?
    /// Whether our dataset follows `replicationID` up to `offset`, so we can ask for a partial resync.
    public var canContinue = false
    /// The database the master's stream has selected, carried across reconnections.
    public var masterStreamDatabase = 0
    /// Unix ms the link went down (nil while connected or never connected).
    public var linkDownSince: Int?
    /// Unix ms of the last bytes from the master.
    public var lastMasterInteraction = 0
    /// Bytes read from the master's stream, applied or not (slave_read_repl_offset).
    public var readOffset = 0
    /// Full-sync transfer progress.
    public var transferSize = -1
    public var transferRead = 0
    public var transferLastIO = 0
    public var lastAckSent = 0

    // Statistics (INFO stats).
    public var fullSyncs = 0
    public var partialSyncsAccepted = 0
    public var partialSyncsRefused = 0

    package init(replicationID: String) {
        self.replicationID = replicationID
    }

    public var isReplica: Bool { masterHost != nil }

    /// The largest offset taken from a peer or a file (`+FULLRESYNC`, RDB `repl-offset`). Redis takes any 64-bit
    /// value; offsets then only grow by the bytes of the stream, and `offset + 1` is computed in many places,
    /// so the 2^62 bytes of headroom keep that arithmetic from overflowing on a real stream.
    public static let maximumOffset = 1 << 62

}
