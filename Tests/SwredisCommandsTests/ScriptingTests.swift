import SwredisBytes
import SwredisEngine
import XCTest

/// EVAL through the engine without sockets: the Lua interpreter, its conversions, and what scripts propagate.
final class ScriptingTests: PropagationTestCase {
    func testRepliesConvertAsRedisConvertsThem() {
        XCTAssertEqual(
            run("EVAL", "return {1, 'two', {3.9}, true, false, nil, 7}", "0"),
            "*5\r\n:1\r\n$3\r\ntwo\r\n*1\r\n:3\r\n:1\r\n$-1\r\n")
        XCTAssertEqual(run("EVAL", "return {ok='FINE'}", "0"), "+FINE\r\n")
        XCTAssertEqual(run("EVAL", "return redis.error_reply('bad')", "0"), "-ERR bad\r\n")
        XCTAssertEqual(run("EVAL", "return 0/0", "0"), ":-9223372036854775808\r\n")
        XCTAssertEqual(run("EVAL", "return {KEYS[1], ARGV[1]}", "1", "k", "a"), "*2\r\n$1\r\nk\r\n$1\r\na\r\n")
        _ = run("SET", "s", "abc")
        XCTAssertEqual(
            run("EVAL", "return redis.pcall('incr', 's')['err']", "0"),
            "$43\r\nERR value is not an integer or out of range\r\n")
    }

    func testErrorsCarryTheScriptAndItsLine() {
        let sha = "82903a0434f1503e152f89c03c9acd881a0e8150"
        XCTAssertEqual(
            run("EVAL", "error('boom')", "0"), "-ERR user_script:1: boom script: \(sha), on @user_script:1.\r\n")
        XCTAssertEqual(
            run("EVAL", "x = 1", "0"),
            "-ERR user_script:1: Attempt to modify a readonly table script: \(SHA1.hex(Array("x = 1".utf8))), on @user_script:1.\r\n"
        )
        XCTAssertEqual(
            run("EVALSHA", String(repeating: "f", count: 40), "0"), "-NOSCRIPT No matching script. Please use EVAL.\r\n"
        )
        XCTAssertTrue(
            run("EVAL", "return +", "0").hasPrefix("-ERR Error compiling script (new function): user_script:1:"))
    }

    func testOneWriteGoesAloneSeveralInMultiExecAndReadsNotAtAll() {
        _ = run("EVAL", "return redis.call('get', 'k')", "0")
        _ = run("EVAL", "return redis.call('set', 'k', 'v')", "0")
        _ = run("EVAL", "redis.call('set', 'a', '1') redis.call('get', 'a') return redis.call('incr', 'a')", "0")
        XCTAssertEqual(aof.lines, ["0 set k v", "0 MULTI", "0 set a 1", "0 incr a", "0 EXEC"])
        XCTAssertEqual(replicas.lines, aof.lines)
    }

    func testSetReplChoosesTargetsAndAWriteForNoTargetIsNotCounted() {
        _ = run(
            "EVAL",
            "redis.set_repl(redis.REPL_AOF) redis.call('set', 'x', '1') redis.set_repl(redis.REPL_REPLICA) redis.call('set', 'y', '2')",
            "0")
        XCTAssertEqual(aof.lines, ["0 MULTI", "0 set x 1", "0 EXEC"])
        XCTAssertEqual(replicas.lines, ["0 MULTI", "0 set y 2", "0 EXEC"])
        replicas.isAccepting = false
        _ = run(
            "EVAL", "redis.call('set', 'p', '1') redis.set_repl(redis.REPL_REPLICA) redis.call('set', 'q', '2')", "0")
        XCTAssertEqual(aof.lines.suffix(1), ["0 set p 1"], "the write for absent replicas does not make a transaction")
    }

    func testAScriptInsideExecIsWrappedOnceByTheTransaction() {
        _ = run("MULTI")
        _ = run("EVAL", "redis.call('set', 'a', '1') return redis.call('set', 'b', '2')", "0")
        _ = run("SET", "c", "3")
        _ = run("EXEC")
        XCTAssertEqual(aof.lines, ["0 MULTI", "0 set a 1", "0 set b 2", "0 SET c 3", "0 EXEC"])
    }

    func testReadOnlyScriptsRefuseWritesAndBlockingCommandsAreNotScriptCommands() {
        XCTAssertTrue(
            run("EVAL_RO", "return redis.call('set', 'k', 'v')", "0").hasPrefix(
                "-ERR Write commands are not allowed from read-only scripts."))
        XCTAssertTrue(
            run("EVAL", "return redis.call('blpop', 'nothing', 0)", "0").hasPrefix(
                "-ERR This Redis command is not allowed from script script: "))
        XCTAssertTrue(aof.lines.isEmpty)
    }

    func testShebangFlags() {
        XCTAssertEqual(run("EVAL", "#!lua flags=no-writes\nreturn 1", "0"), ":1\r\n")
        XCTAssertEqual(
            run("EVAL", "#!lua flags=bogus\nreturn 1", "0"), "-ERR Unexpected flag in script shebang: bogus\r\n")
        XCTAssertEqual(run("EVAL", "#!perl\nreturn 1", "0"), "-ERR Unexpected engine in script shebang: #!perl\r\n")
        XCTAssertTrue(
            run("EVAL", "#!lua flags=no-writes\nreturn redis.call('set', 'k', 'v')", "0").contains(
                "Write commands are not allowed"))
    }
}
