import NIOCore
import SwredisCommands
import SwredisConfig
import SwredisEngine
import XCTest

/// The gate chain `execute` runs: order, an added gate, and that a refusal leaves the data alone.
final class CommandGateTests: EngineTestCase {
    func testTheStandardChainIsRedisProcessCommandOrder() {
        XCTAssertEqual(
            CommandGate.standard.map(\.name),
            [
                "debug-allowed", "authentication", "subscribed-context", "transaction-context", "busy-script",
                "memory", "persistence-and-replication", "loading",
            ])
    }

    func testAnAddedGateRunsInItsPlaceAndRefusesBeforeTheHandler() throws {
        // A gate like the cluster's MOVED, placed after authentication: it refuses writes to keys starting "x".
        var chain = CommandGate.standard
        chain.insert(
            .custom(name: "slot") { _, _, command, args in
                command.name == "set" && args.string(1).hasPrefix("x") ? "MOVED 1 198.18.0.2:6379" : nil
            }, at: 2)
        engine.gates = chain
        XCTAssertEqual(run("SET", "xkey", "v"), "-MOVED 1 198.18.0.2:6379\r\n")
        XCTAssertEqual(run("EXISTS", "xkey"), ":0\r\n")
        XCTAssertEqual(run("SET", "key", "v"), "+OK\r\n")

        try engine.config.set(name: "requirepass", value: "secret")
        engine.config.announceChanges(["requirepass"])
        client.authenticated = false
        XCTAssertEqual(run("SET", "xkey", "v"), "-NOAUTH Authentication required.\r\n", "authentication comes first")
    }

    func testInsideMultiARefusedCommandAbortsTheTransaction() {
        engine.gates =
            CommandGate.standard + [
                .custom(name: "no-incr") { _, _, command, _ in
                    command.name == "incr" ? "ERR refused" : nil
                }
            ]
        XCTAssertEqual(run("MULTI"), "+OK\r\n")
        XCTAssertEqual(run("INCR", "n"), "-ERR refused\r\n")
        XCTAssertEqual(run("EXEC"), "-EXECABORT Transaction discarded because of previous errors.\r\n")
        engine.gates = CommandGate.standard
        XCTAssertEqual(run("INCR", "n"), ":1\r\n")
    }
}
