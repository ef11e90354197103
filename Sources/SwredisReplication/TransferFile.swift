import NIOCore
import SwredisStorage

#if canImport(Glibc)
import Glibc
#endif

/// The temp file a full sync's RDB is received into, and the framing that says where it ends: a length
/// (`$<length>\r\n`, disk transfers) or a 40-byte end mark (`$EOF:<mark>\r\n`, diskless transfers: the payload
/// is followed by the mark, which is checked on the last 40 bytes received, as Redis does).
final class TransferFile {
    enum Framing {
        case length(Int)
        case endMark([UInt8])
    }

    enum Outcome { case needMore, complete }

    let path: String
    private let framing: Framing
    private var descriptor: Int32
    /// Payload bytes received so far (the end mark excluded).
    private(set) var received = 0
    /// With an end mark: the last bytes seen, not yet known to be payload.
    private var tail: [UInt8] = []

    init(path: String, framing: Framing) throws {
        self.path = path
        self.framing = framing
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileError(path: path, operation: "open", code: errno) }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Takes payload bytes from the front of `buffer` (a length transfer leaves what follows the payload).
    func consume(_ buffer: inout ByteBuffer) throws -> Outcome {
        switch framing {
        case .length(let size):
            let count = min(size - received, buffer.readableBytes)
            try buffer.withUnsafeReadableBytes { try write(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            buffer.moveReaderIndex(forwardBy: count)
            received += count
            return received == size ? try finish() : .needMore
        case .endMark(let mark):
            tail.append(contentsOf: buffer.readableBytesView)
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            let keep = mark.count
            guard tail.count > keep else {
                if tail.count == keep && tail == mark { return try finish() }
                return .needMore
            }
            let payload = tail.count - keep
            try tail.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[..<payload])) }
            received += payload
            tail.removeFirst(payload)
            return tail == mark ? try finish() : .needMore
        }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        try DurableFile.writeAll(descriptor, bytes, path: path)
    }

    private func finish() throws -> Outcome {
        guard fsync(descriptor) == 0 else { throw FileError(path: path, operation: "fsync", code: errno) }
        close(descriptor)
        descriptor = -1
        return .complete
    }

    /// The transfer was cut: the partial file goes away.
    func abandon() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(path)
    }
}
