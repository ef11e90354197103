import SwredisEngine
import XCTest

/// Runs `body` with `words` as a command's arguments.
func withArguments<T>(_ words: [String], _ body: (Arguments) -> T) -> T {
    var storage: [UInt8] = []
    var spans: [Int] = []
    for word in words {
        spans += [storage.count, word.utf8.count]
        storage += Array(word.utf8)
    }
    storage.append(0)
    return storage.withUnsafeBytes { raw in
        spans.withUnsafeBufferPointer { spanPointer in
            // The storage has at least the terminating byte, so its base address exists.
            body(Arguments(base: raw.baseAddress!, spans: spanPointer.baseAddress!, count: words.count))
        }
    }
}

final class CommandDeclarationParserTests: XCTestCase {
    func testParsesEveryAttributeAndNestedArguments() throws {
        let text = """
            command set
                summary "Set the string value of a key"
                since 1.0.0
                group string
                complexity O(1)
                history 6.0.0 "Added the `KEEPTTL` option."
                arity -3
                flags write denyoom sentinel
                acl string
                tips nondeterministic_output
                key RW access update variable_flags index 1 range 0 1 0 notes "a \\"quoted\\" note"
                arg key key key_spec_index 0
                arg condition oneof since 2.6.12 optional
                    arg nx pure-token token NX
                    arg xx pure-token token XX
                arg get pure-token token GET optional

            command set|sub
                arity 2
            """
        let declarations = try CommandDeclarationParser.parse(text)
        XCTAssertEqual(declarations.map(\.name), ["set", "set|sub"])
        let set = declarations[0]
        XCTAssertEqual(set.arity, -3)
        XCTAssertEqual(set.flags, [.write, .denyOOM, .sentinel])
        XCTAssertEqual(set.categories.names, ["write", "string", "slow"])
        XCTAssertEqual(set.tips, ["nondeterministic_output"])
        XCTAssertEqual(set.docs.summary, "Set the string value of a key")
        XCTAssertEqual(set.docs.history.map(\.changes), ["Added the `KEEPTTL` option."])
        XCTAssertEqual(set.keySpecs.count, 1)
        XCTAssertEqual(set.keySpecs[0].flags.names, ["RW", "access", "update", "variable_flags"])
        XCTAssertEqual(set.keySpecs[0].beginSearch, .index(1))
        XCTAssertEqual(set.keySpecs[0].findKeys, .range(lastKey: 0, step: 1, limit: 0))
        XCTAssertEqual(set.keySpecs[0].notes, "a \"quoted\" note")
        XCTAssertEqual(set.docs.arguments.map(\.name), ["key", "condition", "get"])
        XCTAssertEqual(set.docs.arguments[0].keySpecIndex, 0)
        XCTAssertEqual(set.docs.arguments[1].arguments.map(\.token), ["NX", "XX"])
        XCTAssertEqual(set.docs.arguments[1].flags, ["optional"])
        XCTAssertEqual(declarations[1].containerName, "set")
    }

    func testReportsTheLineOfEachMistake() {
        let cases: [(String, Int, String)] = [
            ("arity 2", 1, "before any command"),
            ("command get\n    arity 0", 2, "arity must be non-zero"),
            ("command get\n    flags write movablekeys", 2, "unknown flag 'movablekeys'"),
            ("command get\n    acl nosuch", 2, "unknown ACL category"),
            ("command get\n    key RO index x range 0 1 0", 2, "a number expected"),
            ("command get\n    key RO index 1 range 0 1", 2, "a number expected"),
            ("command get\n    key RO index 1 range 0 1 0 extra", 2, "unexpected 'extra'"),
            ("command get\n    key RO somewhere", 2, "index, keyword or unknown expected"),
            ("command get\n    arg key nosuchtype", 2, "a COMMAND DOCS type"),
            ("command get\n    arg key key token", 2, "needs a value"),
            ("command get\n        arg nested string", 2, "nested under no oneof/block"),
            ("command get\n    summary \"unbalanced", 2, "unbalanced quotes"),
            ("command get\n    colour blue", 2, "unknown attribute 'colour'"),
        ]
        for (text, line, reason) in cases {
            XCTAssertThrowsError(try CommandDeclarationParser.parse(text), text) { error in
                guard let failure = error as? CommandDeclarationParser.Failure else { return XCTFail("\(error)") }
                XCTAssertEqual(failure.line, line, text)
                XCTAssertTrue(failure.reason.contains(reason), "\(text): \(failure.reason)")
            }
        }
    }
}

final class KeySpecificationTests: XCTestCase {
    func declaration(_ keyLines: [String], arity: Int = -2) throws -> CommandDeclaration {
        let text = "command c\n    arity \(arity)\n" + keyLines.map { "    key " + $0 }.joined(separator: "\n")
        return try XCTUnwrap(CommandDeclarationParser.parse(text).first)
    }

    func spec(_ keyLines: [String], keys: KeyProcedure? = nil) throws -> CommandSpec {
        CommandSpec(try declaration(keyLines), CommandBinding("c", keys: keys) { _, _, _ in })
    }

    func keyIndexes(_ spec: CommandSpec, _ words: [String]) -> [Int] {
        withArguments(words) { spec.keys(in: $0).map(\.index) }
    }

