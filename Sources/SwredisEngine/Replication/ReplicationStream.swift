import NIOCore
import SwredisBytes
import SwredisConfig
import SwredisLog
import SwredisProtocol

/// The replication stream (master side): every propagated command is encoded once in RESP into `outgoing`
/// and copied into the backlog, with a SELECT whenever the database changes. At the end of each loop turn
/// `flushReplicationStream` hands the same buffer (shared, not copied) to every online replica, and appends
/// it to the buffers of replicas still waiting for their RDB.
///
/// A replica forwards its master's stream byte for byte (`feedRawReplicationStream`), so its own replicas
/// see the same offsets and the same replication ID.
extension Engine {
    /// Whether this server produces a stream of its own (a master that has had replicas).
    package var feedsReplicas: Bool { replication.backlog != nil && !replication.isReplica }

    /// Appends bytes already in RESP (the master's stream on a replica, a PING, a GETACK).
    package func feedRawReplicationStream(_ bytes: UnsafeRawBufferPointer) {
        guard replication.backlog != nil else { return }
        let start = replication.outgoing.buffer.writerIndex
        replication.outgoing.buffer.writeBytes(bytes)
        recordStreamBytes(from: start)
    }

    /// Copies what was written to `outgoing` since `start` into the backlog and advances the offset.
    func recordStreamBytes(from start: Int) {
        let buffer = replication.outgoing.buffer
        let reader = buffer.readerIndex
        let end = buffer.writerIndex
        buffer.withUnsafeReadableBytes { bytes in
            replication.backlog?.append(UnsafeRawBufferPointer(rebasing: bytes[(start - reader)..<(end - reader)]))
        }
        replication.offset += end - start
    }

    /// Whether stream bytes wait for `flushReplicationStream`.
    public var hasPendingReplicationStream: Bool {
        replication.outgoing.buffer.readableBytes > 0 || replication.acknowledgementRequested
    }

    /// The hard limit of the `replica` class of `client-output-buffer-limit` (0: none).
    package var replicaOutputHardLimit: Int {
        ClientBufferLimits(words: config[.clientOutputBufferLimit]).limit("slave").hard
    }

    /// Sends this loop turn's stream to the replicas (and asks them for an ACK when WAIT needs one).
    public func flushReplicationStream() {
        if replication.acknowledgementRequested && !replication.replicas.isEmpty && feedsReplicas {
            replication.acknowledgementRequested = false
            "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n".utf8.withContiguousStorageIfAvailable {
                feedRawReplicationStream(UnsafeRawBufferPointer($0))
            }
        }
        guard replication.outgoing.buffer.readableBytes > 0 else { return }
        let stream = replication.outgoing.buffer
        replication.outgoing.buffer = ByteBufferAllocator().buffer(capacity: min(stream.capacity, 64 * 1024))
        for replica in replication.replicas {
            guard let link = replica.replicaLink else { continue }
            switch link.state {
            case .online where !link.streamStartsOnAck:
                replica.connection?.sendRaw(stream, written: nil)
            case .online, .waitBgsaveEnd, .sendBulk:
                var stream = stream
                link.pendingStream?.writeBuffer(&stream)
                if let held = link.pendingStream?.readableBytes, held > replicaOutputHardLimit,
                    replicaOutputHardLimit > 0
                {
                    // Redis counts this buffer against `client-output-buffer-limit replica` too: a sync that
                    // can't keep up with the writes is abandoned instead of growing without bound.
                    serverLog(
                        .warning,
                        "Client \(clientInfoLine(replica)) scheduled to be closed ASAP for overcoming of output buffer limits."
                    )
                    replica.connection?.closeNow()
                }
            case .waitBgsaveStart:
                break
            }
        }
    }
}
