import Dispatch
import NIOConcurrencyHelpers
import SwredisBytes
import SwredisConfig
import SwredisEngine
import SwredisKeyspace
import SwredisLog
import SwredisStorage

#if canImport(Glibc)
import Glibc
#endif

/// The loaded dataset, ready to replace the engine's databases.
public struct LoadedDataset: @unchecked Sendable {
    public var databases: [Database]
    public var summary: RDBFileSummary
    public var expiredKeys: Int

    public init(databases: [Database], summary: RDBFileSummary, expiredKeys: Int) {
        self.databases = databases
        self.summary = summary
        self.expiredKeys = expiredKeys
    }
}

extension Engine {
    // MARK: Writing

    /// Snapshots every database for a writer; the caller must call `snapshotGenerations.end` when done.
    package func takeSnapshot() -> (generation: UInt32, databases: [DatabaseSnapshot]) {
        let generation = snapshotGenerations.begin()
        return (generation, databases.map(\.snapshot))
    }

    /// The AUX fields Redis 7.0 writes.
    package func rdbWriteOptions() -> RDBWriteOptions {
        var options = RDBWriteOptions()
        options.compression = config[.rdbcompression]
        options.checksum = config[.rdbchecksum]
        options.aux =
            [
                ("redis-ver", ServerIdentity.redisVersion), ("redis-bits", "64"),
                ("ctime", String(clock.unixMilliseconds() / 1000)),
                ("used-mem", String(ProcessMetrics.allocatedBytes())),
            ] + replicationAuxFields() + [("aof-base", "0")]
        options.functionLibraries = functionLibraryCodes()
        return options
    }

    /// The LRU idle time or LFU counter the file keeps for each key under the current policy.
    package func rdbKeyMetadata() -> (Entry) -> (idleSeconds: Int?, frequency: UInt8?) {
        let policy = config[.maxmemoryPolicy]
        let now = clock.unixMilliseconds()
        if policy.hasSuffix("lru") {
            return { entry in (Engine.idleSeconds(entry.accessClock, now: now), nil) }
        }
        if policy.hasSuffix("lfu") {
            return { entry in (nil, UInt8(truncatingIfNeeded: LFU.decayedCounter(entry.accessClock, now: now))) }
        }
        return { _ in (nil, nil) }
    }

    package var rdbPath: String { config[.dbfilename] }

    package func logSaveFailure(_ error: Error, temporaryPath: String) {
        if let failure = error as? FileError, failure.operation == "open", failure.path == temporaryPath {
            var buffer = [CChar](repeating: 0, count: 4096)
            let cwd = getcwd(&buffer, buffer.count) != nil ? String(cString: buffer) : "unknown"
            serverLog(
                .warning,
                "Failed opening the temp RDB file \(temporaryPath) (in server root dir \(cwd)) for saving: \(failure.reason)"
            )
        } else if let failure = error as? FileError {
            serverLog(.warning, "Write error saving DB on disk: \(failure.reason)")
        } else {
            serverLog(.warning, "Write error saving DB on disk: \(error)")
        }
    }

    /// SAVE: writes the dataset on the engine thread (clients wait, as with Redis's SAVE). Returns success.
    @discardableResult
    public func saveNow() -> Bool {
        // A background save still running must not rename its older snapshot over this one.
        cancelBackgroundSave()
        let temporaryPath = "temp-\(getpid()).rdb"
        var (generation, snapshot) = takeSnapshot()
        defer { snapshotGenerations.end(generation) }
        do {
            try SnapshotFile.write(
                &snapshot, path: rdbPath, temporaryPath: temporaryPath, format: .rdb(rdbWriteOptions()),
                metadata: rdbKeyMetadata())
        } catch {
            // A failed SAVE leaves rdb_last_bgsave_status alone, as in Redis; only BGSAVE failures set it.
            logSaveFailure(error, temporaryPath: temporaryPath)
            return false
        }
        serverLog(.notice, "DB saved on disk")
        dirty = 0
        lastSaveTime = clock.unixMilliseconds() / 1000
        persistence.lastBackgroundSaveOK = true
        persistence.saves += 1
        return true
    }

