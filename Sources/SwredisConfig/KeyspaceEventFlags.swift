/// `notify-keyspace-events` classes, parsed and printed in Redis's canonical order.
public struct KeyspaceEventFlags: OptionSet, CustomStringConvertible, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let keyspace = KeyspaceEventFlags(rawValue: 1 << 0)
    public static let keyevent = KeyspaceEventFlags(rawValue: 1 << 1)
    public static let generic = KeyspaceEventFlags(rawValue: 1 << 2)
    public static let string = KeyspaceEventFlags(rawValue: 1 << 3)
    public static let list = KeyspaceEventFlags(rawValue: 1 << 4)
    public static let set = KeyspaceEventFlags(rawValue: 1 << 5)
    public static let hash = KeyspaceEventFlags(rawValue: 1 << 6)
    public static let zset = KeyspaceEventFlags(rawValue: 1 << 7)
    public static let expired = KeyspaceEventFlags(rawValue: 1 << 8)
    public static let evicted = KeyspaceEventFlags(rawValue: 1 << 9)
    public static let stream = KeyspaceEventFlags(rawValue: 1 << 10)
    public static let keyMiss = KeyspaceEventFlags(rawValue: 1 << 11)
    public static let module = KeyspaceEventFlags(rawValue: 1 << 12)
    public static let new = KeyspaceEventFlags(rawValue: 1 << 13)
    /// `A`: every type class except key-miss and new-key events.
    public static let all: KeyspaceEventFlags = [
        .generic, .string, .list, .set, .hash, .zset, .expired, .evicted, .stream, .module,
    ]

    static let letters: [(Character, KeyspaceEventFlags)] = [
        ("g", .generic), ("$", .string), ("l", .list), ("s", .set), ("h", .hash), ("z", .zset), ("x", .expired),
        ("e", .evicted), ("t", .stream), ("d", .module), ("n", .new),
    ]

    /// Parses a class string; nil on an unknown character.
    public init?(parsing text: String) {
        var flags: KeyspaceEventFlags = []
        for character in text {
            switch character {
            case "A": flags.formUnion(.all)
            case "K": flags.insert(.keyspace)
            case "E": flags.insert(.keyevent)
            case "m": flags.insert(.keyMiss)
            default:
                guard let match = KeyspaceEventFlags.letters.first(where: { $0.0 == character }) else { return nil }
                flags.insert(match.1)
            }
        }
        self = flags
    }

    public var description: String {
        var text = ""
        if isSuperset(of: .all) {
            text = "A"
            if contains(.new) { text += "n" }
        } else {
            for (letter, flag) in KeyspaceEventFlags.letters where contains(flag) { text.append(letter) }
        }
        if contains(.keyspace) { text += "K" }
        if contains(.keyevent) { text += "E" }
        if contains(.keyMiss) { text += "m" }
        return text
    }
}
