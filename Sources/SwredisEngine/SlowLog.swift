import SwredisBytes

/// SLOWLOG: the last `slowlog-max-len` commands that took longer than `slowlog-log-slower-than` µs.
public struct SlowLog {
    public struct Record {
        public let id: Int
        public let timestamp: Int
        public let durationMicros: Int
        public let arguments: [ByteString]
        public let clientAddress: String
        public let clientName: String
    }

    /// Newest first.
    public private(set) var records: [Record] = []
    public var maxLength = 128
    private var nextID = 0

    /// Records a command; arguments at `redacted` positions are kept as `(redacted)`.
    package mutating func record(_ args: Arguments, redacted: [Int], durationMicros: Int, client: ClientSession) {
        record(SlowLog.shownArguments(args, redacted: redacted), durationMicros: durationMicros, client: client)
    }

    /// Records a command whose arguments were taken earlier (`shownArguments`).
    package mutating func record(_ kept: [ByteString], durationMicros: Int, client: ClientSession) {
        records.insert(
            Record(
                id: nextID, timestamp: client.engine.clock.unixMilliseconds() / 1000, durationMicros: durationMicros,
                arguments: kept, clientAddress: client.address, clientName: client.name), at: 0)
        nextID += 1
        if records.count > maxLength { records.removeLast(records.count - maxLength) }
    }

    /// The arguments as an entry shows them. Like Redis: at most 32 arguments, each cut at 128 bytes, with a note of
    /// what was left out.
    package static func shownArguments(_ args: Arguments, redacted: [Int]) -> [ByteString] {
        var kept: [ByteString] = []
        let shown = min(args.count, 32)
        for index in 0..<shown {
            if index == 31 && args.count > 32 {
                kept.append(ByteString("... (\(args.count - 31) more arguments)"))
                break
            }
            let argument = args[index]
            if redacted.contains(index) {
                kept.append(ByteString("(redacted)"))
            } else if argument.count > 128 {
                kept.append(
                    ByteString(
                        bytes: Array(argument.prefix(128)) + Array("... (\(argument.count - 128) more bytes)".utf8)))
            } else {
                kept.append(ByteString(argument))
            }
        }
        return kept
    }

    public mutating func reset() {
        records.removeAll()
    }
}