    /// BGSAVE: snapshots the keyspace and writes it on a background thread while clients are served.
    /// Returns false if a save already runs.
    @discardableResult
    public func startBackgroundSave() -> Bool {
        guard !persistence.backgroundSaveInProgress else { return false }
        guard let runOnEngineThread else { return saveNow() }
        let taken = takeSnapshot()
        let options = rdbWriteOptions()
        let metadata = rdbKeyMetadata()
        let path = rdbPath
        let temporaryPath = "temp-bgsave-\(getpid()).rdb"
        let job = BackgroundSnapshotJob(
            snapshot: taken.databases, generation: taken.generation, temporaryPath: temporaryPath
        ) { snapshot, cancel in
            try SnapshotFile.write(
                &snapshot, path: path, temporaryPath: temporaryPath, format: .rdb(options), metadata: metadata,
                isCancelled: { cancel.isCancelled })
            serverLog(.notice, "DB saved on disk")
        }
        persistence.backgroundSaveInProgress = true
        persistence.backgroundSaveScheduled = false
        persistence.backgroundSaveStartedAt = clock.unixMilliseconds()
        files.backgroundSave = job
        persistence.dirtyBeforeBackgroundSave = dirty
        persistence.lastBackgroundSaveTry = clock.unixMilliseconds() / 1000
        serverLog(.notice, "Background saving started by pid \(getpid())")
        BackgroundThread.start {
            job.run()
            runOnEngineThread { [unowned self] in self.backgroundSaveFinished(job) }
        }
        return true
    }

    private func backgroundSaveFinished(_ job: BackgroundSnapshotJob) {
        snapshotGenerations.end(job.generation)
        let error = job.failure
        let temporaryPath = job.temporaryPath
        persistence.backgroundSaveInProgress = false
        files.backgroundSave = nil
        persistence.lastBackgroundSaveSeconds = (clock.unixMilliseconds() - persistence.backgroundSaveStartedAt) / 1000
        defer { backgroundSaveFinishedHook?(error == nil) }
        if error is SnapshotCancelled {
            serverLog(.warning, "Background saving terminated by signal 10")
            return
        }
        if let error {
            logSaveFailure(error, temporaryPath: temporaryPath)
            serverLog(.warning, "Background saving error")
            persistence.lastBackgroundSaveOK = false
            return
        }
        serverLog(.notice, "Background saving terminated with success")
        dirty -= persistence.dirtyBeforeBackgroundSave
        lastSaveTime = clock.unixMilliseconds() / 1000
        persistence.lastBackgroundSaveOK = true
        persistence.saves += 1
    }

    /// Stops a running background save and waits for its thread to let go of the files (its temporary file is
    /// removed; the file it would have replaced stays). Redis kills its saving child in the same situations.
    public func cancelBackgroundSave() {
        files.backgroundSave?.cancelAndWait()
    }

    /// What SHUTDOWN and SIGTERM do before the process exits: stop a running BGSAVE, then save when asked to
    /// (`save == nil`: when save points are configured). Returns false when the save failed and `force` is not set.
    public func prepareForShutdown(save: Bool?, force: Bool) -> Bool {
        if persistence.backgroundSaveInProgress {
            serverLog(.warning, "There is a child saving an .rdb. Killing it!")
            cancelBackgroundSave()
        }
        if appendOnly.rewriteInProgress {
            if appendOnly.enabling {
                // The first base of an AOF just switched on (CONFIG SET appendonly yes, a replica after its full
                // sync) is the only copy of the dataset on disk: killing it would restart with the old, empty AOF.
                // Redis refuses to exit then; the fork-free rewrite can be waited for instead.
                serverLog(.warning, "Writing initial AOF, waiting for it to finish before exiting.")
                finishAppendOnlyRewriteNow()
            } else {
                serverLog(.warning, "There is a child rewriting the AOF. Killing it!")
                files.rewriteJob?.cancelAndWait()
            }
        }
        if appendOnlyLog != nil {
            serverLog(.notice, "Calling fsync() on the AOF file.")
            flushAppendOnly()
        }
        if save ?? !config.savePoints.isEmpty {
            serverLog(.notice, "Saving the final RDB snapshot before exiting.")
            if !saveNow() {
                // Without FORCE the server keeps running, still appending to its AOF.
                guard force else {
                    serverLog(.warning, "Error trying to save the DB, can't exit.")
                    return false
                }
                serverLog(.warning, "Error trying to save the DB. Exit anyway.")
            }
        }
        appendOnlyLog?.close(nowMilliseconds: clock.unixMilliseconds())
        appendOnlyLog = nil
        return true
    }

    /// Called from cron: starts a background save when a `save <seconds> <changes>` point is reached, or when
    /// one was scheduled.
    public func persistenceCron() {
        guard !persistence.backgroundSaveInProgress, !persistence.loading, !appendOnly.rewriteInProgress else { return }
        if persistence.backgroundSaveScheduled {
            startBackgroundSave()
            return
        }
        let now = clock.unixMilliseconds() / 1000
        for point in config.savePoints where dirty >= point.changes && now - lastSaveTime > point.seconds {
            // After a failure, retry only every 5 seconds (CONFIG_BGSAVE_RETRY_DELAY).
            guard persistence.lastBackgroundSaveOK || now - persistence.lastBackgroundSaveTry > 5 else { continue }
            serverLog(.notice, "\(point.changes) changes in \(point.seconds) seconds. Saving...")
            startBackgroundSave()
            return
        }
    }

