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

    /// The name Redis gives `return 1` (EVALSHA's test suite uses it).
    func testRedisScriptName() {
        XCTAssertEqual(SHA1.hex(Array("return 1".utf8)), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
    }
}
