import SwredisBytes
import SwredisKeyspace

/// What goes into an RDB file besides the keys.
public struct RDBWriteOptions: Sendable {
    public var compression = true
    public var checksum = true
    /// AUX fields in order (redis-ver, redis-bits, ctime, used-mem, replication fields, aof-base).
    public var aux: [(String, String)] = []
    /// Function libraries' code, written after the AUX fields as Redis 7.0's FUNCTION2 records.
    public var functionLibraries: [[UInt8]] = []

    public init() {}
}

/// Writes a keyspace snapshot as a whole RDB file. Runs on any thread: it only reads the snapshot.
public enum RDBSnapshotWriter {
    /// Encodes `databases` and hands the bytes to `output`. `metadata` gives a key's LRU idle seconds or LFU
    /// counter when the eviction policy keeps them. `progress` is called with the number of keys written.
    public static func write(
        _ databases: inout [DatabaseSnapshot], options: RDBWriteOptions,
        metadata: (Entry) -> (idleSeconds: Int?, frequency: UInt8?) = { _ in (nil, nil) },
        output: @escaping (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int {
        var encoder = RDBEncoder(compression: options.compression, output: output)
        encoder.appendHeader(aux: options.aux)
        for code in options.functionLibraries { encoder.appendFunctionLibrary(code) }
        var keysWritten = 0
        for index in databases.indices where databases[index].count > 0 {
            let expires = databases[index].expires
            encoder.appendDatabaseStart(index, keys: databases[index].count, expires: expires.count)
            try databases[index].keys.drain { key, entry in
                var expireAt: Int?
                if !expires.isEmpty, let position = expires.index(of: key) {
                    expireAt = expires.value(at: position)
                }
                let extra = metadata(entry)
                try encoder.appendKey(
                    key, entry.value, expireAt: expireAt, idleSeconds: extra.idleSeconds, frequency: extra.frequency)
                try encoder.flushIfFull()
                keysWritten += 1
            }
        }
        try encoder.appendEnd(checksum: options.checksum)
        return keysWritten
    }
}

/// What a snapshot file holds: an RDB image (dump.rdb, an AOF base with RDB preamble) or commands (an AOF base
/// with `aof-use-rdb-preamble no`).
public enum SnapshotFileFormat: Sendable {
    case rdb(RDBWriteOptions)
    /// Commands, after a `FUNCTION LOAD` for each library's code.
    case commands(functionLibraries: [[UInt8]])
}

/// Raised by `SnapshotFile.write` when its job was cancelled (the temporary file is removed).
public struct SnapshotCancelled: Error {
    public init() {}
}

public enum SnapshotFile {
    /// Writes `snapshot` to `path` through `temporaryPath` (see `DurableFile.replace`). `isCancelled` is asked
    /// before each buffer goes out, so a cancelled job stops within one buffer.
    public static func write(
        _ snapshot: inout [DatabaseSnapshot], path: String, temporaryPath: String,
        format: SnapshotFileFormat,
        metadata: (Entry) -> (idleSeconds: Int?, frequency: UInt8?) = { _ in (nil, nil) },
        isCancelled: () -> Bool = { false }
    ) throws {
        try DurableFile.replace(path, temporaryPath: temporaryPath) { write in
            try withoutActuallyEscaping(write) { write in
                try withoutActuallyEscaping(isCancelled) { isCancelled in
                    let output: (UnsafeRawBufferPointer) throws -> Void = { bytes in
                        if isCancelled() { throw SnapshotCancelled() }
                        try write(bytes)
                    }
                    switch format {
                    case .rdb(let options):
                        _ = try RDBSnapshotWriter.write(&snapshot, options: options, metadata: metadata, output: output)
                    case .commands(let libraries):
                        try AOFCommandWriter.write(&snapshot, functionLibraries: libraries, output: output)
                    }
                }
            }
        }
    }
}
