import Dispatch
import NIOCore
import SwredisBytes
import SwredisConfig
import SwredisEngine
import SwredisKeyspace
import SwredisLog
import SwredisProtocol
import SwredisStorage

#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    package var appendDirectory: String { config[.appenddirname] }
    package var appendFilename: String { config[.appendfilename] }
    package var fsyncPolicy: FsyncPolicy { FsyncPolicy(rawValue: config[.appendfsync]) ?? .everysec }

    package func appendOnlyPath(_ name: String) -> String { "\(appendDirectory)/\(name)" }

    /// The name and format of base file `sequence`: an RDB preamble marked `aof-base 1`, or commands.
    package func appendOnlyBase(sequence: Int) -> (name: String, format: SnapshotFileFormat) {
        let preamble = config[.aofUseRdbPreamble]
        let name = AOFManifest.baseName(appendFilename, sequence: sequence, rdbPreamble: preamble)
        guard preamble else { return (name, .commands(functionLibraries: functionLibraryCodes())) }
        var options = rdbWriteOptions()
        options.aux = options.aux.map { $0.0 == "aof-base" ? ("aof-base", "1") : $0 }
        return (name, .rdb(options))
    }

    /// AOF bytes now: base plus incremental files, including what is still buffered (INFO aof_current_size).
    public var appendOnlyCurrentSize: Int {
        appendOnly.closedFilesSize + (appendOnlyLog.map { $0.incrementalSize + appendOnlyBuffer.count } ?? 0)
    }

    /// Records `manifest` as the one on disk and measures its files that are no longer appended to.
    package func adoptManifest(_ manifest: AOFManifest) {
        files.manifest = manifest
        var total = 0
        for file in manifest.loadOrder.dropLast(manifest.incremental.isEmpty ? 0 : 1) {
            var info = stat()
            if stat(appendOnlyPath(file.name), &info) == 0 { total += Int(info.st_size) }
        }
        appendOnly.closedFilesSize = total
    }

    /// Writes the manifest durably (temporary file, fsync, rename, directory fsync).
    package func persistManifest(_ manifest: AOFManifest) throws {
        let name = AOFManifest.manifestName(appendFilename)
        var text = manifest.text
        try DurableFile.replace(appendOnlyPath(name), temporaryPath: appendOnlyPath("temp-" + name)) { write in
            try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
        }
        adoptManifest(manifest)
    }

    package func ensureAppendDirectory() throws {
        if mkdir(appendDirectory, 0o755) != 0 && errno != EEXIST {
            throw FileError(path: appendDirectory, operation: "mkdir", code: errno)
        }
    }

    // MARK: Writing

    /// Writes what commands of this event-loop tick appended (and fsyncs under `appendfsync always`). The
    /// server calls it before it sends the tick's replies. A failed write under `always` stops the process,
    /// as Redis does: the replies must not claim durability the disk did not give.
    public func flushAppendOnly() {
        guard let log = appendOnlyLog else { return }
        do {
            try log.flush(nowMilliseconds: clock.unixMilliseconds())
        } catch {
            if log.policy == .always {
                serverLog(
                    .warning, "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...")
                exit(1)
            }
            serverLog(.warning, "Error writing to the AOF file: \(error)")
        }
    }

    // MARK: Switching on and off

    /// CONFIG SET appendonly yes: a rewrite writes the first base while new writes go to a fresh
    /// incremental file; the AOF counts as on once the base is in place.
    package func enableAppendOnly() -> String? {
        guard appendOnlyLog == nil else { return nil }
        appendOnly.enabling = true
        if !startAppendOnlyRewrite() {
            appendOnly.enabling = false
            return "ERR Background append only file rewriting could not be started"
        }
        return nil
    }

    /// CONFIG SET appendonly no: flush, fsync and close the file; a running rewrite is stopped.
    package func disableAppendOnly() {
        files.rewriteJob?.cancelAndWait()
        appendOnlyLog?.close(nowMilliseconds: clock.unixMilliseconds())
        appendOnlyLog = nil
        appendOnly.enabling = false
    }

    // MARK: Rewriting

    /// BGREWRITEAOF: new writes go to a new incremental file at once; a snapshot of this instant is written as
    /// the new base on a background thread; when it is in place the manifest drops the files it replaces.
    @discardableResult
    public func startAppendOnlyRewrite() -> Bool {
        guard !appendOnly.rewriteInProgress else { return false }
        let now = clock.unixMilliseconds()
        do {
            try ensureAppendDirectory()
            var manifest = files.manifest ?? AOFManifest()
            let incremental = AOFManifest.File(
                name: AOFManifest.incrementalName(appendFilename, sequence: manifest.nextIncrementalSequence),
                sequence: manifest.nextIncrementalSequence, kind: .incremental)
            if let log = appendOnlyLog {
                try log.switchFile(to: appendOnlyPath(incremental.name), nowMilliseconds: now)
                manifest.incremental.append(incremental)
                try persistManifest(manifest)
                appendOnly.keptIncrementalFrom = manifest.incremental.count - 1
                serverLog(.notice, "Creating AOF incr file \(incremental.name) on background rewrite")
            } else if appendOnly.enabling {
                appendOnlyLog = try AppendOnlyLog(
                    path: appendOnlyPath(incremental.name), policy: fsyncPolicy, buffer: appendOnlyBuffer)
                appendOnly.keptIncrementalFrom = -1
            } else {
                appendOnly.keptIncrementalFrom = manifest.incremental.count
            }
        } catch {
            serverLog(.warning, "Can't open the append-only file for the rewrite: \(error)")
            appendOnly.lastRewriteOK = false
            return false
        }
        let taken = takeSnapshot()
        let sequence = files.manifest?.nextBaseSequence ?? 1
        let (baseName, format) = appendOnlyBase(sequence: sequence)
        let basePath = appendOnlyPath(baseName)
        let temporaryPath = appendOnlyPath("temp-rewriteaof-bg-\(getpid()).aof")
        let metadata = rdbKeyMetadata()
        let job = BackgroundSnapshotJob(
            snapshot: taken.databases, generation: taken.generation, temporaryPath: temporaryPath
        ) { snapshot, cancel in
            try SnapshotFile.write(
                &snapshot, path: basePath, temporaryPath: temporaryPath, format: format, metadata: metadata,
                isCancelled: { cancel.isCancelled })
        }
        appendOnly.rewriteInProgress = true
        appendOnly.rewriteScheduled = false
        appendOnly.rewriteStartedAt = now
        files.rewriteJob = job
        files.rewriteBase = AOFManifest.File(name: baseName, sequence: sequence, kind: .base)
        serverLog(.notice, "Background append only file rewriting started")
        guard let runOnEngineThread else {
            job.run()
            appendOnlyRewriteFinished(job, base: AOFManifest.File(name: baseName, sequence: sequence, kind: .base))
            return true
        }
        BackgroundThread.start {
            job.run()
            runOnEngineThread { [unowned self] in
                self.appendOnlyRewriteFinished(
                    job, base: AOFManifest.File(name: baseName, sequence: sequence, kind: .base))
            }
        }
        return true
    }

    /// Waits for the running rewrite on the engine thread and installs its result at once (at shutdown); the
    /// completion the writer thread posted to the loop then finds the job already finished.
    package func finishAppendOnlyRewriteNow() {
        guard let job = files.rewriteJob, let base = files.rewriteBase else { return }
        job.waitUntilFinished()
        appendOnlyRewriteFinished(job, base: base)
    }

    private func appendOnlyRewriteFinished(_ job: BackgroundSnapshotJob, base: AOFManifest.File) {
        guard files.rewriteJob === job else { return }
        snapshotGenerations.end(job.generation)
        appendOnly.rewriteInProgress = false
        files.rewriteJob = nil
        files.rewriteBase = nil
        appendOnly.lastRewriteSeconds = (clock.unixMilliseconds() - appendOnly.rewriteStartedAt) / 1000
        if let failure = job.failure {
            if !(failure is SnapshotCancelled) {
                serverLog(.warning, "Background AOF rewrite terminated with error: \(failure)")
            }
            appendOnly.lastRewriteOK = false
            appendOnly.consecutiveFailures += 1
            abandonEnabling()
            return
        }
        let old = files.manifest ?? AOFManifest()
        var manifest = AOFManifest()
        manifest.base = base
        var obsolete = old.base.map { [$0] } ?? []
        if appendOnly.enabling, let log = appendOnlyLog {
            let name = String(log.path.split(separator: "/").last ?? "")
            manifest.incremental = [
                AOFManifest.File(name: name, sequence: old.nextIncrementalSequence, kind: .incremental)
            ]
            obsolete += old.incremental
        } else {
            let split = max(0, min(appendOnly.keptIncrementalFrom, old.incremental.count))
            manifest.incremental = Array(old.incremental[split...])
            obsolete += old.incremental[..<split]
        }
        do {
            try persistManifest(manifest)
        } catch {
            serverLog(.warning, "Error trying to persist the AOF manifest after a rewrite: \(error)")
            appendOnly.lastRewriteOK = false
            appendOnly.consecutiveFailures += 1
            abandonEnabling()
            return
        }
        for file in obsolete where file.name != base.name {
            serverLog(.notice, "Removing the history file \(file.name) in the background")
            unlink(appendOnlyPath(file.name))
        }
        if appendOnly.enabling {
            appendOnly.enabling = false
            serverLog(.notice, "Background AOF rewrite finished successfully; appendonly is on")
        }
        serverLog(.notice, "Background AOF rewrite terminated with success")
        serverLog(.notice, "Background AOF rewrite finished successfully")
        appendOnly.lastRewriteOK = true
        appendOnly.consecutiveFailures = 0
        appendOnly.rewrites += 1
        appendOnly.baseSize = appendOnlyCurrentSize
    }

    private func abandonEnabling() {
        guard appendOnly.enabling else { return }
        appendOnly.enabling = false
        if let log = appendOnlyLog {
            let path = log.path
            log.close(nowMilliseconds: clock.unixMilliseconds())
            unlink(path)
        }
        appendOnlyLog = nil
        try? config.set(name: "appendonly", value: "no")
        serverLog(.warning, "appendonly could not be switched on: the first AOF rewrite failed")
    }

    /// Cron: scheduled rewrites, and `auto-aof-rewrite-percentage` / `auto-aof-rewrite-min-size`.
    public func appendOnlyCron() {
        guard !appendOnly.rewriteInProgress, !persistence.backgroundSaveInProgress, !persistence.loading else { return }
        if appendOnly.rewriteScheduled {
            startAppendOnlyRewrite()
            return
        }
        guard appendOnlyLog != nil, !appendOnly.enabling else { return }
        let percentage = config[.autoAofRewritePercentage]
        let minimum = config[.autoAofRewriteMinSize]
        guard percentage > 0 else { return }
        let current = appendOnlyCurrentSize
        let reference = max(appendOnly.baseSize, 1)
        let growth = (current - reference) * 100 / reference
        if current > minimum && growth >= percentage {
            serverLog(.notice, "Starting automatic rewriting of AOF on \(growth)% growth")
            startAppendOnlyRewrite()
        }
    }
}

