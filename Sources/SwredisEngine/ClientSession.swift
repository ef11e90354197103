import NIOCore
import SwredisBytes
import SwredisProtocol

/// What the engine needs from a client's network connection; implemented by the server layer.
public protocol ClientConnection: AnyObject {
    /// Closes the connection after pending replies were written.
    func closeAfterFlush()
    /// Closes at once (CLIENT KILL, output buffer limits).
    func closeNow()
    /// Bytes waiting in the query buffer (`qbuf` in CLIENT LIST).
    var queryBufferLength: Int { get }
    /// Writes bytes outside the reply protocol (replication stream, RDB transfer) after any pending replies,
    /// flushes, and calls `written` on the engine thread once the socket took them or the connection closed.
    func sendRaw(_ buffer: ByteBuffer, written: (() -> Void)?)
    /// The socket's descriptor number (CLIENT LIST `fd=`), or -1 when it is not known.
    var fileDescriptor: Int32 { get }
}

/// Per-connection state: selected database, protocol version, authentication, name, reply buffer.
/// Owned by the engine's event-loop thread.
public final class ClientSession {
    /// What CLIENT REPLY set.
    public enum ReplyMode { case on, off, skipNext, skipThis }

    public let id: Int
    public var database = 0
    /// The client's outbound buffer and protocol; handlers write replies here.
    public var reply: ReplyWriter
    public var name = ""
    public var libraryName = ""
    public var libraryVersion = ""
    /// Cluster mode: ASKING was sent (good for the next command only).
    package var clusterAsking = false
    /// Cluster mode: the command running now came right after ASKING (a script's commands inherit it).
    package var clusterAskingNow = false
    /// Cluster mode: READONLY (reads of its master's slots served by a replica).
    package var clusterReadOnly = false
    public var authenticated: Bool
    /// `ip:port` of the peer, or the socket path for unix clients.
    public let address: String
    /// `ip:port` of our side of the connection.
    public let localAddress: String
    /// The connection's descriptor number as CLIENT LIST shows it; -1 for the engine's own clients.
    public var fileDescriptor: Int32 { connection?.fileDescriptor ?? -1 }
    public let isUnixSocket: Bool
    /// Connected over a unix socket or from a loopback address (what `enable-debug-command local` allows).
    public var isLocalConnection = true
    /// Creation and last command time, Unix ms.
    public let createdAt: Int
    public var lastInteraction: Int
    public var replyMode: ReplyMode = .on
    public var isMonitor = false
    public var noEvict = false
    /// Name of the last command run, for CLIENT LIST `cmd=`.
    public var lastCommandName = "NULL"
    /// Set when the connection must be closed once the pending replies are out (QUIT, protocol errors).
    public var closeAfterReply = false
    /// Whether the current command replied with an error (failed_calls in commandstats).
    public var currentCommandFailed = false
    public weak var connection: ClientConnection?

    // Replication.
    /// The connection our master feeds its stream through (Redis's CLIENT_MASTER): its commands are applied
    /// without replies and never refused.
    public var isMaster = false
    /// Set once this client is a replica of ours (it sent SYNC or PSYNC).
    public var replicaLink: ReplicaLink?
    /// What REPLCONF told us before PSYNC: listening port, announced address, `capa eof` / `capa psync2`.
    package var announcedReplicaPort = 0
    package var announcedReplicaAddress: String?
    package var replicaCapabilities: Set<String> = []
    /// Replication offset after this client's last propagated write (what WAIT waits for).
    public var writeOffset = 0

    // Blocking, transactions, pub/sub.
    package var blocked: BlockedState?
    /// True while EXEC runs the queued commands (blocking commands then don't block).
    package var inTransaction = false
    package var transaction: TransactionState?
    package var watchedKeys: [WatchedKey] = []
    /// A watched key was modified: EXEC will fail.
    package var watchBroken = false
    package var channels: [ByteString] = []
    package var patterns: [ByteString] = []
    package var shardChannels: [ByteString] = []

    /// Whether the client waits in BLPOP & co.; the server stops reading its commands meanwhile.
    public var isBlocked: Bool { blocked != nil }
    package var subscriptionCount: Int { channels.count + patterns.count + shardChannels.count }
    /// Subscribed to any channel or pattern (idle timeouts don't apply).
    public var isSubscriber: Bool { subscriptionCount > 0 }
    /// RESP2 clients with subscriptions may only run (un)subscribe commands, PING, QUIT and RESET.
    package var isInSubscribedMode: Bool { subscriptionCount > 0 && reply.protocolVersion == 2 }
    /// The engine, for error statistics.
    package unowned let engine: Engine

    package init(
        engine: Engine, id: Int, address: String, localAddress: String, isUnixSocket: Bool,
        authenticated: Bool, now: Int, allocator: ByteBufferAllocator
    ) {
        self.engine = engine
        self.id = id
        self.address = address
        self.localAddress = localAddress
        self.isUnixSocket = isUnixSocket
        self.authenticated = authenticated
        self.createdAt = now
        self.lastInteraction = now
        self.reply = ReplyWriter(buffer: allocator.buffer(capacity: 16 * 1024))
    }

    /// The engine's own client (AOF replay, id 0): it runs while everybody else gets `-LOADING`.
    package var isInternal: Bool { id == 0 }

    /// CLIENT LIST / CLIENT KILL TYPE classes.
    package var kind: String {
        if isMaster { return "master" }
        if replicaLink != nil { return "replica" }
        if isSubscriber { return "pubsub" }
        return "normal"
    }

    /// Writes an error reply and marks the command as failed.
    public func error(_ text: String) {
        currentCommandFailed = true
        reply.error(text)
        engine.recordError(text)
    }
}
