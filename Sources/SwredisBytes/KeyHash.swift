/// The keyspace's hash function: a small multiply-fold hash in the wyhash family, seeded once per process so
/// that clients can't aim keys at one bucket. It hashes raw bytes, so a lookup straight from the read buffer
/// and a lookup of a stored `ByteString` agree.
public enum KeyHash {
    /// Random per-process seed.
    public static let seed: UInt64 = UInt64.random(in: 1...UInt64.max)

    @inline(__always) @usableFromInline
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    @inline(__always) @usableFromInline
    static func load(_ bytes: UnsafeRawBufferPointer, _ offset: Int, _ count: Int) -> UInt64 {
        var value: UInt64 = 0
        withUnsafeMutableBytes(of: &value) { raw in
            raw.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: count)
        }
        return value
    }

    /// Hashes `bytes`.
    @inlinable public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let p0: UInt64 = 0xa076_1d64_78bd_642f
        let p1: UInt64 = 0xe703_7ed1_a0b4_28db
        var state = seed ^ (UInt64(truncatingIfNeeded: bytes.count) &* p0)
        var offset = 0
        let count = bytes.count
        while count - offset >= 16 {
            let a = load(bytes, offset, 8)
            let b = load(bytes, offset + 8, 8)
            state = mix(a ^ p1 ^ state, b ^ state ^ p0)
            offset += 16
        }
        if count - offset >= 8 {
            state = mix(load(bytes, offset, 8) ^ p1, state ^ p0)
            offset += 8
        }
        if count > offset {
            state = mix(load(bytes, offset, count - offset) ^ p0, state ^ p1)
        }
        return mix(state ^ p0, UInt64(truncatingIfNeeded: count) ^ p1)
    }
}
