/// Commands waiting to be written to the append-only file, framed as RESP arrays of bulk strings with a SELECT
/// whenever the database changes, and what became of the last write.
///
/// The engine thread appends here on the hot path (a concrete final class: no dynamic dispatch, no locks); the
/// file layer (`AppendOnlyLog` in SwredisStorage) drains it once per event-loop tick and records its failures
/// here, so the engine can refuse writes with `-MISCONF` without knowing about files.
public final class AppendOnlyBuffer {
    /// Whether an AOF is open and takes commands.
    public var isOpen = false
    /// The framed commands not written yet.
    public private(set) var bytes: [UInt8] = []
    /// Why the last write or fsync failed (`aof_last_write_status:err`); nil after a successful write.
    public var lastWriteFailure: String?
    private var selectedDatabase = -1

    public init() {}

    public var isEmpty: Bool { bytes.isEmpty }
    public var count: Int { bytes.count }

    /// Starts a command of `count` arguments executed in `database`.
    public func beginCommand(database: Int, count: Int) {
        if database != selectedDatabase {
            appendHeader(UInt8(ascii: "*"), 2)
            appendArgument(StaticString("SELECT"))
            var digits = Array(String(database).utf8)
            digits.withUnsafeBytes { appendArgument($0) }
            selectedDatabase = database
        }
        appendHeader(UInt8(ascii: "*"), count)
    }

    /// Appends one argument of the current command.
    public func appendArgument(_ argument: UnsafeRawBufferPointer) {
        appendHeader(UInt8(ascii: "$"), argument.count)
        bytes.append(contentsOf: argument)
        bytes.append(13)
        bytes.append(10)
    }

    private func appendArgument(_ argument: StaticString) {
        appendArgument(UnsafeRawBufferPointer(start: argument.utf8Start, count: argument.utf8CodeUnitCount))
    }

    private func appendHeader(_ marker: UInt8, _ value: Int) {
        bytes.append(marker)
        if value < 10 {
            bytes.append(UInt8(48 + value))
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
        bytes.append(13)
        bytes.append(10)
    }

    /// Drops what was written, keeping the storage unless it grew large.
    public func removeWritten() {
        if bytes.capacity > 4 * 1024 * 1024 { bytes = [] } else { bytes.removeAll(keepingCapacity: true) }
    }

    /// The next command repeats its SELECT (a new file starts).
    public func forgetSelectedDatabase() { selectedDatabase = -1 }
}
