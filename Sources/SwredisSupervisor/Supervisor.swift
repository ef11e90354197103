import Dispatch
import SwredisLog
import SwredisSystemd

#if canImport(Glibc)
import Glibc
#endif

/// `swredisd` without a subcommand: runs every instance declared in the configuration directory and tells systemd
/// the truth about them. The thin shell around `InstanceLifecycle`: it spawns processes, reaps
/// them, reads their notify sockets and output, writes pidfiles and runs timers — all on one serial queue.
public final class Supervisor: @unchecked Sendable {
    /// One instance and everything the shell holds for it.
    final class Managed {
        var definition: InstanceDefinition
        var lifecycle: InstanceLifecycle
        var notifyDescriptor: Int32 = -1
        var notifySource: DispatchSourceRead?
        var outputDescriptor: Int32 = -1
        var outputSource: DispatchSourceRead?
        var partialLine: [UInt8] = []
        /// Recent warnings and non-log lines, quoted when the instance dies (the engine's own reason).
        var recentProblems: [String] = []
        /// Last STATUS= the instance sent.
        var status = ""

        /// The STATUS= parts after "Ready to accept connections": the role, then `cluster ...` in cluster mode.
        private var statusParts: [Substring] {
            status.split(separator: "; ", omittingEmptySubsequences: false).dropFirst().map { $0 }
        }

        /// The role the running data instance reports (`master` / `replica`), nil before it said.
        var actualRole: String? {
            guard let role = statusParts.first else { return nil }
            if role == "master" { return "master" }
            return role.hasPrefix("replica of ") ? "replica" : nil
        }

        /// The role in full as the instance reports it: `master`, `replica of 127.0.0.1:6380 (link up)`.
        var actualRoleDescription: String? {
            guard let role = statusParts.first else { return nil }
            if role == "master" { return "master" }
            guard role.hasPrefix("replica of ") else { return nil }
            let rest = role.dropFirst("replica of ".count).split(separator: ",", maxSplits: 1)
            let link = rest.count > 1 ? " (\(rest[1].drop { $0 == " " }))" : ""
            return "replica of \(rest[0])\(link)"
        }

        /// A cluster node's state and slots as it reports them (`ok, slots 0-5460`), nil outside cluster mode.
        var clusterDescription: String? {
            statusParts.first { $0.hasPrefix("cluster ") }.map { String($0.dropFirst("cluster ".count)) }
        }
        /// Start once the instance's local master is up.
        var waitingForMaster = false
        /// Reload: start again with the new definition once stopped, or forget once stopped.
        var restartWhenStopped = false
        var removeWhenStopped = false

        init(_ definition: InstanceDefinition, policy: RestartPolicy) {
            self.definition = definition
            lifecycle = InstanceLifecycle(name: definition.name, policy: policy)
        }
    }

    let queue = DispatchQueue(label: "swredisd.supervisor")
    let directory: String
    let overrides: [(String, String)]
    let only: String?
    var catalog: InstanceCatalog
    var managed: [String: Managed] = [:]
    /// Instance names in start order.
    var order: [String] = []
    var router: LogRouter
    let executable = ProcessSpawner.currentExecutable()
    private var signalSources: [DispatchSourceSignal] = []
    var controlSource: DispatchSourceRead?
    private var lockDescriptor: Int32 = -1
    var stopping = false
    var readyAnnounced = false
    private var lastStatus = ""
    /// The fenced VIP lease, when `swredisd.conf` declares one.
    var virtualIP: VirtualIPManager?
    /// Forms the declared cluster on the first start.
    var clusterFormation: ClusterFormation?
    private let finished = DispatchSemaphore(value: 0)
    private var exitStatus: Int32 = 0

    public init(catalog: InstanceCatalog, directory: String, overrides: [(String, String)], only: String?) {
        self.catalog = catalog
        self.directory = directory
        self.overrides = overrides
        self.only = only
        router = LogRouter(target: catalog.settings.logTarget, directory: catalog.settings.logDirectory)
    }

