import SwredisEngine
import SwredisKeyspace
import SwredisStorage

/// The one way a dataset file becomes the engine's data, for start-up (the RDB, or an AOF's RDB base), DEBUG
/// RELOAD and a replica's full sync. It takes the engine's limits when made (collection encodings, database
/// count, LFU or LRU access clocks), parses at once or on a background thread while clients get `-LOADING` and
/// INFO reports `loading_*`, and `install` swaps the result in on the engine thread.
public struct DatasetLoader {
    public let path: String
    private let limits: CollectionLimits
    private let databaseCount: Int
    private let lfu: Bool
    /// Keep keys whose time has passed (an AOF base or a master's RDB: the stream that follows removes them).
    private let keepExpired: Bool

    public init(engine: Engine, path: String, keepExpired: Bool = false) {
        self.path = path
        limits = engine.collectionLimits
        databaseCount = engine.databases.count
        lfu = engine.lfuMode
        self.keepExpired = keepExpired
    }

    /// Parses the file on this thread; `progress` gets (bytes read, file size).
    public func load(progress: (Int, Int) -> Void = { _, _ in }) throws -> LoadedDataset {
        try Engine.loadRDB(
            path: path, limits: limits, databaseCount: databaseCount, lfu: lfu, keepExpired: keepExpired,
            progress: progress)
    }

    /// Parses the file on a background thread. The engine is marked loading until `completion` runs on the
    /// engine thread with the result; `progress` runs on the background thread at most five times a second
    /// (INFO's loading fields are updated from it on the engine thread).
    public func loadInBackground(
        into engine: Engine, progress: ((Int, Int) -> Void)? = nil,
        completion: @escaping (Result<LoadedDataset, Error>) -> Void
    ) {
        engine.persistence.loading = true
        engine.persistence.loadingStartedAt = engine.clock.unixMilliseconds()
        let onEngineThread = engine.runOnEngineThread ?? { $0() }
        let loader = UncheckedBox(self)
        let finish = UncheckedBox(completion)
        let report = UncheckedBox(progress)
        let target = UncheckedBox(engine)
        BackgroundThread.start(nice: 0) {
            var lastReport = 0
            let result = Result {
                try loader.value.load { loaded, total in
                    let now = Engine.monotonicMicroseconds()
                    guard now - lastReport > 200_000 else { return }
                    lastReport = now
                    onEngineThread {
                        target.value.persistence.loadingLoadedBytes = loaded
                        target.value.persistence.loadingTotalBytes = total
                    }
                    report.value?(loaded, total)
                }
            }
            let outcome = UncheckedBox(result)
            onEngineThread {
                target.value.persistence.loading = false
                finish.value(outcome.value)
            }
        }
    }
}
