import NIOCore
import SwredisEngine
import SwredisLog
import SwredisPersistence

/// Once a second (Redis's `replicationCron`): keep the link to our master alive or retry it, acknowledge
/// what we applied, ping replicas through the stream, drop replicas that went silent, start full syncs that
/// waited for the diskless delay, free a backlog nobody needs, and recount good replicas.
extension Engine {
    public func replicationCron() {
        let now = clock.unixMilliseconds()
        let timeout = config[.replTimeout] * 1000
        if replication.isReplica {
            switch replication.linkState {
            case .connect:
                connectToMaster()
            case .connecting, .handshake:
                if now - replication.lastMasterInteraction > timeout {
                    serverLog(.warning, "Timeout connecting to the MASTER...")
                    masterLink?.disconnect()
                }
            case .sync where persistence.loading:
                // Loading the received RDB: tell the master we're alive (it refreshes our ACK time).
                masterLink?.sendToMaster("\n")
            case .sync:
                if now - replication.transferLastIO > timeout {
                    serverLog(
                        .warning,
                        "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value."
                    )
                    masterLink?.disconnect()
                }
            case .connected:
                if now - replication.lastMasterInteraction > timeout {
                    serverLog(.warning, "MASTER timeout: no data nor PING received...")
                    masterLink?.disconnect()
                } else {
                    acknowledgeToMaster()
                }
            }
        }
        if feedsReplicas && !replication.replicas.isEmpty {
            let period = config[.replPingReplicaPeriod] * 1000
            if now - replication.lastPing >= period {
                replication.lastPing = now
                "*1\r\n$4\r\nPING\r\n".utf8.withContiguousStorageIfAvailable {
                    feedRawReplicationStream(UnsafeRawBufferPointer($0))
                }
            }
        }
        for replica in replication.replicas {
            guard let link = replica.replicaLink else { continue }
            // Replicas waiting for a BGSAVE get a newline a second so they don't time out (Redis does the same).
            if link.state == .waitBgsaveStart || (link.state == .waitBgsaveEnd && link.waitsForDiskSnapshot) {
                var newline = ByteBufferAllocator().buffer(capacity: 1)
                newline.writeStaticString("\n")
                replica.connection?.sendRaw(newline, written: nil)
            }
            // Old-style SYNC replicas never acknowledge; they are not timed out.
            guard link.state == .online, !link.legacySync, now - link.ackTime > timeout else { continue }
            serverLog(.warning, "Disconnecting timedout replica (streaming sync): \(replicaName(replica))")
            replica.connection?.closeNow()
        }
        let ttl = config[.replBacklogTtl]
        if !replication.isReplica, replication.backlog != nil, replication.replicas.isEmpty, ttl > 0,
            replication.noReplicasSince > 0, now - replication.noReplicasSince > ttl * 1000
        {
            // A new ID: nobody can continue the old stream from us any more.
            replication.backlog = nil
            replication.replicationID = Engine.randomHex(40)
            replication.replicationID2 = String(repeating: "0", count: 40)
            replication.secondOffset = -1
            serverLog(.notice, "Replication backlog freed after \(ttl) seconds without connected replicas.")
        }
        startPendingFullSyncs()
        refreshGoodReplicas()
        flushReplicationStream()
    }
}
