import SwredisBytes
import SwredisConfig
import XCTest

@testable import SwredisCluster

final class HashSlotTests: XCTestCase {
    /// Slots as redis-server 7.0's CLUSTER KEYSLOT gives them (hash tags: the first `{`, the first `}` after it, and
    /// only when something is between them).
    func testSlotsMatchRedis() {
        let expected = [
            "": 0, "foo": 12182, "bar": 5061, "{user1000}.following": 3443, "{user1000}.followers": 3443,
            "foo{}{bar}": 8363, "foo{{bar}}zap": 4015, "foo{bar}{zap}": 5061, "{}foo": 9500, "123456789": 12739,
        ]
        for (key, slot) in expected {
            XCTAssertEqual(HashSlot.of(Array(key.utf8)), slot, key)
        }
    }

    /// CRC16/XMODEM's check value.
    func testCRC16CheckValue() {
        XCTAssertEqual(Array("123456789".utf8).withUnsafeBytes { HashSlot.crc16($0) }, 0x31C3)
    }
}

final class NodesFileTests: XCTestCase {
    static let sixNodes = """
        07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:7004@17004 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected
        67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:7002@17002 master - 0 1426238316232 2 connected 5461-10922
        292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:7003@17003 master - 0 1426238318243 3 connected 10923-16383
        6ec23923021cf3ffec47632106199cb7f496ce01 127.0.0.1:7005@17005 slave 67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 0 1426238316232 5 connected
        824fe116063bc5fcf9f4ffd895bc17aee7731ac3 127.0.0.1:7006@17006 slave 292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 0 1426238317741 6 connected
        e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460 [77->-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]
        vars currentEpoch 6 lastVoteEpoch 0

        """

    func testSixNodeFileIsRead() throws {
        let state = try XCTUnwrap(NodesFile.parse(Array(NodesFileTests.sixNodes.utf8)))
        XCTAssertEqual(state.myselfID, "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca")
        XCTAssertEqual(state.nodes.count, 6)
        XCTAssertEqual(state.slotOwners[0], state.myselfID)
        XCTAssertEqual(state.slotOwners[5461], "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1")
        XCTAssertEqual(state.slotOwners[16383], "292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f")
        XCTAssertEqual(state.migratingTo[77], "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1")
        XCTAssertEqual(state.currentEpoch, 6)
        XCTAssertEqual(state.size, 3)
        XCTAssertEqual(state.replicas(of: state.myselfID).map(\.port), [7004])
        XCTAssertEqual(state.node("07c37dfeb235213a872192d90877d0cd55635b91")?.configEpoch, 0)
        let rendered = NodesFile.render(state)
        XCTAssertTrue(
            rendered.contains(
                "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca :7001@17001".replacingOccurrences(
                    of: " :", with: " 127.0.0.1:")))
        XCTAssertTrue(
            rendered.contains(
                " myself,master - 0 0 1 connected 0-5460 [77->-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]\n"))
        XCTAssertTrue(rendered.hasSuffix("vars currentEpoch 6 lastVoteEpoch 0\n"))
        // What is written reads back as the same state.
        XCTAssertEqual(try NodesFile.parse(Array(rendered.utf8)), state)
    }

    func testRangesAndSingleSlotsRenderAsRedisDoes() throws {
        var state = ClusterState(
            myself: ClusterNode(
                id: String(repeating: "a", count: 40), ip: "", port: 41009, busPort: 51009, flags: [.myself, .master]))
        for slot in [0, 1, 2, 200, 300, 16383] { state.assign(slot, to: state.myselfID) }
        XCTAssertEqual(
            state.nodesDescription(),
            "\(String(repeating: "a", count: 40)) :41009@51009 myself,master - 0 0 0 connected 0-2 200 300 16383\n")
    }

    func testEmptyFileMeansANewNode() throws {
        XCTAssertNil(try NodesFile.parse([]))
        XCTAssertNil(try NodesFile.parse(Array("\n\n".utf8)))
    }

    /// Every damaged file is refused with a reason, never trapped on (ports, slots, IDs, flags, myself).
    func testCorruptFilesAreRefused() {
        let myself = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca"
        let damaged = [
            "\(myself) 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-16384",
            "\(myself) 127.0.0.1:7001@17001 myself,master - 0 0 1 connected -1",
            "\(myself) 127.0.0.1:99999999999999999999@17001 myself,master - 0 0 1 connected",
            "\(myself) 127.0.0.1:7001@70000 myself,master - 0 0 1 connected",
            "\(myself) 127.0.0.1 myself,master - 0 0 1 connected",
            "abc 127.0.0.1:7001@17001 myself,master - 0 0 1 connected",
            "\(myself) 127.0.0.1:7001@17001 myself,bogus - 0 0 1 connected",
            "\(myself) 127.0.0.1:7001@17001 master - 0 0 1 connected",
            "\(myself) 127.0.0.1:7001@17001 myself,master - 0 0",
            "\(myself) 127.0.0.1:7001@17001 myself,master - 0 0 1 connected [5->-abc]",
            "\(myself) 127.0.0.1:7001@17001 myself,master - 0 0 1 connected [99999->-\(myself)]",
            "\(myself) 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 1-2-3",
            "\(myself) \"127.0.0.1:7001@17001 myself,master - 0 0 1 connected",
            "vars currentEpoch 1 lastVoteEpoch",
        ]
        for text in damaged {
            XCTAssertThrowsError(try NodesFile.parse(Array(text.utf8)), text)
        }
    }

    func testSaveIsDurableAndReadable() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nodes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nodes.conf").path
        let state = try XCTUnwrap(NodesFile.parse(Array(NodesFileTests.sixNodes.utf8)))
        try NodesFile.save(state, to: path)
        XCTAssertEqual(try NodesFile.parse(try XCTUnwrap(ConfigFileLoader.readBytes(path))), state)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["nodes.conf"])
    }
}
