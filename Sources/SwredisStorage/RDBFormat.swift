/// Constants of the RDB file format (Redis's `rdb.h`). A file is `REDIS` + four ASCII digits of version,
/// then a sequence of opcodes and typed key/value records, then `0xFF` and an 8-byte little-endian CRC-64
/// (zero when `rdbchecksum no`).
public enum RDBFormat {
    /// The version swredis writes: Redis 7.0's.
    public static let version = 10
    /// The file's first nine bytes.
    public static let magic = "REDIS0010"
    /// The newest version the reader accepts: like Redis 7.0, files and DUMP payloads from newer servers
    /// are refused (their encodings may not be known).
    public static let newestReadable = 10

    /// Whether the file at `path` starts like an RDB file (an AOF base with RDB preamble does).
    public static func isRDBFile(_ path: String) -> Bool {
        guard let file = try? MappedFile(path: path) else { return false }
        return file.bytes.count >= 5 && file.bytes.prefix(5).elementsEqual("REDIS".utf8)
    }

    /// Value types, as stored in front of each key.
    public enum ValueType: UInt8 {
        case string = 0
        case list = 1
        case set = 2
        case zset = 3
        case hash = 4
        case zset2 = 5
        case modulePreGA = 6
        case module2 = 7
        case hashZipmap = 9
        case listZiplist = 10
        case setIntset = 11
        case zsetZiplist = 12
        case hashZiplist = 13
        case listQuicklist = 14
        case streamListpacks = 15
        case hashListpack = 16
        case zsetListpack = 17
        case listQuicklist2 = 18
        case streamListpacks2 = 19
        case setListpack = 20
        case streamListpacks3 = 21

        /// The Redis type name, for messages about values swredis cannot hold.
        public var typeName: String {
            switch self {
            case .string: return "string"
            case .list, .listZiplist, .listQuicklist, .listQuicklist2: return "list"
            case .set, .setIntset, .setListpack: return "set"
            case .zset, .zset2, .zsetZiplist, .zsetListpack: return "zset"
            case .hash, .hashZipmap, .hashZiplist, .hashListpack: return "hash"
            case .modulePreGA, .module2: return "module"
            case .streamListpacks, .streamListpacks2, .streamListpacks3: return "stream"
            }
        }
    }

    /// Opcodes that are not value types.
    public enum Opcode {
        public static let function2: UInt8 = 245
        public static let functionPreGA: UInt8 = 246
        public static let moduleAux: UInt8 = 247
        public static let idle: UInt8 = 248
        public static let frequency: UInt8 = 249
        public static let aux: UInt8 = 250
        public static let resizeDB: UInt8 = 251
        public static let expireTimeMilliseconds: UInt8 = 252
        public static let expireTimeSeconds: UInt8 = 253
        public static let selectDB: UInt8 = 254
        public static let eof: UInt8 = 255
    }

    /// Length prefixes: the two top bits of the first byte select the form.
    enum Length {
        static let sixBit: UInt8 = 0
        static let fourteenBit: UInt8 = 1
        static let thirtyTwoBit: UInt8 = 0x80
        static let sixtyFourBit: UInt8 = 0x81
        static let encoded: UInt8 = 3
    }

    /// Special string encodings (after a `11xxxxxx` length byte).
    enum StringEncoding {
        static let int8 = 0
        static let int16 = 1
        static let int32 = 2
        static let lzf = 3
    }

    /// Quicklist 2 node containers.
    enum QuicklistContainer {
        static let plain = 1
        static let packed = 2
    }
}
