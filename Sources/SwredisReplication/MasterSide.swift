import NIOCore
import SwredisBytes
import SwredisEngine
import SwredisLog
import SwredisPersistence

/// The master side of replication (Redis's `replication.c`, first half): SYNC/PSYNC, partial resync from the
/// backlog, full resync through a snapshot, REPLCONF ACK bookkeeping, WAIT and `min-replicas-to-write`.
extension Engine {

    /// SYNC and PSYNC: the client becomes a replica, continuing from the backlog when it can.
    package func handleSyncRequest(_ client: ClientSession, _ args: Arguments, legacy: Bool) {
        guard client.replicaLink == nil else { return }
        if replication.isReplica && replication.linkState != .connected {
            client.error("NOMASTERLINK Can't SYNC while not connected with my master")
            return
        }
        guard client.transaction == nil else {
            client.error("ERR Command not allowed inside a transaction")
            return
        }
        // Bytes already produced belong to the replicas attached before this one.
        flushReplicationStream()
        let name = replicaName(client)
        serverLog(.notice, "Replica \(name) asks for synchronization")
        if !legacy {
            let requestedID = args.string(1)
            if let offset = args.integer(2),
                continuePartially(client, requestedID: requestedID, offset: offset, name: name)
            {
                replication.partialSyncsAccepted += 1
                return
            }
            if requestedID != "?" { replication.partialSyncsRefused += 1 }
        }
        replication.fullSyncs += 1
        let link = ReplicaLink(state: .waitBgsaveStart, now: clock.unixMilliseconds())
        link.legacySync = legacy
        attachReplica(client, link)
        if replication.backlog == nil {
            replication.replicationID = Engine.randomHex(40)
            replication.replicationID2 = String(repeating: "0", count: 40)
            replication.secondOffset = -1
            createBacklog()
            serverLog(
                .notice,
                "Replication backlog created, my new replication IDs are '\(replication.replicationID)' and '\(replication.replicationID2)'"
            )
        }
        startPendingFullSyncs()
    }

    /// Redis's `masterTryPartialResynchronization`: answers `+CONTINUE` and sends the backlog from `offset`.
    private func continuePartially(_ client: ClientSession, requestedID: String, offset: Int, name: String) -> Bool {
        let ours = requestedID == replication.replicationID
        let previous = requestedID == replication.replicationID2 && offset <= replication.secondOffset
        guard ours || previous else {
            if requestedID == "?" {
                serverLog(.notice, "Full resync requested by replica \(name)")
            } else if requestedID == replication.replicationID2 {
                serverLog(
                    .notice,
                    "Partial resynchronization not accepted: Requested offset for second ID was \(offset), but I can reply up to \(replication.secondOffset)"
                )
            } else {
                serverLog(
                    .notice,
                    "Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '\(requestedID)', my replication IDs are '\(replication.replicationID)' and '\(replication.replicationID2)')"
                )
            }
            return false
        }
        guard let backlog = replication.backlog, backlog.contains(offset: offset) else {
            serverLog(
                .notice,
                "Unable to partial resync with replica \(name) for lack of backlog (Replica request was: \(offset)).")
            if offset > replication.offset {
                serverLog(
                    .warning,
                    "Warning: replica \(name) tried to PSYNC with an offset that is greater than the master replication offset."
                )
            }
            return false
        }
        let link = ReplicaLink(state: .online, now: clock.unixMilliseconds())
        attachReplica(client, link)
        var buffer = ByteBufferAllocator().buffer(capacity: replication.offset + 1 - offset + 64)
        buffer.writeString(link.speaksPSYNC2 ? "+CONTINUE \(replication.replicationID)\r\n" : "+CONTINUE\r\n")
        backlog.copy(from: offset, into: &buffer)
        client.connection?.sendRaw(buffer, written: nil)
        serverLog(
            .notice,
            "Partial resynchronization request from \(name) accepted. Sending \(replication.offset + 1 - offset) bytes of backlog starting from offset \(offset)."
        )
        refreshGoodReplicas()
        return true
    }

    private func attachReplica(_ client: ClientSession, _ link: ReplicaLink) {
        link.listeningPort = client.announcedReplicaPort
        link.announcedAddress = client.announcedReplicaAddress
        link.acceptsEOFTransfer = client.replicaCapabilities.contains("eof")
        link.speaksPSYNC2 = client.replicaCapabilities.contains("psync2")
        client.replicaLink = link
        replication.replicas.append(client)
        replication.noReplicasSince = 0
    }

    // MARK: Full resynchronization

