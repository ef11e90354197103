import SwredisBytes
import SwredisConfig
import SwredisLog
import SwredisSentinel
import SwredisServer
import SwredisSupervisor

#if canImport(Glibc)
import Glibc
#endif

/// `swredisd server`: redis-server's command line — a config file (or `-` for stdin) and `--directive value`
/// overrides, which are appended to the file's text so they win.
enum ServerCommandLine {
    /// `sentinel`: `swredisd sentinel CONF` (or `server CONF --sentinel`): the same command line, a sentinel's
    /// defaults (port 26379, no protected mode, no saving), and the `sentinel` lines handed to the sentinel module.
    static func run(_ arguments: [String], sentinel sentinelRequested: Bool = false) -> Int32 {
        let sentinelMode = sentinelRequested || arguments.contains("--sentinel")
        var arguments = arguments.filter { $0 != "--sentinel" }
        // `--state-file PATH` (given by the supervisor): what the instance became is kept there, not in its file.
        var stateFile: String?
        if let index = arguments.firstIndex(of: "--state-file"), index + 1 < arguments.count {
            stateFile = absolutePath(arguments[index + 1])
            arguments.removeSubrange(index...(index + 1))
        }
        // Started by a root supervisor with `user` set: become that user before reading anything.
        if let failure = RunAsUser.dropPrivilegesIfAsked() {
            FileHandleOutput.standardError(failure + "\n")
            return 1
        }
        var remaining = arguments[...]
        if let first = remaining.first {
            switch first {
            case "--version", "-v":
                print(versionLine())
                return 0
            case "--help", "-h":
                print(usage, terminator: "")
                return 0
            default: break
            }
        }
        var testOnly = false
        if remaining.first == "--test-config" {
            testOnly = true
            remaining = remaining.dropFirst()
        }
        var configFile = ""
        if let first = remaining.first, !first.hasPrefix("--") || first == "-" {
            if first != "-" { configFile = absolutePath(first) }
            remaining = remaining.dropFirst()
        }
        var overrides = ""
        var readStdin = arguments.contains("-")
        var currentLine: [String] = []
        for argument in remaining {
            if argument == "-" {
                readStdin = true
            } else if argument.hasPrefix("--") && argument.count > 2 {
                if !currentLine.isEmpty { overrides += currentLine.joined(separator: " ") + "\n" }
                currentLine = [String(argument.dropFirst(2))]
            } else {
                currentLine.append(quote(argument))
            }
        }
        if !currentLine.isEmpty { overrides += currentLine.joined(separator: " ") + "\n" }

        let store = ConfigStore()
        var loader = ConfigFileLoader(store: store)
        loader.changesDirectory = true
        var sentinelConfiguration = SentinelConfiguration()
        var readingState = false
        if sentinelMode {
            SentinelServer.applyDefaults(to: store)
            loader.sentinelLines = { words, file, line, text throws(ConfigError) in
                do throws(SentinelConfiguration.LineError) {
                    try sentinelConfiguration.add(
                        words, origin: .init(file: file, line: line, text: text), fromState: readingState)
                } catch {
                    throw ConfigError(error.message)
                }
            }
        }
        do {
            store.beginLoad()
            if !configFile.isEmpty { try loader.load(path: configFile) }
            if readStdin { try loader.load(text: readAllStandardInput(), name: "(stdin)") }
            if let stateFile, access(stateFile, F_OK) == 0 {
                readingState = true
                store.beginLoad()
                try loader.load(path: stateFile)
                readingState = false
                store.markChangedAtRuntime(loader.origins.filter { $0.value.file == stateFile }.map(\.key))
            }
            store.stateFile = sentinelMode ? nil : stateFile
            store.beginLoad()
            if !overrides.isEmpty { try loader.load(text: overrides, name: "(command line)") }
        } catch let error as ConfigFileLoader.LoadError {
            FileHandleOutput.standardError(error.fatalBlock)
            return 1
        } catch {
            FileHandleOutput.standardError("\(error)\n")
            return 1
        }
        var sentinelServer: SentinelServer?
        if sentinelMode {
            do {
                sentinelServer = try SentinelServer(
                    config: store, configFile: configFile, stateFile: stateFile, readsStandardInput: readStdin,
                    configuration: sentinelConfiguration)
            } catch let error as SentinelServer.StartupError {
                switch error {
                case .configuration(let lineError):
                    let origin = lineError.origin
                    FileHandleOutput.standardError(
                        ConfigFileLoader.LoadError(
                            file: origin?.file ?? configFile, line: origin?.line ?? 0, text: origin?.text ?? "",
                            reason: lineError.message
                        ).fatalBlock)
                case .message(let text):
                    serverLog(.warning, text)
                }
                return 1
            } catch {
                FileHandleOutput.standardError("\(error)\n")
                return 1
            }
        }
        if testOnly {
            print("Configuration test passed")
            return 0
        }
        // Reading `dir` moved us there; CONFIG GET dir reports the absolute path, as redis-server does.
        try? store.apply(name: "dir", arguments: [absolutePath(".")])
        if let level = RedisLogFormat.Level(name: store[.loglevel]) { LogSink.shared.threshold = level }
        let logfile = store[.logfile]
        if !logfile.isEmpty && !LogSink.shared.open(path: logfile) {
            FileHandleOutput.standardError("Can't open the log file: \(String(cString: strerror(errno)))\n")
            return 1
        }
        LogSink.shared.role = sentinelMode ? "X" : "C"
        serverLog(.warning, "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo")
        serverLog(
            .warning,
            "Redis version=\(ServerIdentity.redisVersion), bits=64, commit=00000000, modified=0, pid=\(getpid()), just started (swredis \(ServerIdentity.version))"
        )
        if configFile.isEmpty && !readStdin && overrides.isEmpty {
            serverLog(
                .warning,
                "Warning: no config file specified, using the default config. In order to specify a config file use swredisd server /path/to/redis.conf"
            )
        } else {
            serverLog(.warning, "Configuration loaded")
        }
        for warning in loader.limitationWarnings() {
            serverLog(.warning, "WARNING \(warning.file):\(warning.line): \(warning.message)")
        }
        if let sentinelServer {
            exit(withExtendedLifetime(sentinelServer) { sentinelServer.run() })
        }
        LogSink.shared.role = "M"
        // Exit while the server is still referenced: tearing the object graph down would race the event loop's
        // last tasks and gains nothing at process exit.
        let server = EngineServer(config: store, configFile: configFile)
        exit(withExtendedLifetime(server) { server.run() })
    }

    /// Quotes an argument so the config parser reads it back as one word.
    static func quote(_ argument: String) -> String {
        ByteQuoting.repr(argument.utf8)
    }

    static func absolutePath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let directory = String(cString: buffer)
        return path == "." ? directory : directory + "/" + path
    }

    static func readAllStandardInput() -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(STDIN_FILENO, &chunk, chunk.count)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Writing to stderr without Foundation.
enum FileHandleOutput {
    static func standardError(_ text: String) {
        var copy = text
        copy.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }
}
