import NIOCore
import SwredisBytes
import SwredisClient
import SwredisEngine
import SwredisKeyspace
import SwredisLog
import SwredisPersistence
import SwredisStorage

#if canImport(Glibc)
import Glibc
#endif

/// The replica side of replication (Redis's `replication.c`, second half): REPLICAOF, the engine's part of
/// the handshake driven by the network layer's master link, loading a full sync, applying and forwarding the
/// master's stream, acknowledgements.
extension Engine {
    /// A full sync's RDB up to this size is loaded on the engine thread; a larger one on a background thread while
    /// clients get -LOADING.
    static let synchronousFullSyncLoadBytes = 4 << 20

    // MARK: REPLICAOF

    /// `replicaof` in the config file: a replica from the start; the link opens once the data is loaded.
    public func configureReplica(of host: String, port: Int) {
        replication.masterHost = host
        replication.masterPort = port
        replication.linkState = .connect
        replication.linkDownSince = clock.unixMilliseconds()
        LogSink.shared.role = "S"
    }

    /// Follows `host:port` from now on. Our own data and offset are offered for a partial resync.
    public func replicate(from host: String, port: Int, requestedBy: String?) {
        let wasMaster = !replication.isReplica
        if !wasMaster { masterLink?.disconnect() }
        replication.linkGeneration += 1
        // Whatever we hold (as a master, or from the previous master) can be continued if the new master
        // knows our history (PSYNC2: it was our replica or a sibling).
        if wasMaster {
            serverLog(
                .notice,
                "Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer."
            )
            replication.canContinue = true
            replication.masterStreamDatabase = 0
        }
        unblockAllBlockedClients()
        replication.masterHost = host
        replication.masterPort = port
        replication.linkState = .connect
        replication.linkDownSince = replication.linkDownSince ?? clock.unixMilliseconds()
        LogSink.shared.role = "S"
        if let requestedBy {
            serverLog(.notice, "REPLICAOF \(host):\(port) enabled (user request from '\(requestedBy)')")
        }
        connectToMaster()
    }

    /// REPLICAOF NO ONE: becomes a master. The replication ID changes (the old one stays valid as ID2 up to
    /// our offset, so our replicas and siblings can continue partially with us).
    public func stopReplicating(requestedBy: String?) {
        guard replication.isReplica else { return }
        masterLink?.disconnect()
        replication.linkGeneration += 1
        replication.masterHost = nil
        replication.masterPort = 0
        LogSink.shared.role = "M"
        replication.linkState = .connect
        replication.linkDownSince = nil
        shiftReplicationID()
        // Our replicas must learn the new ID: they reconnect and continue from the backlog.
        disconnectReplicas()
        replication.selectedDatabase = -1
        if replication.backlog == nil { createBacklog() }
        // The backlog TTL counts from now: siblings need time to come and continue from it.
        replication.noReplicasSince = clock.unixMilliseconds()
        if let requestedBy { serverLog(.notice, "MASTER MODE enabled (user request from '\(requestedBy)')") }
    }

    /// Redis's `shiftReplicationId`.
    package func shiftReplicationID() {
        replication.replicationID2 = replication.replicationID
        replication.secondOffset = replication.offset + 1
        replication.replicationID = Engine.randomHex(40)
        serverLog(
            .notice,
            "Setting secondary replication ID to \(replication.replicationID2), valid up to offset: \(replication.secondOffset). New replication ID is \(replication.replicationID)"
        )
    }

    /// Redis's `disconnectAllBlockedClients`: a role change ends every blocking command with an error.
    package func unblockAllBlockedClients() {
        for client in clients.values where client.isBlocked {
            client.error("UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)")
            client.closeAfterReply = true
            unblock(client)
        }
    }

