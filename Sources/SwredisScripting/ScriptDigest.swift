import SwredisBytes

/// A script's name, the 40 hex digits of its SHA-1, lower-cased and packed into words: EVALSHA looks a script up
/// without making a String (Redis lower-cases the name it is given the same way).
struct ScriptDigest: Hashable {
    private let first: UInt64
    private let second: UInt64
    private let third: UInt64
    private let fourth: UInt64
    private let fifth: UInt64

    /// The digest named by `text`, or nil when it is not 40 bytes long. ASCII letters are lower-cased; other bytes
    /// are kept (such a name is simply never found).
    init?(_ text: UnsafeRawBufferPointer) {
        guard text.count == 40 else { return nil }
        func word(_ start: Int) -> UInt64 {
            let word = UInt64(littleEndian: text.loadUnaligned(fromByteOffset: start, as: UInt64.self))
            // Lower-cases the ASCII capitals of all eight bytes at once: a byte's high bit marks `A` or above and
            // not above `Z` (no carry crosses bytes: each sum stays below 0x100); non-ASCII bytes stay as they are.
            let ones: UInt64 = 0x0101_0101_0101_0101
            let low = word & (ones * 0x7f)
            let atLeastA = low &+ ones * (0x80 - 0x41)
            let aboveZ = low &+ ones * (0x80 - 0x5b)
            let capitals = atLeastA & ~aboveZ & ~word & (ones * 0x80)
            return word | (capitals >> 2)
        }
        first = word(0)
        second = word(8)
        third = word(16)
        fourth = word(24)
        fifth = word(32)
    }

    /// The digest of a script body.
    init(hashing body: UnsafeRawBufferPointer) {
        let state = SHA1.words(body)
        let words = [state.0, state.1, state.2, state.3, state.4]
        // 40 bytes by construction, so the digest always exists.
        self = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { hex in
            for (index, word) in words.enumerated() {
                for nibble in 0..<8 {
                    hex[index * 8 + nibble] = ScriptDigest.digits[Int((word >> UInt32(28 - nibble * 4)) & 0xf)]
                }
            }
            return ScriptDigest(UnsafeRawBufferPointer(hex))!
        }
    }

    private static let digits = Array("0123456789abcdef".utf8)

    /// The 40 characters, as replies and logs show the name.
    var text: String {
        let words = [first, second, third, fourth, fifth]
        return String(unsafeUninitializedCapacity: 40) { buffer in
            for index in 0..<40 {
                buffer[index] = UInt8(truncatingIfNeeded: words[index >> 3] >> UInt64((index & 7) * 8))
            }
            return 40
        }
    }
}

/// A compiled script of the cache: its shebang flags and the function, held in the registry (`luaL_ref`).
struct CachedScript {
    let flags: ScriptFlags
    let reference: Int32
}

/// What a run is called in errors and logs: a script by its SHA-1, a function by its name.
enum RunName {
    case script(ScriptDigest)
    case function(String)

    var text: String {
        switch self {
        case .script(let digest): return digest.text
        case .function(let name): return name
        }
    }
}
