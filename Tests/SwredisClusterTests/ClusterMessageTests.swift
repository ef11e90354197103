import SwredisBytes
import XCTest

@testable import SwredisCluster

final class ClusterMessageTests: XCTestCase {
    /// The PONG redis-server 7.0.15 sent to a MEET (port 7201, slots 0-99, config epoch 7, cluster-announce-hostname
    /// node-a.example): its 2280 bytes written as the offsets and values of the non-zero ones.
    static let redisPong = """
        0:82,1:67,2:109,3:98,6:8,7:232,9:1,10:28,11:33,13:1,23:7,31:7,40:50,41:99,42:56,43:55,44:53,45:53,46:99,47:49,\
        48:98,49:99,50:57,51:99,52:50,53:102,54:48,55:101,56:57,57:53,58:98,59:48,60:99,61:101,62:49,63:98,64:97,65:54,\
        66:49,67:52,68:53,69:98,70:51,71:50,72:48,73:101,74:48,75:97,76:54,77:49,78:51,79:101,80:255,81:255,82:255,\
        83:255,84:255,85:255,86:255,87:255,88:255,89:255,90:255,91:255,92:15,2215:1,2248:67,2249:49,2251:17,2252:1,\
        2253:4,2259:24,2264:110,2265:111,2266:100,2267:101,2268:45,2269:97,2270:46,2271:101,2272:120,2273:97,2274:109,\
        2275:112,2276:108,2277:101
        """
    static let redisPongID = "2c8755c1bc9c2f0e95b0ce1ba6145b320e0a613e"