    /// Runs until SIGTERM/SIGINT stopped every instance; returns the exit status.
    public func run() -> Int32 {
        LogSink.shared.role = "W"
        let settings = catalog.settings
        guard makeDirectory(settings.runDirectory) else {
            serverLog(
                .warning, "Can't create the run directory \(settings.runDirectory): \(String(cString: strerror(errno)))"
            )
            return 1
        }
        let lock = Pidfiles.lock(runDirectory: settings.runDirectory)
        guard let descriptor = lock.descriptor else {
            let holder = lock.holder.map { "pid \($0)" } ?? "another process"
            serverLog(
                .warning,
                "Another swredisd supervisor (\(holder)) is running on \(settings.runDirectory) (it holds \(settings.runDirectory)/swredisd.lock). Exiting."
            )
            return 1
        }
        lockDescriptor = descriptor
        Pidfiles.write(settings.runDirectory + "/swredisd.pid", pid: getpid())
        if router.writesFiles && !makeDirectory(settings.logDirectory) {
            serverLog(
                .warning, "Can't create the log directory \(settings.logDirectory): \(String(cString: strerror(errno)))"
            )
        }
        serverLog(
            .notice,
            "swredisd supervisor starting \(catalog.instances.count) instance(s) from \(directory): \(catalog.instances.map { "\($0.name) (\($0.roleDescription), port \($0.port))" }.joined(separator: ", "))"
        )
        installSignalHandlers()
        startWatchdog()
        openControlSocket()
        queue.async {
            for definition in self.catalog.instances { self.add(definition) }
            self.startVirtualIP()
            self.startClusterFormation()
            self.updateStatus()
        }
        finished.wait()
        return exitStatus
    }

    // MARK: The virtual IP

    /// Starts following the master with the declared VIP, for the local data instance it names (or the only one).
    private func startVirtualIP() {
        guard let settings = catalog.settings.virtualIP,
            let instance = InstanceCatalog.virtualIPInstance(settings, catalog.instances)
        else { return }
        let manager = VirtualIPManager(settings: settings, localPort: instance.port, queue: queue)
        virtualIP = manager
        manager.heldChanged = { [weak self] in self?.updateStatus() }
        manager.start()
    }

    // MARK: The cluster

    /// Forms the cluster `cluster-master` / `cluster-replica` declare, unless it is formed already.
    private func startClusterFormation() {
        guard let layout = catalog.settings.cluster, only == nil else { return }
        let nodes = layout.nodes.compactMap { name -> ClusterFormation.Node? in
            guard let definition = catalog.instances.first(where: { $0.name == name }),
                let access = definition.cluster
            else { return nil }
            return ClusterFormation.Node(name: name, port: definition.port, access: access)
        }
        let formation = ClusterFormation(layout: layout, nodes: nodes)
        clusterFormation = formation
        formation.start()
    }

    // MARK: Instances

    /// Takes an instance under supervision and starts it (after its master, when that is one of ours).
    func add(_ definition: InstanceDefinition) {
        let instance = Managed(definition, policy: catalog.settings.restartPolicy)
        managed[definition.name] = instance
        order.append(definition.name)
        prepare(instance)
        requestStart(instance)
    }

    private func prepare(_ instance: Managed) {
        let definition = instance.definition
        if !makeDirectory(definition.directory) {
            serverLog(
                .warning,
                "Can't create \(definition.directory) for instance \(definition.name): \(String(cString: strerror(errno)))"
            )
        }
        replaceStalePidfile(definition)
        openNotifySocket(instance)
        if let account = runAs {
            // What the instance writes or sends to must be its own.
            chown(definition.directory, account.uid, account.gid)
            chown(definition.notifySocket, account.uid, account.gid)
        }
    }

    /// The account instances run as (`user`, when the supervisor runs as root).
    var runAs: RunAsUser.Account? {
        let name = catalog.settings.user
        guard !name.isEmpty, geteuid() == 0 else { return nil }
        return RunAsUser.lookup(name)
    }