    /// Asks the network layer for a fresh link (the cron retries every second while the state is `connect`).
    public func connectToMaster() {
        guard let host = replication.masterHost, replication.linkState == .connect, replication.linkEnabled,
            !persistence.loading
        else { return }
        replication.linkState = .connecting
        replication.linkGeneration += 1
        replication.lastMasterInteraction = clock.unixMilliseconds()
        serverLog(.notice, "Connecting to MASTER \(host):\(replication.masterPort)")
        serverLog(.notice, "MASTER <-> REPLICA sync started")
        masterLink?.connect(host: host, port: replication.masterPort)
    }

    // MARK: Handshake (called by the master link)

    public func masterLinkHandshakeStarted() {
        replication.linkState = .handshake
        replication.lastMasterInteraction = clock.unixMilliseconds()
    }

    /// The PSYNC arguments we send: our ID and next offset when our data can be continued, else `? -1`.
    public var partialResyncRequest: (id: String, offset: Int)? {
        replication.canContinue ? (replication.replicationID, replication.offset + 1) : nil
    }

    /// `+CONTINUE [newid]`: the stream continues; a new ID means our master was promoted meanwhile.
    public func masterAcceptedContinuation(newID: String?) -> ClientSession {
        if let newID, newID != replication.replicationID {
            replication.replicationID2 = replication.replicationID
            replication.secondOffset = replication.offset + 1
            replication.replicationID = newID
            serverLog(.notice, "Master replication ID changed to \(newID)")
            // Our replicas follow the old ID: they reconnect and continue with the new one.
            disconnectReplicas()
        }
        if replication.backlog == nil { createBacklog() }
        return attachMaster(database: replication.masterStreamDatabase)
    }

    /// `+FULLRESYNC id offset`: the RDB follows.
    public func masterStartsFullSync(size: Int) {
        replication.linkState = .sync
        replication.transferSize = size
        replication.transferRead = 0
        replication.transferLastIO = clock.unixMilliseconds()
    }

    /// `received`: payload bytes received so far.
    public func masterTransferProgress(_ received: Int) {
        replication.transferRead = received
        replication.transferLastIO = clock.unixMilliseconds()
        replication.lastMasterInteraction = replication.transferLastIO
    }

    /// The RDB of a full sync is in `temporaryPath`: it replaces our dataset (loaded on a background thread
    /// while clients get `-LOADING`). `completion` gets the master client to apply the stream with, or nil.
    public func loadFullSync(
        temporaryPath: String, replicationID: String, offset: Int,
        completion: @escaping (ClientSession?) -> Void
    ) {
        serverLog(.notice, "MASTER <-> REPLICA sync: Flushing old data")
        let path = rdbPath
        // A BGSAVE still running would later rename an older snapshot over the file we load.
        if persistence.backgroundSaveInProgress {
            serverLog(.warning, "Killing the running BGSAVE before loading the master's RDB")
            cancelBackgroundSave()
        }
        let generation = replication.linkGeneration
        guard rename(temporaryPath, path) == 0 else {
            serverLog(
                .warning,
                "Failed trying to rename the temp DB into \(path) in MASTER <-> REPLICA synchronization: \(String(cString: strerror(errno)))"
            )
            unlink(temporaryPath)
            completion(nil)
            return
        }
        serverLog(.notice, "MASTER <-> REPLICA sync: Loading DB in memory")
        let started = clock.monotonicMicroseconds()
        let finish: (Result<LoadedDataset, Error>) -> Void = { result in
            guard generation == self.replication.linkGeneration, self.replication.isReplica else {
                // REPLICAOF changed while we loaded: this data belongs to a link that no longer exists.
                serverLog(
                    .warning,
                    "MASTER <-> REPLICA sync: discarding the loaded RDB, the replication link changed meanwhile")
                completion(nil)
                return
            }
            switch result {
            case .success(let dataset):
                self.install(dataset, startedAt: started)
                self.replication.replicationID = replicationID
                self.replication.replicationID2 = String(repeating: "0", count: 40)
                self.replication.secondOffset = -1
                self.replication.offset = offset
                // Replicas of ours followed the old stream: they must resync with the new one.
                self.disconnectReplicas()
                self.createBacklog()
                self.replication.canContinue = true
                self.restartAppendOnlyAfterSync()
                serverLog(.notice, "MASTER <-> REPLICA sync: Finished with success")
                // The stream resumes in the database the master's stream had selected (chains forward it as is).
                let database = dataset.summary.auxValue("repl-stream-db").flatMap { Int("\($0)") } ?? 0
                completion(self.attachMaster(database: self.validDatabase(database) ? database : 0))
            case .failure(let error):
                serverLog(.warning, "\(error)")
                serverLog(
                    .warning, "Failed trying to load the MASTER synchronization DB from disk, check server logs.")
                self.replication.linkState = .connect
                completion(nil)
            }
        }
        let loader = DatasetLoader(engine: self, path: path, keepExpired: true)
        var status = stat()
        if stat(path, &status) == 0 && status.st_size <= Engine.synchronousFullSyncLoadBytes {
            // A small dataset loads at once on this thread, as Redis loads it before serving the next event: no
            // client sees -LOADING for it (redis-cli --cluster reads CLUSTER NODES right after CLUSTER REPLICATE).
            finish(Result { try loader.load() })
        } else {
            loader.loadInBackground(into: self, completion: finish)
        }
    }

