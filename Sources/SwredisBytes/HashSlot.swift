/// Redis Cluster's key → slot mapping (Redis's `keyHashSlot`): CRC16 (XMODEM) of the key, or of its hash tag — the
/// bytes between the first `{` and the first `}` after it, when there is at least one — modulo 16384.
public enum HashSlot {
    /// The number of hash slots.
    public static let count = 16384

    /// The slot of `key`.
    public static func of(_ key: UnsafeRawBufferPointer) -> Int {
        var hashed = key
        if let open = key.firstIndex(of: UInt8(ascii: "{")),
            let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1
        {
            hashed = UnsafeRawBufferPointer(rebasing: key[(open + 1)..<close])
        }
        return Int(crc16(hashed) & 0x3FFF)
    }

    /// The slot of `key`.
    public static func of(_ key: [UInt8]) -> Int {
        key.withUnsafeBytes { of($0) }
    }

    /// CRC16-CCITT as XMODEM computes it (polynomial 0x1021, initial value 0), by table.
    public static func crc16(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int((crc >> 8) ^ UInt16(byte)) & 0xff]
        }
        return crc
    }

    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }
}