    /// A pidfile left by a crash: its process is gone or isn't this instance, so it is replaced. An instance still
    /// running from a previous supervisor is stopped first, so two engines never share a directory.
    private func replaceStalePidfile(_ definition: InstanceDefinition) {
        guard let pid = Pidfiles.read(definition.pidfile) else { return }
        guard let command = Pidfiles.commandLine(of: pid) else {
            serverLog(.notice, "Removing stale pidfile \(definition.pidfile) (pid \(pid) is not running)")
            unlink(definition.pidfile)
            return
        }
        guard command.count >= 3, command[1] == definition.kind.rawValue, command[2] == definition.file else {
            serverLog(
                .notice,
                "Replacing stale pidfile \(definition.pidfile) (pid \(pid) is not instance \(definition.name): \(command.prefix(3).joined(separator: " ")))"
            )
            unlink(definition.pidfile)
            return
        }
        serverLog(
            .warning,
            "Instance \(definition.name) is still running as pid \(pid) from an earlier supervisor: stopping it")
        kill(pid, SIGTERM)
        let deadline = monotonicMilliseconds() + catalog.settings.stopTimeoutSeconds * 1000
        while Pidfiles.commandLine(of: pid) != nil && monotonicMilliseconds() < deadline { usleep(20_000) }
        if Pidfiles.commandLine(of: pid) != nil { kill(pid, SIGKILL) }
        unlink(definition.pidfile)
    }

    func requestStart(_ instance: Managed) {
        if let master = localMaster(of: instance.definition), !isUp(master) {
            instance.waitingForMaster = true
            return
        }
        instance.waitingForMaster = false
        handle(instance, .start)
    }

    func localMaster(of definition: InstanceDefinition) -> Managed? {
        guard let master = definition.master, InstanceCatalog.isLocal(master.host) else { return nil }
        return managed.values.first { $0.definition.port == master.port && $0 !== managed[definition.name] }
    }

    private func isUp(_ instance: Managed) -> Bool {
        switch instance.lifecycle.state {
        case .ready, .failed: return true
        default: return false
        }
    }

    // MARK: Events and actions

    func handle(_ instance: Managed, _ event: InstanceEvent) {
        let actions = instance.lifecycle.handle(event, now: monotonicMilliseconds())
        for action in actions { perform(action, instance) }
        afterChange(instance)
    }

    private func perform(_ action: InstanceAction, _ instance: Managed) {
        switch action {
        case .spawn:
            spawn(instance)
        case .writePidfile(let pid):
            Pidfiles.write(instance.definition.pidfile, pid: pid)
        case .removePidfile:
            unlink(instance.definition.pidfile)
        case .terminate(let pid):
            kill(pid, SIGTERM)
        case .kill(let pid):
            kill(pid, SIGKILL)
        case .scheduleTimer(let at):
            let delay = max(0, at - monotonicMilliseconds())
            queue.asyncAfter(deadline: .now() + .milliseconds(delay)) { [weak self, weak instance] in
                guard let self, let instance, self.managed[instance.definition.name] === instance else { return }
                self.handle(instance, .timer)
            }
        case .log(let warning, let message):
            serverLog(warning ? .warning : .notice, message)
        }
    }

