/// Splits a line into arguments the way Redis's `sdssplitargs` does: whitespace separates arguments,
/// double quotes allow `\n \r \t \b \a \\ \"` and `\xHH` escapes, single quotes allow only `\'`.
/// A closing quote must be followed by whitespace or the end of the line.
///
/// Used for inline commands and for redis.conf lines, which Redis reads with the same function.
public enum InlineSplitter {
    /// Appends the unescaped bytes of each argument to `storage` and its (start, length) to `spans`.
    /// Returns false on unbalanced quotes.
    public static func split(_ line: UnsafeRawBufferPointer, storage: inout [UInt8], spans: inout [Int]) -> Bool {
        var index = 0
        let end = line.count
        @inline(__always) func isSpace(_ byte: UInt8) -> Bool {
            byte == 32 || byte == 9 || byte == 10 || byte == 13 || byte == 11 || byte == 12
        }
        while true {
            while index < end && isSpace(line[index]) { index += 1 }
            if index >= end { return true }
            let start = storage.count
            var inDoubleQuotes = false
            var inSingleQuotes = false
            var done = false
            while !done {
                if inDoubleQuotes {
                    guard index < end else { return false }
                    let byte = line[index]
                    if byte == UInt8(ascii: "\\") && index + 3 < end && line[index + 1] == UInt8(ascii: "x"),
                        let high = hexValue(line[index + 2]), let low = hexValue(line[index + 3])
                    {
                        storage.append(high << 4 | low)
                        index += 3
                    } else if byte == UInt8(ascii: "\\") && index + 1 < end {
                        index += 1
                        switch line[index] {
                        case UInt8(ascii: "n"): storage.append(10)
                        case UInt8(ascii: "r"): storage.append(13)
                        case UInt8(ascii: "t"): storage.append(9)
                        case UInt8(ascii: "b"): storage.append(8)
                        case UInt8(ascii: "a"): storage.append(7)
                        default: storage.append(line[index])
                        }
                    } else if byte == UInt8(ascii: "\"") {
                        if index + 1 < end && !isSpace(line[index + 1]) { return false }
                        done = true
                    } else {
                        storage.append(byte)
                    }
                } else if inSingleQuotes {
                    guard index < end else { return false }
                    let byte = line[index]
                    if byte == UInt8(ascii: "\\") && index + 1 < end && line[index + 1] == UInt8(ascii: "'") {
                        index += 1
                        storage.append(UInt8(ascii: "'"))
                    } else if byte == UInt8(ascii: "'") {
                        if index + 1 < end && !isSpace(line[index + 1]) { return false }
                        done = true
                    } else {
                        storage.append(byte)
                    }
                } else {
                    if index >= end {
                        done = true
                        break
                    }
                    let byte = line[index]
                    switch byte {
                    case 32, 9, 10, 13, 0:
                        done = true
                    case UInt8(ascii: "\""):
                        inDoubleQuotes = true
                    case UInt8(ascii: "'"):
                        inSingleQuotes = true
                    default:
                        storage.append(byte)
                    }
                }
                if index < end { index += 1 }
            }
            spans.append(start)
            spans.append(storage.count - start)
        }
    }

    /// Convenience for callers that want owned arguments (config files, tests).
    public static func split(_ line: [UInt8]) -> [[UInt8]]? {
        var storage: [UInt8] = []
        var spans: [Int] = []
        let ok = line.withUnsafeBytes { split($0, storage: &storage, spans: &spans) }
        guard ok else { return nil }
        return stride(from: 0, to: spans.count, by: 2).map { Array(storage[spans[$0]..<spans[$0] + spans[$0 + 1]]) }
    }

    @inline(__always) static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 97...102: return byte - 87
        case 65...70: return byte - 55
        default: return nil
        }
    }
}
