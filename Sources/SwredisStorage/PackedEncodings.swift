/// Readers for the compact blobs Redis stores inside RDB strings: ziplists (Redis ≤ 6.2), listpacks
/// (Redis ≥ 7.0), intsets and zipmaps (Redis ≤ 2.4). Each walks the blob with bounds checks and hands every
/// element to a closure, as bytes (pointing into the blob) or as an integer.
enum PackedEncodings {
    /// Ziplist: `zlbytes:u32 zltail:u32 zllen:u16`, entries `prevlen encoding data`, then 0xFF.
    static func ziplist(_ blob: UnsafeRawBufferPointer, _ body: (StoredString) throws -> Void) throws {
        var cursor = RDBCursor(blob)
        let declared = Int(try cursor.littleEndian(UInt32.self))
        guard declared == blob.count, blob.count >= 11 else {
            throw cursor.error("Ziplist integrity check failed (size)")
        }
        _ = try cursor.littleEndian(UInt32.self)
        _ = try cursor.littleEndian(UInt16.self)
        while true {
            let first = try cursor.byte()
            if first == 0xff { break }
            if first == 0xfe { _ = try cursor.take(4) }
            let encoding = try cursor.byte()
            switch encoding >> 6 {
            case 0:
                try body(.bytes(try cursor.take(Int(encoding & 0x3f))))
            case 1:
                let length = Int(encoding & 0x3f) << 8 | Int(try cursor.byte())
                try body(.bytes(try cursor.take(length)))
            case 2:
                guard encoding == 0x80 else { throw cursor.error("Ziplist integrity check failed (string encoding)") }
                let length = Int(try cursor.bigEndian(UInt32.self))
                try body(.bytes(try cursor.take(length)))
            default:
                switch encoding {
                case 0xc0: try body(.integer(Int(try cursor.littleEndian(Int16.self))))
                case 0xd0: try body(.integer(Int(try cursor.littleEndian(Int32.self))))
                case 0xe0: try body(.integer(Int(try cursor.littleEndian(Int64.self))))
                case 0xf0:
                    let raw = try cursor.take(3)
                    let value = Int32(raw[0]) << 8 | Int32(raw[1]) << 16 | Int32(raw[2]) << 24
                    try body(.integer(Int(value >> 8)))
                case 0xfe: try body(.integer(Int(Int8(bitPattern: try cursor.byte()))))
                case 0xf1...0xfd: try body(.integer(Int(encoding & 0x0f) - 1))
                default: throw cursor.error("Ziplist integrity check failed (encoding \(encoding))")
                }
            }
        }
        guard cursor.remaining == 0 else { throw cursor.error("Ziplist integrity check failed (trailing bytes)") }
    }

    /// Listpack: `total:u32 count:u16`, entries `encoding data backlen`, then 0xFF.
    static func listpack(_ blob: UnsafeRawBufferPointer, _ body: (StoredString) throws -> Void) throws {
        var cursor = RDBCursor(blob)
        let declared = Int(try cursor.littleEndian(UInt32.self))
        guard declared == blob.count, blob.count >= 7 else {
            throw cursor.error("Listpack integrity check failed (size)")
        }
        _ = try cursor.littleEndian(UInt16.self)
        while true {
            let start = cursor.position
            let encoding = try cursor.byte()
            if encoding == 0xff { break }
            if encoding & 0x80 == 0 {
                try body(.integer(Int(encoding)))
            } else if encoding & 0xc0 == 0x80 {
                try body(.bytes(try cursor.take(Int(encoding & 0x3f))))
            } else if encoding & 0xe0 == 0xc0 {
                var value = Int(encoding & 0x1f) << 8 | Int(try cursor.byte())
                if value >= 1 << 12 { value -= 1 << 13 }
                try body(.integer(value))
            } else if encoding & 0xf0 == 0xe0 {
                let length = Int(encoding & 0x0f) << 8 | Int(try cursor.byte())
                try body(.bytes(try cursor.take(length)))
            } else {
                switch encoding {
                case 0xf0:
                    let length = Int(try cursor.littleEndian(UInt32.self))
                    try body(.bytes(try cursor.take(length)))
                case 0xf1: try body(.integer(Int(try cursor.littleEndian(Int16.self))))
                case 0xf2:
                    let raw = try cursor.take(3)
                    let value = Int32(raw[0]) << 8 | Int32(raw[1]) << 16 | Int32(raw[2]) << 24
                    try body(.integer(Int(value >> 8)))
                case 0xf3: try body(.integer(Int(try cursor.littleEndian(Int32.self))))
                case 0xf4: try body(.integer(Int(try cursor.littleEndian(Int64.self))))
                default: throw cursor.error("Listpack integrity check failed (encoding \(encoding))")
                }
            }
            let entrySize = cursor.position - start
            _ = try cursor.take(backlenSize(entrySize))
        }
        guard cursor.remaining == 0 else { throw cursor.error("Listpack integrity check failed (trailing bytes)") }
    }

    static func backlenSize(_ entrySize: Int) -> Int {
        if entrySize < 128 { return 1 }
        if entrySize < 16_384 { return 2 }
        if entrySize < 2_097_152 { return 3 }
        if entrySize < 268_435_456 { return 4 }
        return 5
    }

    /// Intset: `encoding:u32` (2, 4 or 8 bytes per member), `length:u32`, members little endian, ascending.
    static func intset(_ blob: UnsafeRawBufferPointer, _ body: (Int) throws -> Void) throws {
        var cursor = RDBCursor(blob)
        let width = Int(try cursor.littleEndian(UInt32.self))
        let count = Int(try cursor.littleEndian(UInt32.self))
        guard width == 2 || width == 4 || width == 8, count * width == cursor.remaining else {
            throw cursor.error("Intset integrity check failed")
        }
        for _ in 0..<count {
            switch width {
            case 2: try body(Int(try cursor.littleEndian(Int16.self)))
            case 4: try body(Int(try cursor.littleEndian(Int32.self)))
            default: try body(Int(try cursor.littleEndian(Int64.self)))
            }
        }
    }

    /// Zipmap (hashes of Redis ≤ 2.4): `zmlen:u8`, then `len key len free value <free bytes>` pairs, then 0xFF.
    static func zipmap(
        _ blob: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var cursor = RDBCursor(blob)
        _ = try cursor.byte()
        func length() throws -> Int? {
            let first = try cursor.byte()
            if first == 0xff { return nil }
            if first == 254 { return Int(try cursor.littleEndian(UInt32.self)) }
            return Int(first)
        }
        while let keyLength = try length() {
            let key = try cursor.take(keyLength)
            guard let valueLength = try length() else { throw cursor.error("Zipmap integrity check failed") }
            let free = Int(try cursor.byte())
            let value = try cursor.take(valueLength)
            _ = try cursor.take(free)
            try body(key, value)
        }
        guard cursor.remaining == 0 else { throw cursor.error("Zipmap integrity check failed (trailing bytes)") }
    }
}
