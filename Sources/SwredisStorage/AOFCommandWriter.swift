import SwredisBytes
import SwredisKeyspace

/// Writes a keyspace snapshot as commands (an AOF base without RDB preamble, `aof-use-rdb-preamble no`), the
/// way Redis's `rewriteAppendOnlyFileRio` does: SELECT per database, one SET/RPUSH/SADD/ZADD/HSET per key with
/// at most 64 elements per command, then PEXPIREAT for keys with a time to live.
public enum AOFCommandWriter {
    static let itemsPerCommand = 64

    public static func write(
        _ databases: inout [DatabaseSnapshot], functionLibraries: [[UInt8]] = [],
        output: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        func command(_ arguments: [ByteString]) throws {
            buffer.append(UInt8(ascii: "*"))
            buffer.append(contentsOf: String(arguments.count).utf8)
            buffer.append(contentsOf: [13, 10])
            for argument in arguments {
                buffer.append(UInt8(ascii: "$"))
                buffer.append(contentsOf: String(argument.count).utf8)
                buffer.append(contentsOf: [13, 10])
                argument.withUnsafeBytes { buffer.append(contentsOf: $0) }
                buffer.append(contentsOf: [13, 10])
            }
            if buffer.count >= 1 << 20 {
                try buffer.withUnsafeBytes { try output($0) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        func batched(_ name: String, _ key: ByteString, _ items: [ByteString], width: Int) throws {
            var index = 0
            while index < items.count {
                let end = min(items.count, index + itemsPerCommand * width)
                try command([ByteString(name), key] + items[index..<end])
                index = end
            }
        }
        // Like Redis's `rewriteFunctions`: one FUNCTION LOAD per library, before any SELECT.
        for code in functionLibraries {
            try command([ByteString("FUNCTION"), ByteString("LOAD"), code.withUnsafeBytes { ByteString($0) }])
        }
        for index in databases.indices where databases[index].count > 0 {
            let expires = databases[index].expires
            try command([ByteString("SELECT"), ByteString(String(index))])
            try databases[index].keys.drain { key, entry in
                switch entry.value {
                case .string(let bytes): try command([ByteString("SET"), key, bytes])
                case .integer(let number): try command([ByteString("SET"), key, ByteString(String(number))])
                case .list(let list): try batched("RPUSH", key, Array(list.items), width: 1)
                case .set(let set): try batched("SADD", key, set.members, width: 1)
                case .zset(let zset):
                    var items: [ByteString] = []
                    zset.scores.forEach { member, score in
                        items.append(ByteString(ScoreFormat.format(score)))
                        items.append(member)
                    }
                    try batched("ZADD", key, items, width: 2)
                case .hash(let hash):
                    var items: [ByteString] = []
                    hash.forEach { field, value in
                        items.append(field)
                        items.append(value)
                    }
                    try batched("HSET", key, items, width: 2)
                }
                if !expires.isEmpty, let position = expires.index(of: key) {
                    try command([ByteString("PEXPIREAT"), key, ByteString(String(expires.value(at: position)))])
                }
            }
        }
        try buffer.withUnsafeBytes { try output($0) }
    }
}