    /// Starts the snapshot for replicas waiting for one: at once for a disk transfer (unless a BGSAVE runs),
    /// after `repl-diskless-sync-delay` for a diskless one, so replicas arriving together share it.
    package func startPendingFullSyncs() {
        let waiting = replication.replicas.filter { $0.replicaLink?.state == .waitBgsaveStart }
        guard !waiting.isEmpty else {
            replication.disklessWaitStartedAt = 0
            return
        }
        let diskless =
            config[.replDisklessSync] && waiting.allSatisfy { $0.replicaLink?.acceptsEOFTransfer == true }
        if diskless {
            let now = clock.unixMilliseconds()
            if replication.disklessWaitStartedAt == 0 { replication.disklessWaitStartedAt = now }
            let delay = config[.replDisklessSyncDelay] * 1000
            let enough = config[.replDisklessSyncMaxReplicas]
            guard now - replication.disklessWaitStartedAt >= delay || (enough > 0 && waiting.count >= enough) else {
                return
            }
            replication.disklessWaitStartedAt = 0
        } else if persistence.backgroundSaveInProgress {
            // A BGSAVE not started for these replicas has an older offset: wait for the next one.
            return
        }
        flushReplicationStream()
        replication.selectedDatabase = -1
        serverLog(.notice, "Starting BGSAVE for SYNC with target: \(diskless ? "replicas sockets" : "disk")")
        for replica in waiting {
            guard let link = replica.replicaLink else { continue }
            link.state = .waitBgsaveEnd
            link.pendingStream = ByteBufferAllocator().buffer(capacity: 0)
            if !link.legacySync {
                var line = ByteBufferAllocator().buffer(capacity: 64)
                line.writeString("+FULLRESYNC \(replication.replicationID) \(replication.offset)\r\n")
                replica.connection?.sendRaw(line, written: nil)
            }
        }
        if diskless {
            startDisklessTransfer(to: waiting)
        } else if !startBackgroundSave() {
            failFullSync(waiting, reason: "BGSAVE failed to start")
        } else {
            persistence.backgroundSaveServesReplicas = true
            for replica in waiting { replica.replicaLink?.waitsForDiskSnapshot = true }
        }
    }

    /// A BGSAVE finished: replicas waiting for it get the file, or are dropped when it failed.
    package func backgroundSaveFinishedForReplicas(success: Bool) {
        guard persistence.backgroundSaveServesReplicas else {
            startPendingFullSyncs()
            return
        }
        persistence.backgroundSaveServesReplicas = false
        let waiting = replication.replicas.filter {
            $0.replicaLink?.state == .waitBgsaveEnd && $0.replicaLink?.waitsForDiskSnapshot == true
        }
        if success {
            sendSnapshotFile(to: waiting)
        } else {
            failFullSync(waiting, reason: "BGSAVE child returned an error")
        }
        startPendingFullSyncs()
    }

    package func failFullSync(_ replicas: [ClientSession], reason: String) {
        for replica in replicas {
            serverLog(.warning, "SYNC failed. \(reason)")
            replica.connection?.closeNow()
        }
    }

    /// The RDB reached the replicas of a transfer: they receive what was produced meanwhile and go online.
    package func fullSyncTransferFinished(_ replicas: [ClientSession], success: Bool, diskless: Bool) {
        replication.transfersInProgress -= 1
        for replica in replicas {
            guard let link = replica.replicaLink, clients[replica.id] != nil else { continue }
            guard success else {
                replica.connection?.closeNow()
                continue
            }
            link.state = .online
            link.ackTime = clock.unixMilliseconds()
            if diskless {
                link.streamStartsOnAck = true
                serverLog(
                    .notice,
                    "Streamed RDB transfer with replica \(replicaName(replica)) succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming"
                )
            } else {
                startStream(replica, link)
                serverLog(.notice, "Synchronization with replica \(replicaName(replica)) succeeded")
            }
        }
        refreshGoodReplicas()
    }

    /// Sends what was produced while the replica waited for its RDB; from now on it gets the stream live.
    private func startStream(_ replica: ClientSession, _ link: ReplicaLink) {
        if let pending = link.pendingStream, pending.readableBytes > 0 {
            replica.connection?.sendRaw(pending, written: nil)
        }
        link.pendingStream = nil
        link.streamStartsOnAck = false
    }

    // MARK: Acknowledgements, WAIT, min-replicas-to-write

    /// An empty line from a replica: it is alive (loading its RDB, for example).
    public func replicaKeepalive(_ client: ClientSession) {
        client.replicaLink?.ackTime = clock.unixMilliseconds()
    }

    /// REPLCONF ACK from a replica.
    package func acknowledge(_ client: ClientSession, offset: Int) {
        guard let link = client.replicaLink else { return }
        if link.streamStartsOnAck {
            // Flush this turn's bytes into its pending buffer first, so they follow in order.
            flushReplicationStream()
            startStream(client, link)
            serverLog(.notice, "Synchronization with replica \(replicaName(client)) succeeded")
        }
        if offset > link.ackOffset { link.ackOffset = offset }
        link.ackTime = clock.unixMilliseconds()
        serveClientsWaitingForAcks()
    }

    /// WAIT: parks the client until enough replicas acknowledged its last write.
    package func waitForReplicas(_ client: ClientSession, count: Int, timeoutMilliseconds: Int) {
        let offset = client.writeOffset
        let acknowledged = replicasAcknowledging(offset)
        if acknowledged >= count || client.inTransaction {
            client.reply.integer(acknowledged)
            return
        }
        replication.clientsWaitingForAcks.append(client)
        replication.acknowledgementRequested = true
        block(
            client, keys: [], operation: .replicationWait(offset: offset, replicas: count),
            timeoutMilliseconds: timeoutMilliseconds)
    }

}
