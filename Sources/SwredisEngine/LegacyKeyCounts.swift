import SwredisBytes

/// The keys cluster routing sees for commands whose key count is an argument (EVAL, FCALL, ZUNIONSTORE, LMPOP...).
/// Redis routes with `getKeysFromCommand`, which prefers a command's getkeys procedure to its key specs, and
/// those procedures (`genericGetKeys` in db.c) read the count with C's `atoi`: "+2", " 2" and "2x" count as 2,
/// and a count out of range names no key at all. `CommandSpec.keys` (COMMAND GETKEYS) parses it strictly by the key
/// specs and comes here only when they fail, as Redis's `getKeysFromCommandWithSpecs` does.
public enum LegacyKeyCounts {
    /// Where the count, the first key and a destination key sit, as `genericGetKeys`'s arguments.
    public struct Layout: Sendable {
        let destination: Int?
        let count: Int
        let firstKey: Int
    }

    public static let layouts: [String: Layout] = {
        var table: [String: Layout] = [:]
        for name in ["eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro", "blmpop", "bzmpop"] {
            table[name] = Layout(destination: nil, count: 2, firstKey: 3)
        }
        for name in ["zunion", "zinter", "zdiff", "lmpop", "zmpop", "sintercard", "zintercard"] {
            table[name] = Layout(destination: nil, count: 1, firstKey: 2)
        }
        for name in ["zunionstore", "zinterstore", "zdiffstore"] {
            table[name] = Layout(destination: 1, count: 2, firstKey: 3)
        }
        return table
    }()

    /// The keys of `args` (the command name at `offset`, indexes relative to it) for a command of `layouts`,
    /// without flags as `genericGetKeys` gives none; nil for any other command.
    public static func keys(_ name: String, _ args: Arguments, from offset: Int = 0) -> [KeyReference]? {
        guard let layout = layouts[name] else { return nil }
        let argumentCount = args.count - offset
        guard layout.count < argumentCount else { return [] }
        let count = Int(atoi(args[offset + layout.count]))
        guard count >= 1, count <= argumentCount - layout.firstKey else { return [] }
        var indexes = Array(layout.firstKey..<(layout.firstKey + count))
        if let destination = layout.destination { indexes.append(destination) }
        return indexes.map { KeyReference(index: $0, flags: []) }
    }

    /// C's `atoi` on glibc: `(int)strtol(s, NULL, 10)` — leading white space, a sign, digits up to the first other
    /// byte, saturated to the 64-bit range and then cut to 32 bits.
    public static func atoi(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        var index = 0
        // C's isspace: ' ' and \t \n \v \f \r.
        while index < bytes.count, bytes[index] == 0x20 || (0x09...0x0D).contains(bytes[index]) { index += 1 }
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        // Accumulated as a negative number so Int64.min fits.
        var value: Int64 = 0
        var saturated = false
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            let digit = Int64(bytes[index] - UInt8(ascii: "0"))
            if !saturated {
                let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
                let (next, underflow) = shifted.subtractingReportingOverflow(digit)
                if overflow || underflow { saturated = true } else { value = next }
            }
            index += 1
        }
        let result: Int64
        if saturated {
            result = negative ? .min : .max
        } else if negative {
            result = value
        } else {
            result = value == .min ? .max : -value
        }
        return Int32(truncatingIfNeeded: result)
    }
}