// MARK: Startup

/// What startup finds in the AOF directory.
public struct AppendOnlyStartup {
    /// The base file when it is an RDB preamble, loaded like an RDB file (expired keys kept: later commands
    /// in the incremental files may still touch them).
    public var rdbBase: String?
    /// Command files to replay after the base, in order.
    public var commandFiles: [(path: String, name: String)] = []
}

extension Engine {
    /// Reads the manifest (upgrading a legacy single `appendonly.aof` the way Redis 7.0 does) and lists what to
    /// load. Returns nil when there is no AOF yet.
    public func prepareAppendOnlyLoad() throws -> AppendOnlyStartup? {
        let manifestPath = appendOnlyPath(AOFManifest.manifestName(appendFilename))
        var manifest: AOFManifest
        if access(manifestPath, F_OK) == 0 {
            let file = try MappedFile(path: manifestPath)
            manifest = try AOFManifest.parse(String(decoding: file.bytes, as: UTF8.self))
            adoptManifest(manifest)
        } else if access(appendFilename, F_OK) == 0 {
            try ensureAppendDirectory()
            guard rename(appendFilename, appendOnlyPath(appendFilename)) == 0 else {
                throw FileError(path: appendFilename, operation: "rename", code: errno)
            }
            manifest = AOFManifest()
            manifest.base = AOFManifest.File(name: appendFilename, sequence: 1, kind: .base)
            try persistManifest(manifest)
            serverLog(
                .notice,
                "Successfully migrated an old-style AOF file (\(appendFilename)) into the AOF directory (\(appendDirectory))."
            )
        } else {
            return nil
        }
        var startup = AppendOnlyStartup()
        for file in manifest.loadOrder {
            let path = appendOnlyPath(file.name)
            guard access(path, F_OK) == 0 else {
                throw AOFLoadError(description: "The AOF file \(file.name) doesn't exist")
            }
            if file.kind == .base, RDBFormat.isRDBFile(path) {
                startup.rdbBase = path
            } else {
                startup.commandFiles.append((path, file.name))
            }
        }
        return startup
    }