    func testRangeSpecsFindKeysAndTheLegacyTriple() throws {
        let mset = try spec(["OW update index 1 range -1 2 0"])
        XCTAssertEqual(keyIndexes(mset, ["mset", "a", "1", "b", "2"]), [1, 3])
        XCTAssertEqual(mset.legacyKeyRange.first, 1)
        XCTAssertEqual(mset.legacyKeyRange.last, -1)
        XCTAssertEqual(mset.legacyKeyRange.step, 2)
        XCTAssertFalse(mset.flags.contains(.movableKeys))
        // Two consecutive plain ranges (LMOVE source, destination) make one legacy range 1..2.
        let lmove = try spec(["RW access delete index 1 range 0 1 0", "RW insert index 2 range 0 1 0"])
        XCTAssertEqual(lmove.legacyKeyRange.first, 1)
        XCTAssertEqual(lmove.legacyKeyRange.last, 2)
        XCTAssertFalse(lmove.flags.contains(.movableKeys))
        // BLPOP: up to the argument before the last.
        let blpop = try spec(["RW access delete index 1 range -2 1 0"])
        XCTAssertEqual(keyIndexes(blpop, ["blpop", "a", "b", "0"]), [1, 2])
        // XREAD-like limit: the first half of the arguments after STREAMS.
        let xread = try spec(["RO access keyword STREAMS 1 range -1 1 2"])
        XCTAssertEqual(keyIndexes(xread, ["xread", "COUNT", "2", "streams", "k1", "k2", "0", "0"]), [4, 5])
        XCTAssertTrue(xread.flags.contains(.movableKeys))
        XCTAssertEqual(keyIndexes(xread, ["xread", "COUNT", "2"]), [])
    }

    func testKeyCountSpecsRefuseCountsThatAreNotNumbersOrTooLarge() throws {
        let zunionstore = try spec(["OW update index 1 range 0 1 0", "RO access index 2 keynum 0 1 1"])
        XCTAssertTrue(zunionstore.flags.contains(.movableKeys))
        XCTAssertEqual(zunionstore.legacyKeyRange.first, 1)
        XCTAssertEqual(zunionstore.legacyKeyRange.last, 1)
        XCTAssertEqual(keyIndexes(zunionstore, ["zunionstore", "d", "2", "a", "b", "weights", "1", "2"]), [1, 3, 4])
        for count in ["3", "-1", "x", "9223372036854775807", "-9223372036854775808", "99999999999999999999"] {
            XCTAssertEqual(keyIndexes(zunionstore, ["zunionstore", "d", count, "a", "b"]), [], count)
        }
        // Only written keys are touched for WATCH: the destination, not the sources.
        let written = withArguments(["zunionstore", "d", "2", "a", "b"]) { zunionstore.writtenKeyIndexes(in: $0) }
        XCTAssertEqual(written, [1])
    }

    func testUnknownSpecsFallBackToTheBindingsProcedure() throws {
        let procedure: KeyProcedure = { _, _ in [KeyReference(index: 1, flags: [.readOnly])] }
        let sort = try spec(
            ["RO access index 1 range 0 1 0", "OW update unknown unknown notes \"STORE\""], keys: procedure)
        XCTAssertTrue(sort.flags.contains(.movableKeys))
        XCTAssertEqual(keyIndexes(sort, ["sort", "k", "store", "d"]), [1])
        let withoutProcedure = try spec(["OW update unknown unknown"])
        XCTAssertEqual(keyIndexes(withoutProcedure, ["sort", "k"]), [])
        XCTAssertTrue(withoutProcedure.hasKeys)
        let shardChannel = try spec(["not_key index 1 range 0 1 0"])
        XCTAssertFalse(shardChannel.hasKeys)
    }

    func testKeywordSearchGoesBackwardsForNegativeStarts() throws {
        let spec = try spec(["RO access keyword KEYS -2 range -1 1 0"])
        XCTAssertEqual(keyIndexes(spec, ["migrate", "h", "p", "", "0", "5", "KEYS", "a", "b"]), [7, 8])
        XCTAssertEqual(keyIndexes(spec, ["migrate", "KEYS", "a"]), [])
    }
}

final class CommandTableBindingTests: XCTestCase {
    func testEveryDeclarationNeedsABindingAndEveryBindingADeclaration() throws {
        let declarations = try CommandDeclarationParser.parse(
            "command config\n    arity -2\ncommand config|get\n    arity -3\ncommand ping\n    arity -1")
        let handler: CommandHandler = { _, _, _ in }
        let specs = try CommandTable.specs(
            declarations,
            [
                CommandBinding("config", handler), CommandBinding("config|get", handler),
                CommandBinding("ping", options: .allowedInSubscribe, handler),
            ])
        XCTAssertEqual(specs.map(\.name), ["config", "ping"])
        XCTAssertEqual(specs[0].subcommands["get"]?.parent?.name, "config")
        XCTAssertTrue(specs[1].flags.contains(.allowedInSubscribe))
        let failures: [([CommandBinding], String)] = [
            ([CommandBinding("config", handler), CommandBinding("ping", handler)], "'config|get' is declared"),
            (
                [
                    CommandBinding("config", handler), CommandBinding("config|get", handler),
                    CommandBinding("ping", handler), CommandBinding("pong", handler),
                ], "'pong' has a handler"
            ),
            ([CommandBinding("ping", handler), CommandBinding("ping", handler)], "'ping' is bound twice"),
        ]
        for (bindings, message) in failures {
            XCTAssertThrowsError(try CommandTable.specs(declarations, bindings)) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
    }
}
