import NIOCore
import SwredisClient
import SwredisReplication
import XCTest

final class ReplicaHandshakeTests: XCTestCase {
    private let id = String(repeating: "a", count: 40)

    private func handshake(password: String = "", user: String = "", address: String = "") -> ReplicaHandshake {
        ReplicaHandshake(
            settings: .init(password: password, user: user, listeningPort: 6380, announcedAddress: address))
    }

    func testTheFullSequenceWithAuthAndAnnouncedAddress() {
        var machine = handshake(password: "pw", user: "repl", address: "198.18.0.9")
        XCTAssertEqual(machine.connected().last, .send([["PING"]]))
        XCTAssertEqual(
            machine.received(reply("-NOAUTH Authentication required.\r\n")),
            [
                .log(.notice, "Master replied to PING, replication can continue..."),
                .send([
                    ["AUTH", "repl", "pw"], ["REPLCONF", "listening-port", "6380"],
                    ["REPLCONF", "ip-address", "198.18.0.9"], ["REPLCONF", "capa", "eof", "capa", "psync2"],
                ]),
            ])
        XCTAssertEqual(machine.received(reply("+OK\r\n")), [])
        XCTAssertEqual(machine.received(reply("+OK\r\n")), [])
        XCTAssertEqual(
            machine.received(reply("-ERR unknown option\r\n")),
            [.log(.notice, "(Non critical) Master does not understand REPLCONF ip-address: -ERR unknown option")])
        XCTAssertEqual(machine.received(reply("+OK\r\n")), [.requestPSYNC])
        XCTAssertFalse(machine.isFinished)
        XCTAssertEqual(
            machine.received(reply("+FULLRESYNC \(id) 1234\r\n")),
            [.log(.notice, "Full resync from master: \(id):1234"), .fullResync(id: id, offset: 1234)])
        XCTAssertTrue(machine.isFinished)
        XCTAssertEqual(machine.received(reply("+OK\r\n")), [])
    }

    func testWithoutPasswordNoAuthIsSent() {
        var machine = handshake()
        _ = machine.connected()
        XCTAssertEqual(
            machine.received(reply("+PONG\r\n")).last,
            .send([["REPLCONF", "listening-port", "6380"], ["REPLCONF", "capa", "eof", "capa", "psync2"]]))
    }

    func testRefusalsEndTheLinkWithRedisLogTexts() {
        var ping = handshake()
        _ = ping.connected()
        XCTAssertEqual(
            ping.received(reply("-ERR wrong\r\n")), [.fail("Error reply to PING from master: '-ERR wrong'")])
        XCTAssertTrue(ping.isFinished)

        var auth = handshake(password: "pw")
        _ = auth.connected()
        _ = auth.received(reply("+PONG\r\n"))
        XCTAssertEqual(
            auth.received(reply("-WRONGPASS invalid username-password pair\r\n")),
            [.fail("Unable to AUTH to MASTER: -WRONGPASS invalid username-password pair")])
    }

    private func atPSYNC() -> ReplicaHandshake {
        var machine = handshake()
        _ = machine.connected()
        _ = machine.received(reply("+PONG\r\n"))
        _ = machine.received(reply("+OK\r\n"))
        XCTAssertEqual(machine.received(reply("+OK\r\n")), [.requestPSYNC])
        return machine
    }

    func testPSYNCReplies() {
        var continued = atPSYNC()
        XCTAssertEqual(continued.received(reply("+CONTINUE \(id)\r\n")).last, .continueStream(newID: id))
        var same = atPSYNC()
        XCTAssertEqual(same.received(reply("+CONTINUE\r\n")).last, .continueStream(newID: nil))
        var loading = atPSYNC()
        XCTAssertEqual(
            loading.received(reply("-LOADING Redis is loading the dataset in memory\r\n")),
            [
                .fail(
                    "Master is currently unable to PSYNC but should be in the future: -LOADING Redis is loading the dataset in memory"
                )
            ])
        var odd = atPSYNC()
        XCTAssertEqual(odd.received(reply(":1\r\n")), [.fail("Unexpected reply to PSYNC from master: :1")])
    }

    func testFullResyncOffsetsOutsideTheRangeAreRefused() {
        var top = atPSYNC()
        XCTAssertEqual(
            top.received(reply("+FULLRESYNC \(id) 4611686018427387904\r\n")).last,
            .fullResync(id: id, offset: 1 << 62))
        for offset in ["4611686018427387905", "9223372036854775807", "9223372036854775808", "-1", "x", ""] {
            var machine = atPSYNC()
            XCTAssertEqual(
                machine.received(reply("+FULLRESYNC \(id) \(offset)\r\n")),
                [.fail("Unexpected reply to PSYNC from master: +FULLRESYNC \(id) \(offset)")], offset)
        }
    }

    func testTransferHeaders() {
        XCTAssertEqual(TransferHeader.parse(""), .keepalive)
        XCTAssertEqual(TransferHeader.parse("$1024"), .length(1024))
        let mark = String(repeating: "f", count: 40)
        XCTAssertEqual(TransferHeader.parse("$EOF:\(mark)"), .endMark(Array(mark.utf8)))
        XCTAssertEqual(
            TransferHeader.parse("$EOF:short"), .failure("Bad protocol from MASTER: bad bulk length '$EOF:short'"))
        XCTAssertEqual(TransferHeader.parse("$-5"), .failure("Bad protocol from MASTER: bad bulk length '$-5'"))
        XCTAssertEqual(
            TransferHeader.parse("$99999999999999999999"),
            .failure("Bad protocol from MASTER: bad bulk length '$99999999999999999999'"))
        XCTAssertEqual(TransferHeader.parse("-ERR no"), .failure("MASTER aborted replication with an error: ERR no"))
        XCTAssertEqual(
            TransferHeader.parse("+OK"),
            .failure(
                "Bad protocol from MASTER, the first byte is not '$' (we received '+OK'), are you sure the host and port are right?"
            ))
    }
}
