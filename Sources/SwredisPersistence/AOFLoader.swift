import NIOCore
import SwredisBytes
import SwredisEngine
import SwredisKeyspace
import SwredisLog
import SwredisProtocol
import SwredisStorage

#if canImport(Glibc)
import Glibc
#endif

/// Why loading the AOF stopped the server, with Redis's wording.
public struct AOFLoadError: Error, CustomStringConvertible {
    public let description: String
}

/// Replays AOF command files through the engine with an internal client, as Redis's `loadSingleAppendOnlyFile`
/// does, in slices so the event loop keeps answering `-LOADING` in between.
///
/// A torn command at the end of the last file (a crash in the middle of a write) is cut off when
/// `aof-load-truncated yes`, with a warning; anywhere else, or when the option is off, loading stops with a
/// message naming the file, the offset and the repair command.
public final class AOFReplay {
    package struct Source {
        package let path: String
        package let name: String
        package let isLast: Bool
    }

    private let engine: Engine
    private var sources: [Source]
    private var file: MappedFile?
    private var source: Source?
    private var offset = 0
    private var transactionStart: Int?
    private var arguments = ArgumentList()
    private let client: ClientSession
    public private(set) var commandsReplayed = 0
    /// Size of every command file, and bytes of the files already replayed (INFO loading_*, sd_notify STATUS).
    public let totalBytes: Int
    private var finishedBytes = 0

    package init(engine: Engine, files: [(path: String, name: String)]) {
        self.engine = engine
        sources = files.enumerated().map { Source(path: $1.path, name: $1.name, isLast: $0 == files.count - 1) }
        client = engine.makeInternalClient()
        totalBytes = files.reduce(0) { total, file in
            var info = stat()
            return total + (stat(file.path, &info) == 0 ? Int(info.st_size) : 0)
        }
    }

    /// Bytes replayed so far.
    public var bytesReplayed: Int { finishedBytes + offset }

    /// Replays up to `budget` commands; returns true when every file was replayed.
    public func step(budget: Int) throws -> Bool {
        var remaining = budget
        engine.propagationSuppressed = true
        defer { engine.propagationSuppressed = false }
        while remaining > 0 {
            if file == nil {
                guard !sources.isEmpty else { return true }
                let next = sources.removeFirst()
                source = next
                file = try MappedFile(path: next.path)
                offset = 0
                transactionStart = nil
            }
            guard let mapped = file, let current = source else { return true }
            let bytes = mapped.bytes
            while remaining > 0 && offset < bytes.count {
                let window = UnsafeRawBufferPointer(rebasing: bytes[offset...])
                switch RequestParser.parse(window, into: &arguments, limits: RequestLimits()) {
                case .incomplete:
                    try truncatedTail(current, validUpTo: offset, size: bytes.count)
                    finishFile()
                    return sources.isEmpty ? true : false
                case .protocolError, .skip:
                    throw badFormat(current, at: offset)
                case .command(let consumed):
                    guard !arguments.isInline else { throw badFormat(current, at: offset) }
                    try execute(window, current, at: offset)
                    offset += consumed
                    remaining -= 1
                }
            }
            if offset >= bytes.count {
                if let start = transactionStart {
                    // A MULTI without its EXEC: the crash happened inside a transaction.
                    try truncatedTail(current, validUpTo: start, size: bytes.count, transaction: true)
                }
                finishFile()
            }
        }
        return file == nil && sources.isEmpty
    }

    private func finishFile() {
        finishedBytes += file?.bytes.count ?? offset
        offset = 0
        file = nil
        source = nil
        client.transaction = nil
        client.reply.buffer.clear()
    }

    private func execute(_ window: UnsafeRawBufferPointer, _ current: Source, at position: Int) throws {
        let count = arguments.count
        let name = UnsafeRawBufferPointer(
            rebasing: window[arguments.spans[0]..<arguments.spans[0] + arguments.spans[1]])
        guard engine.commands.lookup(name) != nil else {
            throw AOFLoadError(
                description:
                    "Unknown command '\(String(decoding: name, as: UTF8.self))' reading the append only file \(current.name)"
            )
        }
        if name.count == 5 && name.map({ $0 | 0x20 }).elementsEqual("multi".utf8) { transactionStart = position }
        arguments.spans.withUnsafeBufferPointer { spans in
            guard let base = window.baseAddress, let spanBase = spans.baseAddress else { return }
            engine.execute(client, Arguments(base: base, spans: spanBase, count: count))
        }
        if client.transaction == nil { transactionStart = nil }
        client.reply.buffer.clear()
        commandsReplayed += 1
    }

    private func truncatedTail(_ current: Source, validUpTo: Int, size: Int, transaction: Bool = false) throws {
        guard current.isLast, engine.config[.aofLoadTruncated] else {
            if transaction {
                throw AOFLoadError(
                    description:
                        "Unexpected end of file reading the append only file \(current.name): a MULTI without EXEC. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."
                )
            }
            throw AOFLoadError(
                description:
                    "Unexpected end of file reading the append only file \(current.name) at offset \(validUpTo). You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."
            )
        }
        if transaction { serverLog(.warning, "Revert incomplete MULTI/EXEC transaction in AOF file \(current.name)") }
        serverLog(.warning, "!!! Warning: short read while loading the AOF file \(current.name)!!!")
        serverLog(.warning, "!!! Truncating the AOF \(current.name) at offset \(validUpTo) !!!")
        file = nil
        guard truncate(current.path, off_t(validUpTo)) == 0 else {
            throw AOFLoadError(
                description: "Error truncating the AOF file \(current.name): \(String(cString: strerror(errno)))")
        }
        serverLog(.warning, "AOF \(current.name) loaded anyway because aof-load-truncated is enabled")
    }

    private func badFormat(_ current: Source, at position: Int) -> AOFLoadError {
        AOFLoadError(
            description:
                "Bad file format reading the append only file \(current.name) at offset \(position): make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
        )
    }
}

extension Engine {
    /// A client that belongs to no connection (AOF replay), like Redis's fake client; id 0 marks it internal.
    package func makeInternalClient() -> ClientSession {
        ClientSession(
            engine: self, id: 0, address: "", localAddress: "", isUnixSocket: false,
            authenticated: true, now: Engine.unixMilliseconds(), allocator: ByteBufferAllocator())
    }
}