    private func spawn(_ instance: Managed) {
        let definition = instance.definition
        closeOutput(instance)
        var ends: [Int32] = [-1, -1]
        // The write end is dup2'ed onto the child's stdout/stderr; neither end may leak into other children.
        guard pipe(&ends) == 0, fcntl(ends[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(ends[1], F_SETFD, FD_CLOEXEC) == 0
        else {
            handle(instance, .spawnFailed(reason: "can't create a pipe: \(String(cString: strerror(errno)))"))
            return
        }
        instance.recentProblems.removeAll()
        instance.status = ""
        do {
            var environment = ProcessSpawner.childEnvironment(notifySocket: definition.notifySocket)
            if runAs != nil { environment.append("\(RunAsUser.environmentKey)=\(catalog.settings.user)") }
            let pid = try ProcessSpawner.spawn(
                executable: executable, arguments: [definition.kind.rawValue] + definition.arguments,
                environment: environment,
                directory: directory, outputDescriptor: ends[1])
            close(ends[1])
            watchOutput(instance, descriptor: ends[0], pid: pid)
            serverLog(
                .notice,
                "Started instance \(definition.name) (\(definition.roleDescription), port \(definition.port)) as pid \(pid)"
            )
            handle(instance, .spawned(pid: pid))
        } catch {
            close(ends[0])
            close(ends[1])
            handle(instance, .spawnFailed(reason: "\(error)"))
        }
    }

    /// After any change: start replicas whose master came up, finish a stop, keep systemd's STATUS current.
    private func afterChange(_ instance: Managed) {
        if stopping {
            continueStopping()
        } else {
            for waiting in managed.values where waiting.waitingForMaster { requestStart(waiting) }
        }
        if case .stopped = instance.lifecycle.state {
            if instance.removeWhenStopped {
                forget(instance)
            } else if instance.restartWhenStopped {
                instance.restartWhenStopped = false
                prepare(instance)
                requestStart(instance)
            }
        }
        updateStatus()
    }

    func forget(_ instance: Managed) {
        closeOutput(instance)
        instance.notifySource?.cancel()
        instance.notifySource = nil
        unlink(instance.definition.notifySocket)
        managed.removeValue(forKey: instance.definition.name)
        order.removeAll { $0 == instance.definition.name }
    }

    // MARK: Children: exits, output, notifications

    /// Reaps the instances that exited. Each instance's pid is waited for by itself: other children (the VIP's `ip`
    /// and hook runs) are waited for by whoever started them.
    private func reapChildren() {
        for instance in Array(managed.values) {
            guard let pid = instance.lifecycle.state.pid else { continue }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { continue }
            readOutput(instance)
            var reason = Supervisor.describeExit(status)
            // A failing engine says why before it exits (a port in use, a refused config): quote it.
            let failed = status & 0x7f == 0 && (status >> 8) & 0xff != 0
            if failed && !instance.recentProblems.isEmpty && !(stopping || isStopping(instance)) {
                reason += ": " + instance.recentProblems.suffix(2).joined(separator: " / ")
            }
            handle(instance, .exited(reason: reason))
        }
    }

    private func isStopping(_ instance: Managed) -> Bool {
        if case .stopping = instance.lifecycle.state { return true }
        return false
    }

    /// Redis's startup banner is logged at warning level; it says nothing about why an instance died.
    static let bannerLines = ["oO0OoO0OoO0Oo", "Redis version=", "Configuration loaded", "Warning: no config file"]

    static func describeExit(_ status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        return "killed by signal \(signal)"
    }

    private func watchOutput(_ instance: Managed, descriptor: Int32, pid: pid_t) {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        instance.outputDescriptor = descriptor
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        source.setEventHandler { [weak self, weak instance] in
            guard let self, let instance else { return }
            if !self.readOutput(instance) { self.closeOutput(instance) }
        }
        source.resume()
        instance.outputSource = source
    }

    /// Reads what the instance printed; returns false at end of file.
    @discardableResult
    private func readOutput(_ instance: Managed) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while instance.outputDescriptor >= 0 {
            let count = chunk.withUnsafeMutableBytes { read(instance.outputDescriptor, $0.baseAddress, $0.count) }
            if count == 0 { return false }
            if count < 0 { return errno == EAGAIN || errno == EINTR }
            instance.partialLine.append(contentsOf: chunk[0..<count])
            while let newline = instance.partialLine.firstIndex(of: 10) {
                let line = String(decoding: instance.partialLine[..<newline], as: UTF8.self)
                instance.partialLine.removeSubrange(...newline)
                routeLine(line, instance)
            }
        }
        return false
    }

    private func routeLine(_ line: String, _ instance: Managed) {
        let pid = instance.lifecycle.state.pid ?? 0
        router.route(line, instance: instance.definition.name, pid: pid)
        let (priority, message) = LogRouter.classify(line)
        if priority <= 4 && !message.isEmpty && !Supervisor.bannerLines.contains(where: { message.hasPrefix($0) }) {
            instance.recentProblems.append(message)
            if instance.recentProblems.count > 4 { instance.recentProblems.removeFirst() }
        }
    }

    private func closeOutput(_ instance: Managed) {
        instance.outputSource?.cancel()
        instance.outputSource = nil
        if instance.outputDescriptor >= 0 { close(instance.outputDescriptor) }
        instance.outputDescriptor = -1
        if !instance.partialLine.isEmpty {
            routeLine(String(decoding: instance.partialLine, as: UTF8.self), instance)
            instance.partialLine.removeAll()
        }
    }

    /// The instance's own notify socket: READY=1 (data loaded), STATUS=, EXTEND_TIMEOUT_USEC (forwarded).
    private func openNotifySocket(_ instance: Managed) {
        guard instance.notifySource == nil else { return }
        let path = instance.definition.notifySocket
        unlink(path)
        let descriptor = socket(
            AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { return }
        guard UnixSocket.bind(descriptor, to: path) else {
            serverLog(.warning, "Can't bind the notify socket \(path): \(String(cString: strerror(errno)))")
            close(descriptor)
            return
        }
        instance.notifyDescriptor = descriptor
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        source.setEventHandler { [weak self, weak instance] in
            guard let self, let instance else { return }
            self.readNotifications(instance)
        }
        source.setCancelHandler { close(descriptor) }
        source.resume()
        instance.notifySource = source
    }

    private func readNotifications(_ instance: Managed) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(instance.notifyDescriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            let message = String(decoding: buffer[0..<count], as: UTF8.self)
            for line in message.split(separator: "\n") {
                if line == "READY=1" {
                    handle(instance, .ready)
                } else if line.hasPrefix("STATUS=") {
                    instance.status = String(line.dropFirst(7))
                    updateStatus()
                } else if line.hasPrefix("EXTEND_TIMEOUT_USEC="), !readyAnnounced {
                    ServiceNotifier.notify(String(line))
                }
            }
        }
    }

    // MARK: systemd

    /// `STATUS=3/3 ready; 6379 master, 6380 replica ok, 6381 replica ok`, and READY=1 once every instance is
    /// ready (or has failed: systemd must not wait forever for one that won't come up).
    func updateStatus() {
        let instances = order.compactMap { managed[$0] }
        let ready = instances.filter { if case .ready = $0.lifecycle.state { return true } else { return false } }.count
        let settled = instances.allSatisfy { isUp($0) }
        let parts = instances.map { instance -> String in
            let definition = instance.definition
            switch instance.lifecycle.state {
            case .ready:
                if definition.kind == .sentinel { return "\(definition.name) sentinel" }
                let role = instance.actualRole ?? definition.roleDescription
                let changed = instance.actualRole.map { $0 != definition.roleDescription } ?? false
                let suffix = changed ? " (declared \(definition.roleDescription))" : ""
                guard role == "replica" else { return "\(definition.name) \(role)\(suffix)" }
                if instance.status.contains("link up") { return "\(definition.name) replica ok\(suffix)" }
                if instance.status.contains("link down") { return "\(definition.name) replica link down\(suffix)" }
                return "\(definition.name) replica\(suffix)"
            default:
                return "\(definition.name) \(instance.lifecycle.state.name)"
            }
        }
        var status = "\(ready)/\(instances.count) ready; " + parts.joined(separator: ", ")
        if let virtualIP { status += "; " + (virtualIP.isHeld ? "VIP held" : "VIP not held") }
        if status != lastStatus {
            lastStatus = status
            ServiceNotifier.status(status)
        }
        if settled && !readyAnnounced && !stopping {
            readyAnnounced = true
            serverLog(.notice, "All instances up: \(status)")
            ServiceNotifier.notify("READY=1\nSTATUS=\(status)")
        }
    }

    private func startWatchdog() {
        guard let text = getenv("WATCHDOG_USEC").map({ String(cString: $0) }), let usec = Int(text), usec > 0 else {
            return
        }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: .microseconds(usec / 2))
        timer.setEventHandler { ServiceNotifier.notify("WATCHDOG=1") }
        timer.resume()
        watchdog = timer
    }
    private var watchdog: DispatchSourceTimer?

