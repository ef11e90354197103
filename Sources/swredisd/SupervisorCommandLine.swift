import SwredisLog
import SwredisSupervisor

#if canImport(Glibc)
import Glibc
#endif

/// `swredisd [--conf-dir D] [--only NAME] [--run-dir D] [--state-dir D] [--log-dir D] [--log-target T]` (the
/// supervisor) and `swredisd check [--conf-dir D]`.
enum SupervisorCommandLine {
    static let defaultDirectory = "/etc/swredis"

    struct Options {
        var directory = defaultDirectory
        var only: String?
        var overrides: [(String, String)] = []
    }

    static func parse(_ arguments: [String]) -> Options? {
        var options = Options()
        var index = 0
        while index < arguments.count {
            let flag = arguments[index]
            guard index + 1 < arguments.count else { return nil }
            let value = arguments[index + 1]
            switch flag {
            case "--conf-dir": options.directory = value
            case "--only": options.only = value
            case "--run-dir", "--state-dir", "--log-dir", "--log-target":
                options.overrides.append((String(flag.dropFirst(2)), value))
            default: return nil
            }
            index += 2
        }
        return options
    }

    /// Runs the supervisor; a directory with problems refuses to start and lists them.
    static func run(_ arguments: [String]) -> Int32 {
        guard let options = parse(arguments) else {
            FileHandleOutput.standardError(
                "Usage: swredisd [--conf-dir DIR] [--only NAME] [--run-dir DIR] [--state-dir DIR] [--log-dir DIR] [--log-target auto|journal|file|both|stdout]\n"
            )
            return 1
        }
        let catalog = InstanceCatalog.load(
            directory: options.directory, overrides: options.overrides, only: options.only)
        guard catalog.problems.isEmpty else {
            for problem in catalog.problems { serverLog(.warning, "\(problem)") }
            serverLog(
                .warning,
                "Configuration directory \(options.directory) has \(catalog.problems.count) problem(s); not starting (run `swredisd check --conf-dir \(options.directory)`)."
            )
            return 1
        }
        for warning in catalog.securityWarnings { serverLog(.warning, "WARNING \(warning)") }
        return Supervisor(
            catalog: catalog, directory: options.directory, overrides: options.overrides, only: options.only
        ).run()
    }

    /// `swredisd ctl [--conf-dir D] [--run-dir D] status|start NAME|stop NAME|restart NAME|reload`: asks the running
    /// supervisor through its control socket. Exit 0 when it answered OK.
    static func control(_ arguments: [String]) -> Int32 {
        var flags: [String] = []
        var words: [String] = []
        var index = 0
        while index < arguments.count {
            if arguments[index].hasPrefix("--") && index + 1 < arguments.count {
                flags += [arguments[index], arguments[index + 1]]
                index += 2
            } else {
                words.append(arguments[index])
                index += 1
            }
        }
        guard let options = parse(flags), !words.isEmpty else {
            FileHandleOutput.standardError(
                "Usage: swredisd ctl [--conf-dir DIR] [--run-dir DIR] status|start NAME|stop NAME|restart NAME|reload\n"
            )
            return 1
        }
        let catalog = InstanceCatalog.load(directory: options.directory, overrides: options.overrides)
        let path = catalog.settings.runDirectory + "/" + Supervisor.controlSocketName
        guard let answer = UnixSocket.exchange(path: path, request: words.joined(separator: " ") + "\n") else {
            FileHandleOutput.standardError(
                "swredisd ctl: no supervisor answers on \(path): \(String(cString: strerror(errno)))\n")
            return 1
        }
        let lines = answer.split(separator: "\n", omittingEmptySubsequences: false)
        let body = lines.dropFirst().joined(separator: "\n")
        if lines.first == "OK" {
            print(body, terminator: "")
            return 0
        }
        FileHandleOutput.standardError((lines.first.map(String.init) ?? "no answer") + "\n")
        return 1
    }

    /// `swredisd check`: every problem as `file:line: reason`, exit 1 when there is any.
    static func check(_ arguments: [String]) -> Int32 {
        guard let options = parse(arguments) else {
            FileHandleOutput.standardError("Usage: swredisd check [--conf-dir DIR]\n")
            return 1
        }
        let catalog = InstanceCatalog.load(
            directory: options.directory, overrides: options.overrides, only: options.only)
        for problem in catalog.problems { print(problem) }
        for warning in catalog.warnings { print(warning) }
        if catalog.problems.isEmpty {
            let list = catalog.instances.map { "\($0.name) (\($0.roleDescription), port \($0.port))" }.joined(
                separator: ", ")
            print("\(options.directory): OK, \(catalog.instances.count) instance(s): \(list)")
            if let cluster = catalog.settings.cluster {
                let replicas = cluster.replicas.map { "\($0.name) of \($0.master)" }.joined(separator: ", ")
                print(
                    "cluster formed on first start: masters \(cluster.masters.joined(separator: ", ")); replicas \(replicas.isEmpty ? "none" : replicas)"
                )
            }
            return 0
        }
        return 1
    }
}
