/// Which destinations a propagated command goes to (Redis's PROPAGATE_AOF / PROPAGATE_REPL).
public struct PropagationTargets: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let appendOnlyFile = PropagationTargets(rawValue: 1 << 0)
    public static let replicas = PropagationTargets(rawValue: 1 << 1)
    public static let all: PropagationTargets = [.appendOnlyFile, .replicas]
}

/// A destination of propagated commands. `Propagation` decides what is propagated (the command as sent, its
/// deterministic rewrite, MULTI/EXEC around an EXEC's writes, DELs of expired keys) and hands each command to every
/// accepting sink of the right target, as a header and then its arguments; each sink frames them its own way.
public protocol PropagationSink: AnyObject {
    var target: PropagationTargets { get }
    /// Whether the sink takes commands now (no AOF open, no replication stream of our own).
    var isAccepting: Bool { get }
    /// A command of `count` arguments for database `database` starts.
    func beginCommand(database: Int, count: Int)
    func appendArgument(_ bytes: UnsafeRawBufferPointer)
    /// The command's arguments are all there.
    func endCommand()
}

/// The AOF: commands go to the engine's `AppendOnlyBuffer`, which adds a SELECT when the database changes; the
/// file layer writes and fsyncs it in the server's group commit.
final class AppendOnlyFileSink: PropagationSink {
    /// The engine owns this object and outlives it: an unchecked reference costs no reference counting per call.
    unowned(unsafe) let engine: Engine

    init(_ engine: Engine) { self.engine = engine }

    var target: PropagationTargets { .appendOnlyFile }
    var isAccepting: Bool { engine.appendOnlyBuffer.isOpen }
    func beginCommand(database: Int, count: Int) {
        engine.appendOnlyBuffer.beginCommand(database: database, count: count)
    }
    func appendArgument(_ bytes: UnsafeRawBufferPointer) { engine.appendOnlyBuffer.appendArgument(bytes) }
    func endCommand() {}
}

/// The replication stream of a master: RESP into the engine's outgoing buffer (with a SELECT when the database
/// changes), copied into the backlog when the command is complete.
final class ReplicaStreamSink: PropagationSink {
    /// The engine owns this object and outlives it: an unchecked reference costs no reference counting per call.
    unowned(unsafe) let engine: Engine
    private var commandStart = 0

    init(_ engine: Engine) { self.engine = engine }

    var target: PropagationTargets { .replicas }
    var isAccepting: Bool { engine.feedsReplicas }

    func beginCommand(database: Int, count: Int) {
        commandStart = engine.replication.outgoing.buffer.writerIndex
        if database != engine.replication.selectedDatabase {
            engine.replication.outgoing.arrayHeader(2)
            engine.replication.outgoing.bulk("SELECT")
            engine.replication.outgoing.bulkDecimal(database)
            engine.replication.selectedDatabase = database
        }
        engine.replication.outgoing.arrayHeader(count)
    }

    func appendArgument(_ bytes: UnsafeRawBufferPointer) { engine.replication.outgoing.bulk(bytes) }

    func endCommand() { engine.recordStreamBytes(from: commandStart) }
}