    // MARK: Signals and stopping

    private func installSignalHandlers() {
        let handlers: [(Int32, () -> Void)] = [
            (SIGTERM, { [unowned self] in self.beginStop("SIGTERM") }),
            (SIGINT, { [unowned self] in self.beginStop("SIGINT") }),
            (SIGHUP, { [unowned self] in self.reload() }),
            (
                SIGUSR1,
                { [unowned self] in
                    serverLog(.notice, "Received SIGUSR1: reopening log files")
                    self.router.reopen()
                }
            ),
            (SIGCHLD, { [unowned self] in self.reapChildren() }),
        ]
        for (number, body) in handlers {
            // SIGCHLD keeps its default disposition: ignoring it would make the kernel reap children itself.
            if number != SIGCHLD { signal(number, SIG_IGN) }
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: body)
            source.resume()
            signalSources.append(source)
        }
    }

    /// SIGTERM: replicas first, then their masters (deepest level first), each with a graceful SHUTDOWN.
    func beginStop(_ why: String) {
        guard !stopping else { return }
        stopping = true
        serverLog(.warning, "Received \(why): stopping \(managed.count) instance(s), replicas first")
        // The address goes first: no client may reach an instance that is shutting down through it.
        virtualIP?.stop()
        virtualIP = nil
        clusterFormation?.stop()
        clusterFormation = nil
        ServiceNotifier.stopping()
        for instance in managed.values { instance.waitingForMaster = false }
        continueStopping()
    }

    private func depth(_ instance: Managed) -> Int {
        var level = 0
        var current = instance.definition
        var seen = Set([current.name])
        while let master = localMaster(of: current), !seen.contains(master.definition.name) {
            seen.insert(master.definition.name)
            current = master.definition
            level += 1
        }
        return level
    }

    private func continueStopping() {
        let running = managed.values.filter { $0.lifecycle.state != .stopped && !isFailed($0) }
        guard let deepest = running.map({ depth($0) }).max() else {
            finish()
            return
        }
        for instance in running where depth(instance) == deepest {
            switch instance.lifecycle.state {
            case .starting, .ready, .backoff:
                _ = instance.lifecycle.handle(.stop, now: monotonicMilliseconds()).map { perform($0, instance) }
            default:
                break
            }
        }
        if managed.values.allSatisfy({ $0.lifecycle.state == .stopped || isFailed($0) }) { finish() }
    }

    private func isFailed(_ instance: Managed) -> Bool {
        if case .failed = instance.lifecycle.state { return true }
        return false
    }

    private var finishing = false

    private func finish() {
        guard !finishing else { return }
        finishing = true
        for instance in managed.values {
            closeOutput(instance)
            instance.notifySource?.cancel()
            unlink(instance.definition.notifySocket)
        }
        let runDirectory = catalog.settings.runDirectory
        controlSource?.cancel()
        unlink(runDirectory + "/" + Supervisor.controlSocketName)
        unlink(runDirectory + "/swredisd.pid")
        serverLog(.notice, "All instances stopped. swredisd supervisor exiting.")
        exitStatus = 0
        finished.signal()
    }

    // MARK: Helpers

    func monotonicMilliseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec * 1000 + now.tv_nsec / 1_000_000
    }

    /// `mkdir -p`.
    func makeDirectory(_ path: String) -> Bool {
        var built = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            built += "/" + component
            if mkdir(built, 0o755) != 0 && errno != EEXIST { return false }
        }
        return true
    }
}
