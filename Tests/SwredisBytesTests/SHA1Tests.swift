import SwredisBytes
import XCTest

final class SHA1Tests: XCTestCase {
    func testKnownDigests() {
        XCTAssertEqual(SHA1.hex([UInt8]()), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(SHA1.hex(Array("abc".utf8)), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(
            SHA1.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        XCTAssertEqual(SHA1.hex([UInt8](repeating: 0x61, count: 1_000_000)), "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    /// Lengths around the padding's edges (one or two tail blocks, whole blocks only); digests from Python's hashlib.
    func testLengthsAroundBlockEdges() {
        let expected = [
            55: "ddf57317ef34bfee3b6df83d359098930eb278bc", 56: "a0d492bb0fc889d0eca3bc137066ab6f4f74f369",
            63: "c55856749bef509bdfe6bfebfc7bf4e793e82132", 64: "bede92be29c3874e1b54ddc77988d606fc857a8e",
            65: "b05a80522b053d6dc7e0a517d0e70212c7dad11f", 119: "504e27376a6e0f0dba8295b85cb25dc4dfa17d23",
            120: "82134b02fb3f702491be9bed581eeab59334acb2", 128: "a09133e6730ffe899efb70204cb5646cd5dc24ee",
        ]
        for (length, digest) in expected {
            let input = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
            XCTAssertEqual(SHA1.hex(input), digest, "length \(length)")
        }
    }

    /// The name Redis gives `return 1` (EVALSHA's test suite uses it).
    func testRedisScriptName() {
        XCTAssertEqual(SHA1.hex(Array("return 1".utf8)), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
    }
}
