import Dispatch
import NIOCore
import SwredisEngine
import SwredisKeyspace
import SwredisLog
import SwredisPersistence
import SwredisStorage

#if canImport(Glibc)
import Glibc
#endif

/// Moves RDB bytes produced on a background thread to replica sockets on the engine thread, with
/// backpressure: the producer waits while `window` chunks are still on their way to the sockets, so a slow
/// replica slows the writer down instead of filling memory.
package final class ReplicaTransferChannel: @unchecked Sendable {
    private let permits: DispatchSemaphore
    private let runOnEngineThread: (@escaping @Sendable () -> Void) -> Void
    /// Touched only on the engine thread.
    private let replicas: [ClientSession]
    private unowned let engine: Engine
    private let abandoned = CancellationFlag()
    private let allocator = ByteBufferAllocator()

    package init(engine: Engine, replicas: [ClientSession], window: Int = 16) {
        self.engine = engine
        self.replicas = replicas
        permits = DispatchSemaphore(value: window)
        runOnEngineThread = engine.runOnEngineThread ?? { $0() }
    }

    /// Producer side (any thread): queues a copy of `bytes`; throws once every replica went away.
    package func send(_ bytes: UnsafeRawBufferPointer) throws {
        if abandoned.isCancelled { throw SnapshotCancelled() }
        var buffer = allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        let chunk = buffer
        permits.wait()
        runOnEngineThread { self.deliver(chunk) }
    }

    package func send(_ text: String) throws {
        try Array(text.utf8).withUnsafeBytes { try send($0) }
    }

    private func deliver(_ buffer: ByteBuffer) {
        let live = replicas.filter { engine.clients[$0.id] != nil && $0.replicaLink != nil && $0.connection != nil }
        guard !live.isEmpty else {
            abandoned.cancel()
            permits.signal()
            return
        }
        var remaining = live.count
        for replica in live {
            replica.connection?.sendRaw(buffer) {
                remaining -= 1
                if remaining == 0 { self.permits.signal() }
            }
        }
    }

    /// Runs `body` on the engine thread after every chunk queued before it.
    package func finish(_ body: @escaping () -> Void) {
        let box = UncheckedBox(body)
        runOnEngineThread { box.value() }
    }
}

extension Engine {
    /// Diskless full sync (`repl-diskless-sync yes`): a snapshot is encoded straight into the replicas' sockets
    /// with Redis's `$EOF:<40 random chars>` framing, no file in between.
    package func startDisklessTransfer(to replicas: [ClientSession]) {
        let taken = takeSnapshot()
        let options = rdbWriteOptions()
        let metadata = rdbKeyMetadata()
        let channel = ReplicaTransferChannel(engine: self, replicas: replicas)
        let mark = Engine.randomHex(40)
        replication.transfersInProgress += 1
        for replica in replicas { replica.replicaLink?.state = .waitBgsaveEnd }
        let job = BackgroundSnapshotJob(snapshot: taken.databases, generation: taken.generation, temporaryPath: "") {
            snapshot, _ in
            try channel.send("$EOF:\(mark)\r\n")
            _ = try RDBSnapshotWriter.write(&snapshot, options: options, metadata: metadata) { try channel.send($0) }
            try channel.send(mark)
        }
        BackgroundThread.start {
            job.run()
            channel.finish { [unowned self] in
                self.snapshotGenerations.end(job.generation)
                let success = job.failure == nil
                if success {
                    serverLog(
                        .notice, "Diskless rdb transfer, done reading from pipe, \(replicas.count) replicas still up.")
                } else {
                    serverLog(.warning, "Diskless rdb transfer failed: \(job.failure.map { "\($0)" } ?? "")")
                }
                self.fullSyncTransferFinished(replicas, success: success, diskless: true)
            }
        }
    }

    /// Disk full sync: streams the RDB file the BGSAVE just wrote, framed as `$<length>\r\n<bytes>`.
    package func sendSnapshotFile(to replicas: [ClientSession]) {
        guard !replicas.isEmpty else { return }
        let path = rdbPath
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        var info = stat()
        guard descriptor >= 0, fstat(descriptor, &info) == 0 else {
            if descriptor >= 0 { close(descriptor) }
            failFullSync(replicas, reason: "Can't open the RDB file \(path): \(String(cString: strerror(errno)))")
            return
        }
        let size = Int(info.st_size)
        for replica in replicas { replica.replicaLink?.state = .sendBulk }
        let channel = ReplicaTransferChannel(engine: self, replicas: replicas)
        replication.transfersInProgress += 1
        let failure = UncheckedBox(FailureRecord())
        BackgroundThread.start {
            defer { close(descriptor) }
            do {
                try channel.send("$\(size)\r\n")
                var chunk = [UInt8](repeating: 0, count: 256 * 1024)
                var sent = 0
                while sent < size {
                    let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                    guard count > 0 else {
                        throw FileError(path: path, operation: "read", code: count == 0 ? EIO : errno)
                    }
                    try chunk.withUnsafeBytes { try channel.send(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                    sent += count
                }
            } catch {
                failure.value.error = error
            }
            channel.finish { [unowned self] in
                self.fullSyncTransferFinished(replicas, success: failure.value.error == nil, diskless: false)
            }
        }
    }
}

/// An error set on a background thread and read on the engine thread after it finished.
package final class FailureRecord: @unchecked Sendable {
    package var error: Error?
}
