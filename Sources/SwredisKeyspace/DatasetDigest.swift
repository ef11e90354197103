import SwredisBytes

/// DEBUG DIGEST: Redis's order-independent SHA-1 digest of a dataset (`computeDatasetDigest` in debug.c),
/// reproduced exactly so the same data gives the same 40 hex digits on Redis and on swredis.
public enum DatasetDigest {
    /// XORs SHA1(bytes) into `digest`.
    static func xor(_ digest: inout [UInt8], _ bytes: UnsafeRawBufferPointer) {
        let hash = SHA1.hash(bytes)
        for index in 0..<20 { digest[index] ^= hash[index] }
    }

    /// Redis's `mixDigest`: xor in SHA1(bytes), then replace the digest with SHA1(digest).
    static func mix(_ digest: inout [UInt8], _ bytes: UnsafeRawBufferPointer) {
        xor(&digest, bytes)
        digest = digest.withUnsafeBytes { SHA1.hash($0) }
    }

    static func mix(_ digest: inout [UInt8], bigEndian value: UInt32) {
        var big = value.bigEndian
        withUnsafeBytes(of: &big) { mix(&digest, $0) }
    }

    /// The digest of one value (type, contents, expiry flag), as `xorObjectDigest` builds it.
    public static func valueDigest(_ value: Value, hasExpire: Bool) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 20)
        mixValue(&digest, value, hasExpire: hasExpire)
        return digest
    }

    /// The digest of every database; 20 zero bytes when all are empty.
    public static func compute(_ databases: [Database]) -> [UInt8] {
        var final = [UInt8](repeating: 0, count: 20)
        for (index, db) in databases.enumerated() where db.count > 0 {
            mix(&final, bigEndian: UInt32(index))
            db.keys.forEach { key, entry in
                var digest = [UInt8](repeating: 0, count: 20)
                key.withUnsafeBytes { mix(&digest, $0) }
                mixValue(&digest, entry.value, hasExpire: db.expireTime(of: key) != nil)
                // Redis's xorDigest: the key's digest enters the total through one more SHA-1.
                digest.withUnsafeBytes { xor(&final, $0) }
            }
        }
        return final
    }

    /// Redis's `xorObjectDigest`: the value's type, its contents (lists in order; sets and hashes order-free),
    /// and a marker when the key expires.
    static func mixValue(_ digest: inout [UInt8], _ value: Value, hasExpire: Bool) {
        switch value {
        case .string, .integer:
            mix(&digest, bigEndian: 0)
            _ = value.withStringBytes { mix(&digest, $0) }
        case .list(let list):
            mix(&digest, bigEndian: 1)
            for element in list.items { element.withUnsafeBytes { mix(&digest, $0) } }
        case .set(let set):
            mix(&digest, bigEndian: 2)
            set.forEach { member in member.withUnsafeBytes { xor(&digest, $0) } }
        case .zset(let zset):
            mix(&digest, bigEndian: 3)
            for (member, score) in zset.all {
                var element = [UInt8](repeating: 0, count: 20)
                member.withUnsafeBytes { mix(&element, $0) }
                Array(ScoreFormat.format(score).utf8).withUnsafeBytes { mix(&element, $0) }
                element.withUnsafeBytes { xor(&digest, $0) }
            }
        case .hash(let hash):
            mix(&digest, bigEndian: 4)
            hash.forEach { field, value in
                var element = [UInt8](repeating: 0, count: 20)
                field.withUnsafeBytes { mix(&element, $0) }
                value.withUnsafeBytes { mix(&element, $0) }
                element.withUnsafeBytes { xor(&digest, $0) }
            }
        }
        if hasExpire { Array("!!expire!!".utf8).withUnsafeBytes { xor(&digest, $0) } }
    }

    /// Lower-case hex of a digest.
    public static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }
}
