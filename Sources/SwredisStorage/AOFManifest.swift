import SwredisBytes

/// Redis 7.0's multi-part AOF manifest (`<appendfilename>.manifest` inside `appenddirname`): one line per file,
/// `file <name> seq <n> type <b|h|i>` — the base (an RDB preamble or commands), history files waiting to be
/// deleted, and the incremental command files in order.
public struct AOFManifest: Equatable, Sendable {
    public enum Kind: String, Sendable {
        case base = "b"
        case history = "h"
        case incremental = "i"
    }

    public struct File: Equatable, Sendable {
        public var name: String
        public var sequence: Int
        public var kind: Kind

        public init(name: String, sequence: Int, kind: Kind) {
            self.name = name
            self.sequence = sequence
            self.kind = kind
        }
    }

    public var base: File?
    public var incremental: [File] = []
    public var history: [File] = []

    public init() {}

    /// Every file in load order: the base, then the incremental files.
    public var loadOrder: [File] { (base.map { [$0] } ?? []) + incremental }

    public var nextBaseSequence: Int { (base?.sequence ?? 0) + 1 }
    public var nextIncrementalSequence: Int { (incremental.last?.sequence ?? 0) + 1 }

    /// File names as Redis builds them.
    public static func baseName(_ appendFilename: String, sequence: Int, rdbPreamble: Bool) -> String {
        "\(appendFilename).\(sequence).base.\(rdbPreamble ? "rdb" : "aof")"
    }

    public static func incrementalName(_ appendFilename: String, sequence: Int) -> String {
        "\(appendFilename).\(sequence).incr.aof"
    }

    public static func manifestName(_ appendFilename: String) -> String {
        "\(appendFilename).manifest"
    }

    /// Parses manifest text; throws a message naming the line when it is not a valid manifest.
    public static func parse(_ text: String) throws -> AOFManifest {
        var manifest = AOFManifest()
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let words = InlineSplitter.split(Array(trimmed.utf8)), words.count % 2 == 0 else {
                throw ManifestError("Invalid AOF manifest file format (line \(number + 1))")
            }
            var name: String?
            var sequence: Int?
            var kind: Kind?
            for index in stride(from: 0, to: words.count, by: 2) {
                let key = String(decoding: words[index], as: UTF8.self)
                let value = String(decoding: words[index + 1], as: UTF8.self)
                switch key {
                case "file": name = value
                case "seq": sequence = Int(value)
                case "type": kind = Kind(rawValue: value)
                default: continue
                }
            }
            // `nextBaseSequence` and `nextIncrementalSequence` add one to the sequences read here.
            guard let name, !name.isEmpty, !name.contains("/"), let sequence, sequence > 0, sequence < Int.max, let kind
            else {
                throw ManifestError("Invalid AOF manifest file format (line \(number + 1))")
            }
            let file = File(name: name, sequence: sequence, kind: kind)
            switch kind {
            case .base:
                guard manifest.base == nil else { throw ManifestError("Found duplicate base file information") }
                manifest.base = file
            case .history:
                manifest.history.append(file)
            case .incremental:
                if let last = manifest.incremental.last, last.sequence >= sequence {
                    throw ManifestError("Found a non-monotonic sequence number")
                }
                manifest.incremental.append(file)
            }
        }
        guard manifest.base != nil || !manifest.incremental.isEmpty else {
            throw ManifestError("Found an empty AOF manifest")
        }
        return manifest
    }

    /// The manifest's text, in Redis's order: base, history, incremental files.
    public var text: String {
        var lines: [String] = []
        for file in (base.map { [$0] } ?? []) + history + incremental {
            lines.append("file \(quoted(file.name)) seq \(file.sequence) type \(file.kind.rawValue)\n")
        }
        return lines.joined()
    }

    /// The name as Redis writes it (`sdsneedsrepr`): bare when every byte is printable ASCII other than a quote or
    /// backslash, else quoted with escapes. Bytes, not Characters: a space followed by a combining mark is one
    /// Character that is not " ", yet the reader splits words at the space byte.
    private func quoted(_ name: String) -> String {
        let needsQuotes = name.utf8.contains { byte in
            byte <= 32 || byte >= 127 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
                || byte == UInt8(ascii: "\\")
        }
        return needsQuotes ? ByteQuoting.repr(Array(name.utf8)) : name
    }
}

public struct ManifestError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
