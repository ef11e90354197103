#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Files written the way Redis writes its RDB and AOF files: into a temporary name, flushed to disk with
/// `fsync`, renamed over the target, and the directory entry itself made durable with an `fsync` of the
/// directory. A crash at any point leaves either the old file or the new one, never a mix.
public enum DurableFile {
    /// Writes `path` through a temporary file `temporaryPath` in the same directory. `body` receives a
    /// function that appends bytes. Returns the number of bytes written.
    @discardableResult
    public static func replace(
        _ path: String, temporaryPath: String,
        _ body: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws -> Int {
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileError(path: temporaryPath, operation: "open", code: errno) }
        var written = 0
        do {
            try body { bytes in
                try writeAll(descriptor, bytes, path: temporaryPath)
                written += bytes.count
            }
            guard fsync(descriptor) == 0 else { throw FileError(path: temporaryPath, operation: "fsync", code: errno) }
            guard close(descriptor) == 0 else { throw FileError(path: temporaryPath, operation: "close", code: errno) }
        } catch {
            close(descriptor)
            unlink(temporaryPath)
            throw error
        }
        guard rename(temporaryPath, path) == 0 else {
            let code = errno
            unlink(temporaryPath)
            throw FileError(path: path, operation: "rename", code: code)
        }
        try syncDirectory(of: path)
        return written
    }

    /// Writes every byte, retrying short writes and EINTR.
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        guard var pointer = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let result = write(descriptor, pointer, remaining)
            if result < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, operation: "write", code: errno)
            }
            pointer += result
            remaining -= result
        }
    }

    /// Makes a rename or creation in the directory holding `path` durable.
    public static func syncDirectory(of path: String) throws {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError(path: directory, operation: "open", code: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileError(path: directory, operation: "fsync", code: errno) }
    }
}
