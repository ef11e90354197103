import XCTest

@testable import SwredisSentinel

/// The script queue with real child processes (`/bin/sh -c`): the 256-job queue, 16 running at once, retries after
/// exit 1 with a growing delay, no retry and a `-script-error` after exit 2, and the runtime limit.
final class SentinelScriptsTests: XCTestCase {
    private func script(_ body: String) throws -> String {
        let path = temporaryDirectory() + "/script-\(UInt32.random(in: 0...UInt32.max)).sh"
        let text = "#!/bin/sh\n\(body)\n"
        TestFiles.write(path, text)
        chmod(path, 0o755)
        return path
    }

    /// Runs the timer until `done` or `seconds` pass; returns the events raised.
    private func drive(_ scripts: SentinelScripts, from now: inout Int64, seconds: Int, until done: () -> Bool)
        -> [String]
    {
        var events: [String] = []
        for _ in 0..<(seconds * 20) {
            scripts.run(now: now) { actions in
                for case .event(let event) in actions { events.append("\(event.type) \(event.message)") }
            }
            if done() { break }
            usleep(50_000)
            now += 50
        }
        return events
    }

    func testQueueLimitAndConcurrency() throws {
        let scripts = SentinelScripts()
        let sleeper = try script("sleep 1")
        for index in 0..<300 { scripts.schedule(path: sleeper, arguments: ["+sdown", "\(index)"], now: 0) }
        XCTAssertEqual(scripts.jobs.count, 256, "the oldest jobs beyond 256 are dropped")
        XCTAssertEqual(scripts.jobs.first?.arguments.last, "44")
        var now: Int64 = 0
        scripts.run(now: now) { _ in }
        XCTAssertEqual(scripts.runningCount, 16)
        _ = drive(scripts, from: &now, seconds: 5) { scripts.jobs.count <= 240 }
        XCTAssertLessThanOrEqual(scripts.jobs.count, 240, "finished jobs leave the queue")
        for job in scripts.jobs where job.running { kill(job.pid, SIGKILL) }
        _ = drive(scripts, from: &now, seconds: 2) { scripts.runningCount == 0 }
    }

    func testExitOneRetriesLaterExitTwoIsAnError() throws {
        let scripts = SentinelScripts()
        scripts.retryDelay = 100
        let retry = try script("exit 1")
        let fail = try script("exit 2")
        scripts.schedule(path: retry, arguments: ["+odown", "x"], now: 0)
        scripts.schedule(path: fail, arguments: ["+odown", "y"], now: 0)
        var now: Int64 = 0
        let events = drive(scripts, from: &now, seconds: 10) { scripts.jobs.count == 1 && scripts.jobs[0].retries >= 3 }
        XCTAssertEqual(events.filter { $0.hasPrefix("-script-error") }, ["-script-error \(fail) 0 2"])
        XCTAssertGreaterThanOrEqual(scripts.jobs.first?.retries ?? 0, 3, "exit 1 is retried")
        XCTAssertGreaterThan(scripts.jobs.first?.retryTime ?? 0, 0)
    }

    func testARunPastTheLimitIsKilledAndRetried() throws {
        let scripts = SentinelScripts()
        scripts.maximumRuntime = 200
        scripts.retryDelay = 60_000
        let hang = try script("sleep 30")
        scripts.schedule(path: hang, arguments: ["+tilt", "z"], now: 0)
        var now: Int64 = 0
        let events = drive(scripts, from: &now, seconds: 5) { !(scripts.jobs.first?.running ?? true) }
        XCTAssertTrue(events.contains { $0.hasPrefix("-script-timeout \(hang) ") }, "\(events)")
        XCTAssertEqual(scripts.jobs.count, 1, "a killed run is retried later")
        XCTAssertFalse(scripts.jobs[0].running)
    }
}

private func temporaryDirectory() -> String {
    let path = "/tmp/swredis-scripts-test"
    mkdir(path, 0o755)
    return path
}

private enum TestFiles {
    static func write(_ path: String, _ text: String) {
        guard let file = fopen(path, "w") else { return }
        fputs(text, file)
        fclose(file)
    }
}
