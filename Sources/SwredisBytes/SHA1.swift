/// SHA-1 (FIPS 180-4), used only where Redis uses it for non-security purposes: DEBUG DIGEST, whose output
/// must equal Redis's so datasets can be compared across servers, and script names. Small enough that a dependency
/// on a cryptography package (and its C build) isn't worth it. Hashes without allocating: whole blocks are read
/// from the input, the padded tail is built on the stack.
public enum SHA1 {
    /// The five words of the SHA-1 of `bytes`.
    public static func words(_ bytes: UnsafeRawBufferPointer) -> (UInt32, UInt32, UInt32, UInt32, UInt32) {
        var state: (UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0
        )
        let wholeBlocks = bytes.count / 64
        if let base = bytes.baseAddress {
            for block in 0..<wholeBlocks { process(base + block * 64, into: &state) }
        }
        // The tail, 0x80, zeros and the bit length fill one or two more blocks.
        let tailCount = bytes.count - wholeBlocks * 64
        withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { tail in
            tail.initializeMemory(as: UInt8.self, repeating: 0)
            if tailCount > 0, let base = bytes.baseAddress {
                tail.baseAddress!.copyMemory(from: base + wholeBlocks * 64, byteCount: tailCount)
            }
            tail[tailCount] = 0x80
            let blocks = tailCount < 56 ? 1 : 2
            let bitLength = UInt64(bytes.count) &* 8
            tail.storeBytes(of: bitLength.bigEndian, toByteOffset: blocks * 64 - 8, as: UInt64.self)
            for block in 0..<blocks { process(UnsafeRawPointer(tail.baseAddress! + block * 64), into: &state) }
        }
        return state
    }

    /// The 20 bytes of the SHA-1 of `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let state = words(bytes)
        var digest: [UInt8] = []
        digest.reserveCapacity(20)
        for word in [state.0, state.1, state.2, state.3, state.4] {
            for shift in stride(from: 24, through: 0, by: -8) {
                digest.append(UInt8(truncatingIfNeeded: word >> UInt32(shift)))
            }
        }
        return digest
    }

    private static func process(_ block: UnsafeRawPointer, into state: inout (UInt32, UInt32, UInt32, UInt32, UInt32)) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
            for index in 0..<16 {
                w[index] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
            }
            for index in 16..<80 {
                let value = w[index - 3] ^ w[index - 8] ^ w[index - 14] ^ w[index - 16]
                w[index] = value << 1 | value >> 31
            }
            var (a, b, c, d, e) = state
            for index in 0..<80 {
                let f: UInt32
                let k: UInt32
                switch index {
                case 0..<20:
                    f = (b & c) | (~b & d)
                    k = 0x5A82_7999
                case 20..<40:
                    f = b ^ c ^ d
                    k = 0x6ED9_EBA1
                case 40..<60:
                    f = (b & c) | (b & d) | (c & d)
                    k = 0x8F1B_BCDC
                default:
                    f = b ^ c ^ d
                    k = 0xCA62_C1D6
                }
                let temp = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[index]
                e = d
                d = c
                c = b << 30 | b >> 2
                b = a
                a = temp
            }
            state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
        }
    }
}

extension SHA1 {
    /// The 40 lowercase hex digits of the SHA-1 of `bytes`: the name Redis gives a script (EVALSHA, SCRIPT LOAD,
    /// `redis.sha1hex`).
    public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(40)
        for byte in hash(bytes) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    public static func hex(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { hex($0) } }
}