    // MARK: Loading

    /// The encoding thresholds loaded collections follow.
    public var collectionLimits: CollectionLimits {
        var limits = CollectionLimits()
        limits.hashEntries = config[.hashMaxListpackEntries]
        limits.hashValue = config[.hashMaxListpackValue]
        limits.intsetEntries = config[.setMaxIntsetEntries]
        limits.zsetEntries = config[.zsetMaxListpackEntries]
        limits.zsetValue = config[.zsetMaxListpackValue]
        return limits
    }

    /// Reads an RDB file into fresh databases. Runs on any thread; `progress` receives bytes read.
    public static func loadRDB(
        path: String, limits: CollectionLimits, databaseCount: Int, lfu: Bool, keepExpired: Bool = false,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> LoadedDataset {
        let file = try MappedFile(path: path)
        var databases = Array(repeating: Database(), count: databaseCount)
        var expired = 0
        let now = Engine.unixMilliseconds()
        let total = file.bytes.count
        let summary = try RDBReader.read(
            file.bytes, limits: limits, databases: databaseCount, progress: { progress($0, total) },
            onResize: { database, keys, expires in
                if databases[database].count == 0 && keys > 0 {
                    databases[database].keys = HashTable(capacity: keys)
                    if expires > 0 { databases[database].expires = HashTable(capacity: expires) }
                }
            },
            onKey: { record in
                if !keepExpired, let expireAt = record.expireAt, expireAt < now {
                    expired += 1
                    return
                }
                let clock =
                    lfu
                    ? LFU.minutes(now: now) << 8 | (record.frequency.map(UInt32.init) ?? LFU.initialValue)
                    : Engine.lruClock(now: now, idleSeconds: record.idleSeconds ?? 0)
                let isNew = databases[record.database].set(record.key, Entry(value: record.value, accessClock: clock))
                guard isNew else { throw RDBError(offset: 0, "Duplicate key '\(record.key)' found in RDB file") }
                if let expireAt = record.expireAt { databases[record.database].setExpire(record.key, at: expireAt) }
            })
        return LoadedDataset(databases: databases, summary: summary, expiredKeys: expired)
    }

    /// Logs what Redis logs about a loaded file and installs the dataset.
    public func install(_ loaded: LoadedDataset, startedAt: Int) {
        // The data a client WATCHed is replaced (DEBUG RELOAD, a replica's full sync), as Redis's emptyData does.
        signalDatabasesReplaced(Array(databases.indices))
        databases = loaded.databases
        if indexesSlots { databases[0].indexSlots(true) }
        let summary = loaded.summary
        if let version = summary.auxValue("redis-ver") {
            serverLog(.notice, "Loading RDB produced by version \(version)")
        }
        if let created = summary.auxValue("ctime").flatMap({ Int("\($0)") }) {
            let (age, overflow) = (clock.unixMilliseconds() / 1000).subtractingReportingOverflow(created)
            serverLog(.notice, "RDB age \(overflow ? 0 : max(0, age)) seconds")
        }
        if let memory = summary.auxValue("used-mem").flatMap({ Int("\($0)") }) {
            serverLog(.notice, "RDB memory usage when created \(formatMegabytes(memory)) Mb")
        }
        if let failure = replaceFunctionLibraries(summary.functionLibraries.map { $0.withUnsafeBytes { Array($0) } }) {
            serverLog(.warning, "Failed loading library, \(failure)")
        }
        if summary.emptyKeysSkipped > 0 {
            serverLog(.notice, "Done loading RDB, empty keys skipped: \(summary.emptyKeysSkipped)")
        }
        serverLog(
            .notice,
            "Done loading RDB, keys loaded: \(summary.keys - loaded.expiredKeys), keys expired: \(loaded.expiredKeys).")
        let seconds = Double(clock.monotonicMicroseconds() - startedAt) / 1_000_000
        serverLog(.notice, "DB loaded from disk: \(Engine.formatSeconds(seconds)) seconds")
        persistence.lastLoadKeysLoaded = summary.keys - loaded.expiredKeys
        persistence.lastLoadKeysExpired = loaded.expiredKeys
        dirty = 0
        lastSaveTime = clock.unixMilliseconds() / 1000
    }

    /// Bytes as megabytes with two decimals, rounded; any 64-bit value from a file's `used-mem` field fits.
    private func formatMegabytes(_ bytes: Int) -> String {
        let hundredths = Int((Double(max(bytes, 0)) * 100 / 1_048_576).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    public static func formatSeconds(_ seconds: Double) -> String {
        let thousandths = Int((seconds * 1000).rounded())
        let fraction = String(thousandths % 1000)
        return "\(thousandths / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
