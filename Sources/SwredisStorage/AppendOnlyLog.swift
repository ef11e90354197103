import Dispatch
import NIOConcurrencyHelpers
import SwredisConfig
import SwredisProtocol

#if canImport(Glibc)
import Glibc
#endif

/// The open incremental AOF file. The engine thread appends commands to an `AppendOnlyBuffer`; once per event-loop
/// tick, before the replies of that tick are sent, `flush` writes the buffer with one `write` and, with
/// `appendfsync always`, `fsync`s it — so no client hears "OK" for a write that is not in the file (on disk, with
/// `always`). Failures are recorded in the buffer, where the engine reads them.
public final class AppendOnlyLog: @unchecked Sendable {
    public private(set) var path: String
    public var policy: FsyncPolicy
    private var descriptor: Int32
    private let buffer: AppendOnlyBuffer
    /// Bytes written to the current incremental file (what is still buffered is in the `AppendOnlyBuffer`).
    public private(set) var incrementalSize: Int
    private let fsyncQueue = DispatchQueue(label: "swredis.aof.fsync")
    private let backgroundFsync = NIOLockedValueBox(BackgroundFsync())

    struct BackgroundFsync {
        var inFlight = false
        var lastFinished = 0
    }

    /// Opens (or creates) `path` for appending what the engine puts in `buffer`.
    public init(path: String, policy: FsyncPolicy, buffer: AppendOnlyBuffer) throws {
        self.path = path
        self.policy = policy
        self.buffer = buffer
        descriptor = try AppendOnlyLog.open(path)
        var info = stat()
        incrementalSize = fstat(descriptor, &info) == 0 ? Int(info.st_size) : 0
    }

    static func open(_ path: String) throws -> Int32 {
        let descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileError(path: path, operation: "open", code: errno) }
        return descriptor
    }

    // MARK: Writing

    /// Writes the buffer and applies the fsync policy. Throws when the bytes could not be written (they stay
    /// buffered and the next flush retries).
    public func flush(nowMilliseconds: Int) throws {
        if !buffer.isEmpty {
            do {
                try buffer.bytes.withUnsafeBytes { try DurableFile.writeAll(descriptor, $0, path: path) }
            } catch let error as FileError {
                buffer.lastWriteFailure = error.reason
                throw error
            }
            incrementalSize += buffer.count
            buffer.removeWritten()
            buffer.lastWriteFailure = nil
            if policy == .always {
                guard fdatasync(descriptor) == 0 else {
                    let error = FileError(path: path, operation: "fsync", code: errno)
                    buffer.lastWriteFailure = error.reason
                    throw error
                }
                return
            }
        }
        if policy == .everysec { fsyncInBackgroundIfDue(nowMilliseconds: nowMilliseconds) }
    }

    /// With `everysec`: starts a background fsync when the last one finished over a second ago.
    private func fsyncInBackgroundIfDue(nowMilliseconds: Int) {
        let due = backgroundFsync.withLockedValue { state -> Bool in
            guard !state.inFlight, nowMilliseconds - state.lastFinished >= 1000 else { return false }
            state.inFlight = true
            return true
        }
        guard due else { return }
        let descriptor = self.descriptor
        fsyncQueue.async { [backgroundFsync] in
            _ = fdatasync(descriptor)
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let finished = now.tv_sec * 1000 + now.tv_nsec / 1_000_000
            backgroundFsync.withLockedValue { state in
                state.inFlight = false
                state.lastFinished = finished
            }
        }
    }

    /// Whether a background fsync is running (INFO aof_pending_bio_fsync).
    public var backgroundFsyncInFlight: Bool { backgroundFsync.withLockedValue { $0.inFlight } }

    /// Flushes, then continues in a new file `path` (a rewrite started). The old file is fsynced and closed on
    /// the background queue, after any fsync already queued for it.
    public func switchFile(to newPath: String, nowMilliseconds: Int) throws {
        try flush(nowMilliseconds: nowMilliseconds)
        let newDescriptor = try AppendOnlyLog.open(newPath)
        let old = descriptor
        fsyncQueue.async {
            _ = fdatasync(old)
            _ = Glibc.close(old)
        }
        descriptor = newDescriptor
        path = newPath
        incrementalSize = 0
        buffer.forgetSelectedDatabase()
    }

    /// Flushes and fsyncs everything, then closes the file (shutdown, `appendonly no`).
    public func close(nowMilliseconds: Int) {
        try? flush(nowMilliseconds: nowMilliseconds)
        fsyncQueue.sync {}
        _ = fdatasync(descriptor)
        _ = Glibc.close(descriptor)
        descriptor = -1
    }

    deinit {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
    }
}
