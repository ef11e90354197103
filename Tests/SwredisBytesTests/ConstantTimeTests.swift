import SwredisBytes
import XCTest

final class ConstantTimeTests: XCTestCase {
    func equal(_ given: String, _ secret: String) -> Bool {
        Array(given.utf8).withUnsafeBytes { given in
            Array(secret.utf8).withUnsafeBytes { ConstantTime.equal(given, $0) }
        }
    }

    func testEqualOnlyForTheSameBytes() {
        XCTAssertTrue(equal("s3cret", "s3cret"))
        XCTAssertTrue(equal("", ""))
        XCTAssertFalse(equal("s3cres", "s3cret"))
        XCTAssertFalse(equal("S3cret", "s3cret"))
        XCTAssertFalse(equal("", "s3cret"))
        XCTAssertFalse(equal("x", ""))
    }

    func testPrefixesAndRepetitionsOfTheSecretAreRejected() {
        // The secret is read cyclically: a repetition of it must still differ by length.
        XCTAssertFalse(equal("s3c", "s3cret"))
        XCTAssertFalse(equal("s3crets3cret", "s3cret"))
        XCTAssertFalse(equal(String(repeating: "a", count: 256), "a"))
        XCTAssertFalse(equal(String(repeating: "a", count: 257), "a"))
    }
}
