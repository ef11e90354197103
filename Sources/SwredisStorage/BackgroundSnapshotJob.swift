import Dispatch
import NIOConcurrencyHelpers
import SwredisKeyspace

/// Set from the engine thread, read by a background writer between buffers.
package final class CancellationFlag: Sendable {
    private let flag = NIOLockedValueBox(false)
    package init() {}
    package func cancel() { flag.withLockedValue { $0 = true } }
    package var isCancelled: Bool { flag.withLockedValue { $0 } }
}

/// A snapshot written on a background thread (BGSAVE, AOF rewrite), and its outcome.
package final class BackgroundSnapshotJob: @unchecked Sendable {
    private var snapshot: [DatabaseSnapshot]
    package let generation: UInt32
    package let temporaryPath: String
    private let work: (inout [DatabaseSnapshot], CancellationFlag) throws -> Void
    package let cancel = CancellationFlag()
    private let finished = DispatchSemaphore(value: 0)
    /// Set by `run`; read on the engine thread after it finished.
    package private(set) var failure: Error?

    package init(
        snapshot: [DatabaseSnapshot], generation: UInt32, temporaryPath: String,
        work: @escaping (inout [DatabaseSnapshot], CancellationFlag) throws -> Void
    ) {
        self.snapshot = snapshot
        self.generation = generation
        self.temporaryPath = temporaryPath
        self.work = work
    }

    package func run() {
        do {
            try work(&snapshot, cancel)
        } catch {
            failure = error
        }
        snapshot = []
        finished.signal()
    }

    /// Cancels the job and waits until its thread stopped touching files (it stops at its next buffer).
    package func cancelAndWait() {
        cancel.cancel()
        waitUntilFinished()
    }

    /// Waits until the job's thread is done with it (it may have succeeded or failed).
    package func waitUntilFinished() {
        finished.wait()
        finished.signal()
    }
}
