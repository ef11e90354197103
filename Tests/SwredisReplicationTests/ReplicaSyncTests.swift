import NIOCore
import SwredisClient
import SwredisReplication
import XCTest

/// The replica's sync with its master through every phase, without a socket: what each event asks the shell to do.
final class ReplicaSyncTests: XCTestCase {
    private let id = String(repeating: "b", count: 40)

    /// A machine whose PSYNC was just sent.
    private func atPSYNC() -> ReplicaSync {
        var sync = ReplicaSync(
            settings: .init(password: "", user: "", listeningPort: 6380, announcedAddress: ""))
        XCTAssertEqual(sync.expecting, .reply)
        XCTAssertEqual(sync.connected().last, .send([["PING"]]))
        _ = sync.received(reply("+PONG\r\n"))
        _ = sync.received(reply("+OK\r\n"))
        XCTAssertEqual(sync.received(reply("+OK\r\n")), [.requestPSYNC])
        return sync
    }

    /// A machine receiving a 10-byte RDB.
    private func inTransfer() -> ReplicaSync {
        var sync = atPSYNC()
        XCTAssertEqual(
            sync.received(reply("+FULLRESYNC \(id) 77\r\n")), [.log(.notice, "Full resync from master: \(id):77")])
        XCTAssertEqual(sync.expecting, .transferHeader)
        XCTAssertEqual(sync.receivedTransferHeader(""), [], "a keepalive newline changes nothing")
        XCTAssertEqual(
            sync.receivedTransferHeader("$10"),
            [
                .log(.notice, "MASTER <-> REPLICA sync: receiving 10 bytes from master to disk"),
                .receiveTransfer(.length(10)), .transferStarted(size: 10),
            ])
        XCTAssertEqual(sync.expecting, .transferBody)
        return sync
    }

    func testFullSyncLoadsThenStreams() {
        var sync = inTransfer()
        XCTAssertEqual(sync.transferCompleted(), [.loadTransfer(id: id, offset: 77)])
        XCTAssertEqual(sync.expecting, .nothing)
        XCTAssertTrue(sync.isLoading)
        XCTAssertEqual(sync.failed("late error"), [], "nothing interrupts a load")
        XCTAssertEqual(sync.loadFinished(succeeded: true, linkOpen: true), [.streamAfterLoad])
        XCTAssertEqual(sync.expecting, .stream)
        XCTAssertEqual(sync.closed(), [.reportLinkLost])
        XCTAssertTrue(sync.isClosed)
        XCTAssertEqual(sync.closed(), [], "a closed link reports once")
    }

    func testDisklessHeaderReportsNoSize() {
        var sync = atPSYNC()
        _ = sync.received(reply("+FULLRESYNC \(id) 0\r\n"))
        let mark = String(repeating: "e", count: 40)
        XCTAssertEqual(
            sync.receivedTransferHeader("$EOF:\(mark)"),
            [
                .log(.notice, "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk"),
                .receiveTransfer(.endMark(Array(mark.utf8))), .transferStarted(size: 0),
            ])
    }

    func testLinkLostWhileLoadingIsReportedWhenTheLoadEnds() {
        var sync = inTransfer()
        _ = sync.transferCompleted()
        XCTAssertEqual(sync.closed(), [], "the load's end decides")
        XCTAssertEqual(sync.loadFinished(succeeded: true, linkOpen: false), [.reportLinkLost])
        XCTAssertTrue(sync.isClosed)
    }

    func testFailedLoadClosesAnOpenLink() {
        var open = inTransfer()
        _ = open.transferCompleted()
        XCTAssertEqual(open.loadFinished(succeeded: false, linkOpen: true), [.reportLinkLost, .closeLink])
        var gone = inTransfer()
        _ = gone.transferCompleted()
        _ = gone.closed()
        XCTAssertEqual(gone.loadFinished(succeeded: false, linkOpen: false), [])
    }

    func testContinueStreamsAtOnce() {
        var sync = atPSYNC()
        XCTAssertEqual(
            sync.received(reply("+CONTINUE \(id)\r\n")),
            [
                .log(.notice, "Successful partial resynchronization with master."), .continueStream(newID: id),
                .log(.notice, "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization."),
            ])
        XCTAssertEqual(sync.expecting, .stream)
        XCTAssertEqual(sync.transferCompleted(), [], "no transfer in a continued stream")
        XCTAssertEqual(
            sync.failed("Protocol error from MASTER: bad"),
            [.log(.warning, "Protocol error from MASTER: bad"), .reportLinkLost, .closeLink])
    }

    func testBadHeadersAndRefusalsClose() {
        var sync = atPSYNC()
        _ = sync.received(reply("+FULLRESYNC \(id) 5\r\n"))
        XCTAssertEqual(
            sync.receivedTransferHeader("-ERR disk full"),
            [.log(.warning, "MASTER aborted replication with an error: ERR disk full"), .reportLinkLost, .closeLink])
        XCTAssertEqual(sync.expecting, .nothing)
        XCTAssertEqual(sync.receivedTransferHeader("$5"), [], "a closed link takes nothing")

        var refused = atPSYNC()
        XCTAssertEqual(
            refused.received(reply("-NOMASTERLINK Can't SYNC while not connected with my master\r\n")),
            [
                .log(
                    .warning,
                    "Master is currently unable to PSYNC but should be in the future: -NOMASTERLINK Can't SYNC while not connected with my master"
                ), .reportLinkLost, .closeLink,
            ])
        XCTAssertTrue(refused.isClosed)
    }

    func testOpeningTheTempFileCanFail() {
        var sync = inTransfer()
        XCTAssertEqual(
            sync.failed("Opening the temp file needed for MASTER <-> REPLICA synchronization: EACCES"),
            [
                .log(.warning, "Opening the temp file needed for MASTER <-> REPLICA synchronization: EACCES"),
                .reportLinkLost, .closeLink,
            ])
        XCTAssertEqual(sync.transferCompleted(), [])
    }
}
