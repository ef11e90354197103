import SwredisConfig
import SwredisSentinel

#if canImport(Glibc)
import Glibc
#endif

/// One declared instance: a `<name>.conf` in the configuration directory, and what the supervisor derives from
/// its name (working directory, pidfile, notify socket) unless the file sets it.
public struct InstanceDefinition: Equatable {
    public let name: String
    /// The instance's file (absolute path).
    public let file: String
    public let port: Int
    /// `replicaof` host and port, if any.
    public let master: MasterAddress?
    /// Working directory (`dir`).
    public let directory: String
    public let pidfile: String
    /// The instance's own `logfile`, when its file sets one (its lines then go there, not through the supervisor).
    public let logfile: String?
    public let notifySocket: String
    public let kind: Kind
    /// Where the instance keeps what it became (a data instance's CONFIG REWRITE, a sentinel's state), read after
    /// its declared file; the declared file is never written.
    public let stateFile: String
    /// What follows `swredisd server` or `swredisd sentinel`.
    public let arguments: [String]
    /// Set for a data instance with `cluster-enabled yes`.
    public let cluster: ClusterNodeAccess?
    /// Changes whenever the files read for this instance or the derived arguments change (reload decisions).
    public let fingerprint: String

    public struct MasterAddress: Equatable {
        public let host: String
        public let port: Int
    }

    /// A data server, or a sentinel (a file with `sentinel` lines).
    public enum Kind: String, Equatable {
        case server
        case sentinel
    }

    /// `master` / `replica` / `sentinel`, as declared, for logs and status.
    public var roleDescription: String {
        kind == .sentinel ? "sentinel" : master == nil ? "master" : "replica"
    }

    /// The declared role in full: `master`, `replica of 127.0.0.1:6379`, `sentinel`.
    public var declaredRole: String {
        if kind == .sentinel { return "sentinel" }
        guard let master else { return "master" }
        return "replica of \(master.host):\(master.port)"
    }
}

/// The whole configuration directory, validated: supervisor settings, instances in start order (masters before
/// their replicas), and every problem found as `file:line: reason`.
public struct InstanceCatalog {
    public var settings: SupervisorSettings
    public var instances: [InstanceDefinition]
    public var problems: [SupervisorSettings.Problem]
    /// Directives accepted without effect (each engine also logs its own when it starts).
    public var limitationWarnings: [ConfigWarning] = []
    /// Passwords in files others can read, open listeners without a password, replicas that can't authenticate
    /// to their master.
    public var securityWarnings: [ConfigWarning] = []
    /// Everything `swredisd check` reports besides problems.
    public var warnings: [ConfigWarning] { limitationWarnings + securityWarnings }

    public static let supervisorFile = "swredisd.conf"