    /// A replay of the command files, driven by the server in slices.
    public func makeAppendOnlyReplay(_ startup: AppendOnlyStartup) -> AOFReplay {
        AOFReplay(engine: self, files: startup.commandFiles)
    }

    /// After loading: appends go to the last incremental file, or to a new one (with a base written first when
    /// there is none yet, as Redis creates both on a start without AOF).
    public func openAppendOnlyAfterLoad() throws {
        try ensureAppendDirectory()
        var manifest = files.manifest ?? AOFManifest()
        if manifest.base == nil {
            let sequence = manifest.nextBaseSequence
            let (name, format) = appendOnlyBase(sequence: sequence)
            var (generation, snapshot) = takeSnapshot()
            defer { snapshotGenerations.end(generation) }
            try SnapshotFile.write(
                &snapshot, path: appendOnlyPath(name), temporaryPath: appendOnlyPath("temp-" + name), format: format)
            manifest.base = AOFManifest.File(name: name, sequence: sequence, kind: .base)
            serverLog(.notice, "Creating AOF base file \(name) on server start")
        }
        if manifest.incremental.isEmpty {
            let sequence = manifest.nextIncrementalSequence
            let name = AOFManifest.incrementalName(appendFilename, sequence: sequence)
            manifest.incremental.append(AOFManifest.File(name: name, sequence: sequence, kind: .incremental))
            serverLog(.notice, "Creating AOF incr file \(name) on server start")
        }
        if let last = manifest.incremental.last {
            appendOnlyLog = try AppendOnlyLog(
                path: appendOnlyPath(last.name), policy: fsyncPolicy, buffer: appendOnlyBuffer)
        }
        if manifest != files.manifest { try persistManifest(manifest) }
        appendOnly.baseSize = appendOnlyCurrentSize
    }
}