    /// With `appendonly yes` the AOF must describe the new dataset: a rewrite writes it as the new base.
    private func restartAppendOnlyAfterSync() {
        guard appendOnlyLog != nil else { return }
        disableAppendOnly()
        if let failure = enableAppendOnly() {
            serverLog(.warning, "Failed restarting the AOF after a full sync: \(failure)")
        }
    }

    /// The link is up: a client session for the master's commands.
    private func attachMaster(database: Int) -> ClientSession {
        let master = createClient(
            address: "\(replication.masterHost ?? ""):\(replication.masterPort)", localAddress: "",
            isUnixSocket: false, allocator: ByteBufferAllocator())
        master.authenticated = true
        master.isMaster = true
        master.database = database
        replication.masterClient = master
        replication.linkState = .connected
        replication.linkDownSince = nil
        replication.lastMasterInteraction = clock.unixMilliseconds()
        replication.readOffset = replication.offset
        return master
    }

    /// The link closed (or failed during the handshake): remember where the stream stood and retry.
    public func masterLinkLost(_ master: ClientSession?) {
        replication.masterClient = nil
        if let master {
            replication.masterStreamDatabase = master.database
            removeClient(master)
            serverLog(.notice, "Connection with master lost.")
            serverLog(.notice, "Caching the disconnected master state.")
        }
        if replication.linkState == .connected || replication.linkDownSince == nil {
            replication.linkDownSince = clock.unixMilliseconds()
        }
        replication.readOffset = replication.offset
        if replication.isReplica { replication.linkState = .connect }
    }

    // MARK: The stream

    /// Applies one command of the master's stream; `raw` is its exact bytes, forwarded to our own replicas.
    public func applyFromMaster(_ master: ClientSession, _ args: Arguments, raw: UnsafeRawBufferPointer) {
        applyingMasterStream = true
        execute(master, args)
        applyingMasterStream = false
        master.reply.buffer.clear()
        applySkippedMasterBytes(raw)
    }

    /// Stream bytes that hold no command still count in the offset and reach our replicas.
    public func applySkippedMasterBytes(_ raw: UnsafeRawBufferPointer) {
        if replication.backlog != nil {
            feedRawReplicationStream(raw)
        } else {
            replication.offset += raw.count
        }
    }

    /// REPLCONF ACK <offset> to our master (every second, and when it asks with GETACK).
    public func acknowledgeToMaster() {
        guard replication.linkState == .connected else { return }
        masterLink?.sendToMaster(RESPCommand.text(["REPLCONF", "ACK", String(replication.offset)]))
        replication.lastAckSent = clock.unixMilliseconds()
    }
}
