import SwredisConfig
import SwredisKeyspace

/// RDB state INFO persistence reports, owned by the engine thread.
public struct PersistenceState {
    public var backgroundSaveInProgress = false
    /// BGSAVE SCHEDULE asked for a save while another background job ran.
    public var backgroundSaveScheduled = false
    package var backgroundSaveStartedAt = 0
    package var dirtyBeforeBackgroundSave = 0
    /// The running BGSAVE was started for replicas waiting for a full sync (disk target).
    package var backgroundSaveServesReplicas = false
    public var lastBackgroundSaveOK = true
    public var lastBackgroundSaveSeconds = -1
    /// Unix seconds of the last BGSAVE attempt (failed saves are retried after 5 s).
    package var lastBackgroundSaveTry = 0
    public var saves = 0
    /// True while the dataset is being loaded: commands without the `loading` flag get `-LOADING`.
    public var loading = false
    public var loadingStartedAt = 0
    public var loadingTotalBytes = 0
    public var loadingLoadedBytes = 0
    public var lastLoadKeysLoaded = 0
    public var lastLoadKeysExpired = 0
}

/// AOF state INFO persistence reports, owned by the engine thread.
public struct AppendOnlyState {
    public var rewriteInProgress = false
    public var rewriteScheduled = false
    package var rewriteStartedAt = 0
    public var lastRewriteSeconds = -1
    public var lastRewriteOK = true
    public var rewrites = 0
    public var consecutiveFailures = 0
    /// AOF size after the last rewrite or load: the reference of `auto-aof-rewrite-percentage`.
    public var baseSize = 0
    /// Bytes in the manifest's files other than the incremental file being appended to, measured when the
    /// manifest changes (so the cron's size check needs no `stat`).
    package var closedFilesSize = 0
    /// Index in the manifest's incremental files of the first file the running rewrite keeps.
    package var keptIncrementalFrom = 0
    /// `appendonly` was switched on and waits for its first base file.
    package var enabling = false
}

/// The refusals persistence state causes, which `execute` applies.
extension Engine {
    package static let misconfError =
        "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
    package static let loadingError = "LOADING Redis is loading the dataset in memory"
    package static let readOnlyReplicaError = "READONLY You can't write against a read only replica."
    package static let noReplicasError = "NOREPLICAS Not enough good replicas to write."

    /// Why writes are refused because persistence failed (`-MISCONF`: a failed save or AOF write), if they are.
    package var diskErrorRefusal: String? {
        if writesDeniedByDiskError { return Engine.misconfError }
        if let failure = appendOnlyBuffer.lastWriteFailure {
            return "MISCONF Errors writing to the AOF file: \(failure)"
        }
        return nil
    }

    /// A replica whose master link is down while `replica-serve-stale-data` is `no`: only `stale` commands run.
    package var isStaleReplica: Bool {
        replication.isReplica && replication.linkState != .connected && !replicaServesStaleData
    }

    /// Whether writes are refused with `-MISCONF` (a failed save while save points and
    /// `stop-writes-on-bgsave-error` are set).
    package var writesDeniedByDiskError: Bool {
        !persistence.lastBackgroundSaveOK && config[.stopWritesOnBgsaveError] && !config.savePoints.isEmpty
    }
}
