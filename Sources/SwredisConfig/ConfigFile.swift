import SwredisBytes
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads redis.conf syntax: one directive per line, `#` comments, arguments split like Redis's
/// `sdssplitargs` (quotes and escapes), `include` of other files.
public struct ConfigFileLoader {
    /// A problem at a line of a file; `fatalBlock` renders Redis's FATAL CONFIG FILE ERROR text.
    public struct LoadError: Error, CustomStringConvertible {
        public let file: String
        public let line: Int
        public let text: String
        public let reason: String

        public var description: String { "\(file):\(line): \(reason)" }

        /// The block Redis prints on stderr before exiting with status 1.
        public var fatalBlock: String {
            "\n*** FATAL CONFIG FILE ERROR (Redis \(ServerIdentity.redisVersion)) ***\n"
                + "Reading the configuration file \(file), at line \(line)\n"
                + ">>> '\(text)'\n\(reason)\n"
        }
    }

    public let store: ConfigStore
    /// Files being read, to refuse include loops.
    private var includeStack: [String] = []
    /// Directory relative `include` paths are resolved against (nil: the working directory, as in Redis).
    public var includeBase: String?
    /// Every file `include`d so far, as resolved paths.
    public private(set) var includedFiles: [String] = []

    public init(store: ConfigStore) {
        self.store = store
    }

    /// Loads a file by path; `include` lines are resolved relative to the working directory, as in Redis.
    public mutating func load(path: String) throws {
        guard let contents = ConfigFileLoader.readFile(path) else {
            throw LoadError(file: path, line: 0, text: "", reason: "Fatal error, can't open config file '\(path)': \(String(cString: strerror(errno)))")
        }
        try load(text: contents, name: path)
    }

    /// Loads configuration text (a file's contents, stdin, or the lines built from `--directive` flags).
    public mutating func load(text: String, name: String) throws {
        guard !includeStack.contains(name) else {
            throw LoadError(file: name, line: 0, text: "include \(name)", reason: "include loop")
        }
        includeStack.append(name)
        defer { includeStack.removeLast() }
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let words = ConfigFileLoader.splitArguments(line) else {
                throw LoadError(file: name, line: lineNumber, text: line, reason: "Unbalanced quotes in configuration line")
            }
            guard let first = words.first else { continue }
            let directive = first.lowercased()
            let arguments = Array(words.dropFirst())
            if directive == "include" {
                guard arguments.count == 1 else {
                    throw LoadError(file: name, line: lineNumber, text: line, reason: "Bad directive or wrong number of arguments")
                }
                var path = arguments[0]
                if let base = includeBase, !path.hasPrefix("/") { path = base + "/" + path }
                includedFiles.append(path)
                try load(path: path)
                continue
            }
            do {
                try store.apply(name: directive, arguments: arguments)
            } catch let error as ConfigError {
                throw LoadError(file: name, line: lineNumber, text: line, reason: error.reason)
            }
        }
    }

    /// Splits a line like `sdssplitargs`; nil on unbalanced quotes.
    public static func splitArguments(_ line: String) -> [String]? {
        var characters: [UInt8] = []
        var spans: [Int] = []
        let ok = Array(line.utf8).withUnsafeBytes { InlineSplitter.split($0, storage: &characters, spans: &spans) }
        guard ok else { return nil }
        return stride(from: 0, to: spans.count, by: 2).map {
            String(decoding: characters[spans[$0]..<spans[$0] + spans[$0 + 1]], as: UTF8.self)
        }
    }

    /// The whole file as text, or nil when it can't be opened.
    public static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let read = fread(&chunk, 1, chunk.count, file)
            if read <= 0 { break }
            bytes.append(contentsOf: chunk[0..<read])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Substring {
    public func trimmingWhitespace() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" || first == "\r" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" { slice = slice.dropLast() }
        return String(slice)
    }
}

/// Version strings the server reports.
public enum ServerIdentity {
    /// The Redis version swredis is compatible with, reported as `redis_version`.
    public static let redisVersion = "7.0.15"
    /// swredis's own version.
    public static let version = "0.1.0"
}
