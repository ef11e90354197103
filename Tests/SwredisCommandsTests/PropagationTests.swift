import SwredisEngine
import XCTest

/// A sink that records what propagation hands it, as (database, words) per command.
final class RecordingSink: PropagationSink {
    let target: PropagationTargets
    var isAccepting = true
    var commands: [(database: Int, words: [String])] = []

    init(_ target: PropagationTargets) { self.target = target }

    func beginCommand(database: Int, count: Int) { commands.append((database, [])) }
    func appendArgument(_ bytes: UnsafeRawBufferPointer) {
        commands[commands.count - 1].words.append(String(decoding: bytes, as: UTF8.self))
    }
    func endCommand() {}

    var lines: [String] { commands.map { "\($0.database) " + $0.words.joined(separator: " ") } }
}

/// An engine whose propagated commands are recorded instead of written.
class PropagationTestCase: EngineTestCase {
    var aof: RecordingSink!
    var replicas: RecordingSink!

    override func setUp() {
        super.setUp()
        aof = RecordingSink(.appendOnlyFile)
        replicas = RecordingSink(.replicas)
        engine.propagationSinks = [aof, replicas]
    }
}

/// What `Propagation` sends to its sinks, checked without an AOF file or a replica.
final class PropagationTests: PropagationTestCase {

    func testWritesThatChangedDataArePropagatedAsSentOrRewritten() {
        _ = run("SET", "k", "v")
        _ = run("GET", "k")
        _ = run("DEL", "missing")
        _ = run("SET", "t", "v", "EX", "100")
        _ = run("SELECT", "3")
        _ = run("INCRBYFLOAT", "f", "1.5")
        XCTAssertEqual(aof.lines.count, 3)
        XCTAssertEqual(aof.lines[0], "0 SET k v")
        // A relative expiry becomes an absolute one, INCRBYFLOAT a SET with KEEPTTL.
        XCTAssertTrue(aof.lines[1].hasPrefix("0 SET t v PXAT "), aof.lines[1])
        XCTAssertEqual(aof.lines[2], "3 SET f 1.5 KEEPTTL")
        XCTAssertEqual(replicas.lines, aof.lines)
    }

    func testAnExecsWritesAreWrappedInMultiExecAndPublishReachesOnlyReplicas() {
        _ = run("MULTI")
        _ = run("GET", "a")
        _ = run("SET", "a", "1")
        _ = run("INCR", "a")
        _ = run("EXEC")
        _ = run("PUBLISH", "channel", "message")
        XCTAssertEqual(aof.lines, ["0 MULTI", "0 SET a 1", "0 INCR a", "0 EXEC"])
        XCTAssertEqual(replicas.lines, aof.lines + ["0 PUBLISH channel message"])
        // A read-only EXEC propagates nothing, not even MULTI/EXEC.
        _ = run("MULTI")
        _ = run("GET", "a")
        _ = run("EXEC")
        XCTAssertEqual(aof.lines.count, 4)
    }

    func testASinkThatDoesNotAcceptGetsNothingAndNoSinkMeansNoRewrites() {
        replicas.isAccepting = false
        _ = run("SET", "k", "v")
        XCTAssertEqual(aof.lines, ["0 SET k v"])
        XCTAssertEqual(replicas.lines, [])
        aof.isAccepting = false
        _ = run("SET", "k", "v", "EX", "5")
        XCTAssertEqual(aof.lines.count, 1)
    }
}
