import XCTest

@testable import SwredisSupervisor

#if canImport(Glibc)
import Glibc
#endif

final class InstanceCatalogTests: XCTestCase {
    var directory = ""

    override func setUp() {
        var template = Array("/tmp/swredis-catalog-XXXXXX".utf8CString)
        directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    override func tearDown() {
        for name in InstanceCatalog.listDirectory(directory) ?? [] { unlink(directory + "/" + name) }
        rmdir(directory)
    }

    func write(_ name: String, _ text: String) {
        let file = fopen(directory + "/" + name, "w")
        fputs(text, file)
        fclose(file)
    }

    func testSeedTopologyInDependencyOrderWithDerivedPaths() {
        write("swredisd.conf", "run-dir /tmp/run\nstate-dir /tmp/lib\n")
        write("common.conf", "bind 127.0.0.1\nsave \"\"\n")
        write("6381.conf", "include common.conf\nport 6381\nreplicaof 127.0.0.1 6380\n")
        write("6380.conf", "include common.conf\nport 6380\nreplicaof 127.0.0.1 6379\n")
        write("6379.conf", "include common.conf\nport 6379\n")
        let catalog = InstanceCatalog.load(directory: directory)
        XCTAssertEqual(catalog.problems, [])
        XCTAssertEqual(
            catalog.instances.map(\.name), ["6379", "6380", "6381"], "common.conf is included, not an instance")
        let replica = catalog.instances[1]
        XCTAssertEqual(replica.directory, "/tmp/lib/6380")
        XCTAssertEqual(replica.pidfile, "/tmp/run/6380.pid")
        XCTAssertEqual(replica.notifySocket, "/tmp/run/6380.notify")
        XCTAssertEqual(replica.master, .init(host: "127.0.0.1", port: 6379))
        XCTAssertEqual(
            Array(replica.arguments.prefix(5)),
            [directory + "/6380.conf", "--state-file", "/tmp/lib/6380/runtime.conf", "--dir", "/tmp/lib/6380"])
        XCTAssertEqual(replica.kind, .server)
        XCTAssertEqual(replica.declaredRole, "replica of 127.0.0.1:6379")
    }

    func testAFileWithSentinelLinesIsASentinelOnItsDefaultPort() {
        write("swredisd.conf", "state-dir /tmp/lib\n")
        write("6379.conf", "port 6379\n")
        write("shared.conf", "sentinel monitor mymaster 127.0.0.1 6379 2\n")
        write("s1.conf", "include shared.conf\n")
        write("s2.conf", "include shared.conf\nport 26380\nsentinel down-after-milliseconds nope 5\n")
        let catalog = InstanceCatalog.load(directory: directory)
        XCTAssertEqual(catalog.problems.map(\.reason), ["No such master with specified name."])
        XCTAssertEqual(catalog.problems.first?.line, 3)
        let sentinel = catalog.instances.first { $0.name == "s1" }
        XCTAssertEqual(sentinel?.kind, .sentinel)
        XCTAssertEqual(sentinel?.port, 26379)
        XCTAssertEqual(sentinel?.declaredRole, "sentinel")
        XCTAssertEqual(sentinel?.stateFile, "/tmp/lib/s1/sentinel-state.conf")
    }

    func testProblemsNameFileAndLine() {
        write("swredisd.conf", "restart-delay-ms soon\nbogus 1\n")
        write("a.conf", "port 7000\nreplicaof 127.0.0.1 7001\n")
        write("b.conf", "# b\nport 7001\nreplicaof 127.0.0.1 7000\n")
        write("c.conf", "port 7000\n")
        write("d.conf", "port 7002\nmaxmemory lots\n")
        let catalog = InstanceCatalog.load(directory: directory)
        let text = catalog.problems.map(\.description)
        XCTAssertTrue(text.contains("\(directory)/swredisd.conf:1: restart-delay-ms must be a number >= 0"), "\(text)")
        XCTAssertTrue(text.contains("\(directory)/swredisd.conf:2: Unknown directive 'bogus'"), "\(text)")
        XCTAssertTrue(text.contains("\(directory)/d.conf:2: argument must be a memory value"), "\(text)")
        XCTAssertTrue(
            text.contains { $0.hasPrefix("\(directory)/c.conf:1: port 7000 is also used by instance 'a'") }, "\(text)")
        XCTAssertTrue(text.contains { $0.hasPrefix("\(directory)/a.conf:2: replicaof loop: a -> b -> a") }, "\(text)")
    }

    func testOnlyKeepsOneInstance() {
        write("6379.conf", "port 6379\n")
        write("6380.conf", "port 6380\nreplicaof 127.0.0.1 6379\n")
        XCTAssertEqual(InstanceCatalog.load(directory: directory, only: "6380").instances.map(\.name), ["6380"])
        XCTAssertEqual(InstanceCatalog.load(directory: directory, only: "nope").problems.count, 1)
    }
}