    static func sparseFrame(_ text: String, length: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: length)
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: ":")
            bytes[Int(parts[0])!] = UInt8(parts[1])!
        }
        return bytes
    }

    func pongFromRedis() throws -> ClusterMessage {
        try ClusterMessage.decode(Self.sparseFrame(Self.redisPong, length: 2280))
    }

    func testDecodesRedisServersPong() throws {
        let message = try pongFromRedis()
        XCTAssertEqual(message.kind, .pong)
        XCTAssertEqual(message.port, 7201)
        XCTAssertEqual(message.busPort, 17201)
        XCTAssertEqual(message.currentEpoch, 7)
        XCTAssertEqual(message.configEpoch, 7)
        XCTAssertEqual(message.sender, Self.redisPongID)
        XCTAssertEqual(message.flags, [.myself, .master])
        XCTAssertNil(message.masterID)
        XCTAssertFalse(message.clusterOK)
        XCTAssertEqual(message.announcedIP, "")
        XCTAssertEqual((0..<HashSlot.count).filter { message.slots.contains($0) }, Array(0...99))
        XCTAssertEqual(message.body, .gossip([], hostname: "node-a.example"))
    }

    /// Our encoder writes the same bytes redis-server wrote for the same message.
    func testEncodesWhatRedisServerSends() throws {
        var slots = SlotBitmap()
        for slot in 0...99 { slots.insert(slot) }
        let message = ClusterMessage(
            kind: .pong, port: 7201, busPort: 17201, currentEpoch: 7, configEpoch: 7, sender: Self.redisPongID,
            slots: slots, flags: [.myself, .master], clusterOK: false, body: .gossip([], hostname: "node-a.example"))
        XCTAssertEqual(message.encoded(), Self.sparseFrame(Self.redisPong, length: 2280))
    }

    /// Fields land at the offsets cluster.h's static asserts fix; gossip entries are 104 bytes.
    func testFieldOffsets() throws {
        var slots = SlotBitmap()
        slots.insert(16383)
        var message = ClusterMessage(
            kind: .ping, port: 0x1234, busPort: 0x5678, currentEpoch: 0x0102_0304_0506_0708, configEpoch: 9,
            sender: String(repeating: "a", count: 40), slots: slots, masterID: String(repeating: "b", count: 40),
            flags: .replica, clusterOK: true,
            body: .gossip(
                [
                    .init(
                        nodeID: String(repeating: "c", count: 40), pingSent: 1, pongReceived: 2, ip: "198.18.7.1",
                        port: 7000, busPort: 17000, flags: [.master, .possiblyFailing])
                ], hostname: nil))
        message.announcedIP = "198.18.0.9"
        message.replicationOffset = 77
        let bytes = message.encoded()
        XCTAssertEqual(bytes.count, 2256 + 104)
        XCTAssertEqual(Array(bytes[0..<4]), Array("RCmb".utf8))
        XCTAssertEqual(Array(bytes[4..<8]), [0, 0, 0x09, 0x38])
        XCTAssertEqual(Array(bytes[10..<16]), [0x12, 0x34, 0, 0, 0, 1])
        XCTAssertEqual(Array(bytes[16..<24]), [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(bytes[39], 77)
        XCTAssertEqual(bytes[40], UInt8(ascii: "a"))
        XCTAssertEqual(bytes[80 + 2047], 0x80)
        XCTAssertEqual(bytes[2128], UInt8(ascii: "b"))
        XCTAssertEqual(Array(bytes[2168..<2178]), Array("198.18.0.9".utf8))
        XCTAssertEqual(Array(bytes[2248..<2251]), [0x56, 0x78, 0])
        XCTAssertEqual(bytes[2251], 2)
        XCTAssertEqual(bytes[2252], 0)
        XCTAssertEqual(bytes[2256], UInt8(ascii: "c"))
        XCTAssertEqual(Array(bytes[2296..<2304]), [0, 0, 0, 1, 0, 0, 0, 2])
        XCTAssertEqual(Array(bytes[2304..<2314]), Array("198.18.7.1".utf8))
        XCTAssertEqual(Array(bytes[2350..<2356]), [0x1b, 0x58, 0x42, 0x68, 0, 5])
        XCTAssertEqual(try ClusterMessage.decode(bytes), message)
    }

    func testEveryBodyRoundTrips() throws {
        var slots = SlotBitmap()
        slots.insert(5)
        let bodies: [(ClusterMessage.Kind, ClusterMessage.Body)] = [
            (.meet, .gossip([], hostname: "a-very-long-hostname.example.org")),
            (.fail, .fail(nodeID: String(repeating: "d", count: 40))),
            (.publish, .publish(channel: Array("news".utf8), message: [0, 1, 2, 255])),
            (.publishShard, .publish(channel: [], message: [])),
            (.update, .update(configEpoch: .max, nodeID: String(repeating: "e", count: 40), slots: slots)),
            (.failoverAuthRequest, .headerOnly), (.failoverAuthAck, .headerOnly), (.manualFailoverStart, .headerOnly),
        ]
        for (kind, body) in bodies {
            let message = ClusterMessage(
                kind: kind, port: 1, busPort: 2, currentEpoch: 3, configEpoch: 4,
                sender: String(repeating: "f", count: 40), slots: SlotBitmap(), flags: .master, clusterOK: true,
                body: body)
            let bytes = message.encoded()
            XCTAssertEqual(ClusterMessage.frameLength(bytes.prefix(8)), bytes.count, "\(kind)")
            XCTAssertEqual(try ClusterMessage.decode(bytes), message, "\(kind)")
        }
    }

    func testFrameLengthRefusesBadSignaturesAndLengths() {
        XCTAssertNil(ClusterMessage.frameLength(Array("RCmc".utf8) + [0, 0, 0x10, 0]))
        XCTAssertNil(ClusterMessage.frameLength(Array("RCmb".utf8) + [0, 0, 0x08, 0xcf]))
        XCTAssertNil(ClusterMessage.frameLength(Array("RCmb".utf8) + [0xff, 0xff, 0xff, 0xff]))
        XCTAssertNil(ClusterMessage.frameLength(Array("RCmb".utf8) + [0, 0]))
        XCTAssertEqual(ClusterMessage.frameLength(Array("RCmb".utf8) + [0, 0, 0x08, 0xd0]), 2256)
    }

    /// Each malformed frame is refused with Redis's warning (or silently, for another protocol version) and never
    /// read past its end.
    func testMalformedFramesAreRefused() throws {
        let pong = Self.sparseFrame(Self.redisPong, length: 2280)
        func refusal(_ bytes: [UInt8]) -> String? {
            do {
                _ = try ClusterMessage.decode(bytes)
                return "accepted"
            } catch {
                return error.log
            }
        }
        // One byte of Redis's PONG changed: (offset, new value, the warning; nil: dropped silently).
        let changes: [(Int, UInt8, String?)] = [
            (9, 2, nil),
            (13, 42, "Received unknown packet type: 42"),
            (14, 0xff, "Received invalid pong packet of length 2280 but expected length 6791376"),
            (2259, 20, "Received a pong packet without proper padding (20 bytes)"),
            (2259, 32, "Received invalid pong packet with extension data that exceeds total packet length (2280)"),
            (2215, 2, "Received invalid pong packet of length 2280 but expected length 2288"),
            (45, 0, "Received a pong packet with an invalid sender name"),
            (7, 0xe9, "Bad message length or signature received from Cluster bus."),
        ]
        for (offset, value, warning) in changes {
            var changed = pong
            changed[offset] = value
            XCTAssertEqual(refusal(changed), warning, "byte \(offset) = \(value)")
        }
        var fail = try pongFromRedis()
        fail.kind = .fail
        fail.body = .fail(nodeID: String(repeating: "a", count: 40))
        var shortFail = fail.encoded()
        shortFail.removeLast()
        shortFail[7] -= 1
        XCTAssertEqual(refusal(shortFail), "Received invalid fail packet of length 2295 but expected length 2296")
        var publish = fail
        publish.kind = .publish
        publish.body = .publish(channel: [1], message: [2])
        var hugePublish = publish.encoded()
        hugePublish[2256] = 0xff
        XCTAssertEqual(
            refusal(hugePublish), "Received invalid publish packet of length 2266 but expected length 4278192346")
    }

    /// An empty hostname extension is no hostname (found by the cluster fuzz target: it did not re-encode).
    func testEmptyHostnameIsNone() throws {
        var pong = Self.sparseFrame(Self.redisPong, length: 2280)
        for index in 2264..<2280 { pong[index] = 0 }
        let message = try ClusterMessage.decode(pong)
        XCTAssertEqual(message.body, .gossip([], hostname: nil))
        XCTAssertEqual(try ClusterMessage.decode(message.encoded()), message)
    }
}