    /// Reads `directory`. `overrides` are supervisor directives from the command line (`--run-dir` ...);
    /// `only` keeps one instance (`swredisd --only NAME`).
    public static func load(directory rawDirectory: String, overrides: [(String, String)] = [], only: String? = nil)
        -> InstanceCatalog
    {
        let directory = absolutePath(rawDirectory)
        var problems: [SupervisorSettings.Problem] = []
        var settings = SupervisorSettings()
        let supervisorPath = directory + "/" + supervisorFile
        if let text = ConfigFileLoader.readFile(supervisorPath) {
            let parsed = SupervisorSettings.parse(text, file: supervisorPath)
            settings = parsed.0
            problems += parsed.1
        }
        for (name, value) in overrides {
            if let reason = settings.apply(name, value) {
                problems.append(.init(file: "(command line)", line: 0, reason: reason))
            }
        }
        guard let names = listDirectory(directory) else {
            problems.append(
                .init(
                    file: directory, line: 0,
                    reason: "can't read the configuration directory: \(String(cString: strerror(errno)))"))
            return InstanceCatalog(settings: settings, instances: [], problems: problems)
        }
        var limitations: [ConfigWarning] = []
        var security: [ConfigWarning] = []
        let candidates = names.filter { $0.hasSuffix(".conf") && $0 != supervisorFile }.sorted()
        var loaded:
            [(
                name: String, path: String, store: ConfigStore, files: [String], origins: ConfigOrigins,
                kind: InstanceDefinition.Kind
            )] = []
        var included = Set<String>()
        for file in candidates {
            let path = directory + "/" + file
            let store = ConfigStore()
            var loader = ConfigFileLoader(store: store)
            loader.includeBase = directory
            var sentinel = SentinelConfiguration()
            var isSentinel = false
            loader.sentinelLines = { words, file, line, text throws(ConfigError) in
                isSentinel = true
                do throws(SentinelConfiguration.LineError) {
                    try sentinel.add(words, origin: .init(file: file, line: line, text: text))
                } catch {
                    throw ConfigError(error.message)
                }
            }
            store.beginLoad()
            do {
                try loader.load(path: path)
                if isSentinel {
                    var core = SentinelCore(myID: String(repeating: "0", count: 40), listeningPort: 0, now: 0)
                    try sentinel.apply(to: &core, now: 0)
                    if !store.explicitlySet.contains("port") { SentinelServer.applyDefaults(to: store) }
                }
            } catch let error as ConfigFileLoader.LoadError {
                problems.append(.init(file: error.file, line: error.line, reason: error.reason))
                continue
            } catch let error as SentinelConfiguration.LineError {
                problems.append(
                    .init(file: error.origin?.file ?? path, line: error.origin?.line ?? 0, reason: error.message))
                continue
            } catch {
                problems.append(.init(file: path, line: 0, reason: "\(error)"))
                continue
            }
            for include in loader.includedFiles { included.insert(absolutePath(include)) }
            limitations += loader.limitationWarnings()
            security += securityWarnings(store, loader.origins, instanceFile: path)
            loaded.append(
                (
                    String(file.dropLast(5)), path, store, [path] + loader.includedFiles, loader.origins,
                    isSentinel ? .sentinel : .server
                ))
        }
        var instances: [InstanceDefinition] = []
        for entry in loaded where !included.contains(entry.path) {
            if let only, entry.name != only { continue }
            guard entry.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
                problems.append(
                    .init(
                        file: entry.path, line: 0,
                        reason: "instance names may only hold letters, digits, '-', '_' and '.'"))
                continue
            }
            instances.append(define(entry.name, entry.path, entry.store, entry.files, entry.kind, settings))
        }
        if let only, !instances.contains(where: { $0.name == only }) {
            problems.append(
                .init(file: directory, line: 0, reason: "no instance named '\(only)' (expected \(only).conf)"))
        }
        if !settings.user.isEmpty && RunAsUser.lookup(settings.user) == nil {
            problems.append(
                .init(
                    file: supervisorPath, line: InstanceCatalog.lineNumber(of: "user", in: supervisorPath),
                    reason: "no such user '\(settings.user)'"))
        }
        problems += clashes(instances)
        if let vip = settings.virtualIP, only == nil, virtualIPInstance(vip, instances) == nil {
            problems.append(
                .init(
                    file: supervisorPath, line: InstanceCatalog.lineNumber(of: "vip-address", in: supervisorPath),
                    reason: vip.instance.isEmpty
                        ? "vip-instance must name the data instance the VIP follows (there is not exactly one)"
                        : "vip-instance '\(vip.instance)' is not a data instance of this directory"))
        }
        if let layout = settings.cluster, only == nil {
            problems += layout.problems(instances, file: supervisorPath)
        }
        for instance in instances {
            guard let cluster = instance.cluster, cluster.configFile.hasPrefix(directory + "/") else { continue }
            problems.append(
                .init(
                    file: instance.file, line: InstanceCatalog.lineNumber(of: "cluster-config-file", in: instance.file),
                    reason:
                        "cluster-config-file \(cluster.configFile) is state, not configuration: it must not be in \(directory)"
                ))
        }
        let (ordered, loopProblems) = startOrder(instances)
        problems += loopProblems
        let stores = Dictionary(
            loaded.map { ($0.path, ($0.store, $0.origins)) }, uniquingKeysWith: { first, _ in first })
        security += replicaAuthenticationWarnings(ordered, stores)
        return InstanceCatalog(
            settings: settings, instances: ordered, problems: problems, limitationWarnings: limitations,
            securityWarnings: security)
    }

    private static func define(
        _ name: String, _ path: String, _ store: ConfigStore, _ files: [String], _ kind: InstanceDefinition.Kind,
        _ settings: SupervisorSettings
    ) -> InstanceDefinition {
        let explicit = store.explicitlySet
        let directory =
            explicit.contains("dir") ? absolutePath(store[.dir]) : settings.stateDirectory + "/" + name
        let pidfile =
            explicit.contains("pidfile") && !store[.pidfile].isEmpty
            ? store[.pidfile] : settings.runDirectory + "/" + name + ".pid"
        let logfile = store[.logfile]
        let replica = store[.replicaof]
        let master =
            replica.count == 2
            ? Int(replica[1]).map { InstanceDefinition.MasterAddress(host: replica[0], port: $0) } : nil
        // The supervisor writes the pidfile itself (atomically) and captures stdout; the engine reports readiness.
        let stateFile = directory + "/" + (kind == .sentinel ? "sentinel-state.conf" : "runtime.conf")
        let arguments = [
            path, "--state-file", stateFile, "--dir", directory, "--pidfile", "", "--daemonize", "no", "--supervised",
            "systemd",
        ]
        let contents = files.map { ConfigFileLoader.readFile($0) ?? "" }.joined(separator: "\u{0}")
        var cluster: ClusterNodeAccess?
        if kind == .server && store[.clusterEnabled] {
            let binds = store[.bind].map { $0.hasPrefix("-") ? String($0.dropFirst()) : $0 }
            let specific = binds.first { !["*", "::*", "0.0.0.0", "::"].contains($0) }
            let announced = store[.clusterAnnounceIp]
            let nodesFile = store[.clusterConfigFile]
            cluster = ClusterNodeAccess(
                address: announced.isEmpty ? specific ?? "127.0.0.1" : announced,
                password: store[.requirepass].isEmpty ? nil : store[.requirepass],
                configFile: nodesFile.hasPrefix("/") ? nodesFile : directory + "/" + nodesFile)
        }
        return InstanceDefinition(
            name: name, file: path, port: store[.port], master: kind == .sentinel ? nil : master, directory: directory,
            pidfile: pidfile, logfile: logfile.isEmpty ? nil : logfile,
            notifySocket: settings.runDirectory + "/" + name + ".notify", kind: kind, stateFile: stateFile,
            arguments: arguments, cluster: cluster,
            fingerprint: contents + "\u{0}" + arguments.joined(separator: "\u{0}"))
    }

    /// Two instances sharing a port, a working directory, a pidfile or a log file can't both run.
    private static func clashes(_ instances: [InstanceDefinition]) -> [SupervisorSettings.Problem] {
        var problems: [SupervisorSettings.Problem] = []
        func check(_ what: String, _ directive: String, _ value: (InstanceDefinition) -> String?) {
            var owners: [String: InstanceDefinition] = [:]
            for instance in instances {
                guard let key = value(instance), !key.isEmpty else { continue }
                if let first = owners[key] {
                    problems.append(
                        .init(
                            file: instance.file, line: lineNumber(of: directive, in: instance.file),
                            reason: "\(what) \(key) is also used by instance '\(first.name)' (\(first.file))"))
                } else {
                    owners[key] = instance
                }
            }
        }
        check("port", "port") { $0.port == 0 ? nil : String($0.port) }
        check("working directory", "dir") { $0.directory }
        check("pidfile", "pidfile") { $0.pidfile }
        check("logfile", "logfile") { $0.logfile }
        return problems
    }

    /// Masters before their replicas; a replicaof chain that comes back to itself is a problem.
    private static func startOrder(_ instances: [InstanceDefinition]) -> (
        [InstanceDefinition], [SupervisorSettings.Problem]
    ) {
        let byPort = Dictionary(instances.map { ($0.port, $0) }, uniquingKeysWith: { first, _ in first })
        func localMaster(_ instance: InstanceDefinition) -> InstanceDefinition? {
            guard let master = instance.master, isLocal(master.host) else { return nil }
            return byPort[master.port]
        }
        var depth: [String: Int] = [:]
        var problems: [SupervisorSettings.Problem] = []
        for instance in instances {
            var seen: [String] = [instance.name]
            var current = instance
            var level = 0
            while let master = localMaster(current) {
                if seen.contains(master.name) {
                    problems.append(
                        .init(
                            file: instance.file, line: lineNumber(of: "replicaof", in: instance.file),
                            reason: "replicaof loop: \((seen + [master.name]).joined(separator: " -> "))"))
                    break
                }
                seen.append(master.name)
                current = master
                level += 1
            }
            depth[instance.name] = level
        }
        let ordered = instances.enumerated().sorted { left, right in
            let (a, b) = (depth[left.element.name] ?? 0, depth[right.element.name] ?? 0)
            return a != b ? a < b : left.offset < right.offset
        }.map(\.element)
        return (ordered, problems)
    }

    /// The local data instance a VIP follows: the one `vip-instance` names, or the only data instance.
    static func virtualIPInstance(_ settings: VirtualIPSettings, _ instances: [InstanceDefinition])
        -> InstanceDefinition?
    {
        let data = instances.filter { $0.kind == .server }
        if settings.instance.isEmpty { return data.count == 1 ? data[0] : nil }
        return data.first { $0.name == settings.instance }
    }

    static func isLocal(_ host: String) -> Bool {
        ["127.0.0.1", "localhost", "::1", "0.0.0.0"].contains(host.lowercased()) || host.hasPrefix("127.")
    }

    /// The last line of `file` that sets `directive` (0 when the file doesn't).
    static func lineNumber(of directive: String, in file: String) -> Int {
        guard let text = ConfigFileLoader.readFile(file) else { return 0 }
        var found = 0
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = line.trimmingWhitespace().split(separator: " ")
            if words.first?.lowercased() == directive { found = index + 1 }
        }
        return found
    }

    static func absolutePath(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(cString: buffer)
        return path == "." ? cwd : cwd + "/" + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }

    static func listDirectory(_ path: String) -> [String]? {
        guard let handle = opendir(path) else { return nil }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
