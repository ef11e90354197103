import SwredisBytes

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The file and line that last set each directive, by the directive's table name.
public typealias ConfigOrigins = [String: (file: String, line: Int)]

/// Reads redis.conf syntax: one directive per line, `#` comments, arguments split like Redis's
/// `sdssplitargs` (quotes and escapes), `include` of other files.
public struct ConfigFileLoader {
    /// A problem at a line of a file; `fatalBlock` renders Redis's FATAL CONFIG FILE ERROR text.
    public struct LoadError: Error, CustomStringConvertible {
        public let file: String
        public let line: Int
        public let text: String
        public let reason: String

        public init(file: String, line: Int, text: String, reason: String) {
            self.file = file
            self.line = line
            self.text = text
            self.reason = reason
        }

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
    /// Whether a `dir` line changes the process's working directory as it is read, as redis-server does, so every
    /// later relative path (`include`, and `logfile`, `pidfile`, `unixsocket`, `dbfilename` when they are opened)
    /// resolves inside it. Only the engine sets this; the supervisor and `swredisd check` read files in place.
    public var changesDirectory = false
    /// A sentinel's `sentinel ...` lines go here (words after `sentinel`, file, line number, line text), to be
    /// applied after the whole file, as redis-sentinel does; its error message is reported at the line. Without it
    /// a `sentinel` line is Redis's "sentinel directive while not in sentinel mode".
    public var sentinelLines: (([String], String, Int, String) throws(ConfigError) -> Void)?
    /// Where each directive (by its table name) was last set, for warnings that point at the line.
    public private(set) var origins: ConfigOrigins = [:]
    /// Deepest `include` nesting accepted (a loop through differently spelled paths must still end).
    static let maximumIncludeDepth = 32

    public init(store: ConfigStore) {
        self.store = store
    }

    /// Loads a file by path; `include` lines are resolved relative to the working directory, as in Redis.
    public mutating func load(path: String) throws {
        guard let contents = ConfigFileLoader.readFile(path) else {
            throw LoadError(
                file: path, line: 0, text: "",
                reason: "Fatal error, can't open config file '\(path)': \(String(cString: strerror(errno)))")
        }
        try load(text: contents, name: path)
    }

    /// Loads configuration text (a file's contents, stdin, or the lines built from `--directive` flags).
    public mutating func load(text: String, name: String) throws {
        let identity = ConfigFileLoader.canonicalPath(name)
        guard !includeStack.contains(identity), includeStack.count < ConfigFileLoader.maximumIncludeDepth else {
            throw LoadError(file: name, line: 0, text: "include \(name)", reason: "include loop")
        }
        includeStack.append(identity)
        defer { includeStack.removeLast() }
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let words = ConfigFileLoader.splitArguments(line) else {
                throw LoadError(
                    file: name, line: lineNumber, text: line, reason: "Unbalanced quotes in configuration line")
            }
            guard let first = words.first else { continue }
            let directive = first.lowercased()
            let arguments = Array(words.dropFirst())
            if directive == "include" {
                guard arguments.count == 1 else {
                    throw LoadError(
                        file: name, line: lineNumber, text: line, reason: "Bad directive or wrong number of arguments")
                }
                var path = arguments[0]
                if let base = includeBase, !path.hasPrefix("/") { path = base + "/" + path }
                includedFiles.append(path)
                try load(path: path)
                continue
            }
            if directive == "sentinel" {
                guard let sentinelLines else {
                    throw LoadError(
                        file: name, line: lineNumber, text: line,
                        reason: "sentinel directive while not in sentinel mode")
                }
                do {
                    try sentinelLines(arguments, name, lineNumber, line)
                } catch {
                    throw LoadError(file: name, line: lineNumber, text: line, reason: error.reason)
                }
                continue
            }
            if let reason = DirectiveLimitations.unsupportedDirectives[directive] {
                throw LoadError(file: name, line: lineNumber, text: line, reason: reason)
            }
            do {
                try store.apply(name: directive, arguments: arguments)
                if let known = DirectiveTable.byName[directive] { origins[known.name] = (name, lineNumber) }
            } catch let error as ConfigError {
                throw LoadError(file: name, line: lineNumber, text: line, reason: error.reason)
            }
            if changesDirectory && directive == "dir", let path = arguments.first, chdir(path) != 0 {
                throw LoadError(file: name, line: lineNumber, text: line, reason: String(cString: strerror(errno)))
            }
        }
    }

    /// A warning for every directive loaded so far whose value asks for something swredis does not do, at the line
    /// that set it, in file and line order.
    public func limitationWarnings() -> [ConfigWarning] {
        store.limitationMessages().map { entry in
            let origin = origins[entry.name] ?? (file: "(command line)", line: 0)
            return ConfigWarning(file: origin.file, line: origin.line, message: entry.message)
        }.sorted { ($0.file, $0.line) < ($1.file, $1.line) }
    }

    /// The file a path names with links and `.`/`..` resolved (the path itself when it names no file), so an
    /// include loop is found however its paths are spelled.
    static func canonicalPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
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
        readBytes(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The whole file's bytes, or nil when it can't be opened.
    public static func readBytes(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let read = fread(&chunk, 1, chunk.count, file)
            if read <= 0 { break }
            bytes.append(contentsOf: chunk[0..<read])
        }
        return bytes
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
