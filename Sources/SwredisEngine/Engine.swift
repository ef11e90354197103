import NIOCore
import SwredisBytes
import SwredisConfig
import SwredisKeyspace
import SwredisLog
import SwredisProtocol

#if canImport(Glibc)
import Glibc
#endif

/// What the engine asks of the server layer around it (sockets, process lifetime).
public protocol EngineHost: AnyObject {
    /// Stops the process after the current command (SHUTDOWN). Returns an error text to reply instead, if refused.
    func requestShutdown(save: Bool?, now: Bool, force: Bool) -> String?
    /// A command parked the client (BLPOP & co.); the server stops reading its input and arms the timeout.
    func clientBlocked(_ client: ClientSession, deadline: Int?)
    /// The client was served, timed out or unblocked; the server resumes reading its input.
    func clientUnblocked(_ client: ClientSession)
}

/// The data engine: databases, clients, the command table and the statistics INFO shows.
///
/// Owned by one event-loop thread. Every command runs through `execute`, which does what Redis's
/// `processCommand` and `call` do: look up the command, check arity and authentication, run the handler,
/// account time and errors, feed MONITOR.
public final class Engine {
    public let config: ConfigStore
    /// The time commands see (see `EngineClock`).
    public let clock = EngineClock()
    public var databases: [Database]
    public let commands: CommandTable
    public weak var host: EngineHost?

    // Clients
    public private(set) var clients: [Int: ClientSession] = [:]
    private var nextClientID = 1
    public var monitors: [ClientSession] = []
    /// Clients whose buffers received data outside their own command (MONITOR feed); flushed by the server.
    public var clientsWithPendingWrites: [ClientSession] = []

    // Identity and time
    public let runID: String
    public let startTime: Int
    public var configFile = ""
    public var executablePath = ""
    public var tcpPort = 0
    /// `redis_mode` in INFO and `mode` in HELLO: a data server is `standalone`, a sentinel `sentinel`.
    public var mode = "standalone"

    // Statistics
    public var stats = EngineStats()
    public var errorCounts: [String: Int] = [:]
    public var slowlog = SlowLog()
    /// Changes since the last save (rdb_changes_since_last_save).
    public var dirty = 0
    public var lastSaveTime: Int
    /// RDB saving and loading state (INFO persistence).
    public var persistence = PersistenceState()
    /// Generations of snapshots being written in the background (see `SnapshotVersioned`).
    public var snapshotGenerations = SnapshotGenerations()
    /// Commands waiting for the AOF, when one is open (see Propagation.swift; the file is SwredisPersistence's).
    public let appendOnlyBuffer = AppendOnlyBuffer()
    /// The persistence layer's own objects (open files, manifest, background jobs), which the engine holds for
    /// it without knowing their types: SwredisPersistence's `PersistenceFiles`.
    package var persistenceFiles: AnyObject?
    /// AOF state INFO persistence reports.
    public var appendOnly = AppendOnlyState()
    /// Replication IDs, offset, backlog, replicas and the link to our master.
    public var replication: ReplicationState
    /// The network side of the link to our master (set by the server).
    public weak var masterLink: MasterLinkController?
    /// True while a command of our master's stream runs (it sees keys a replica otherwise reports as expired).
    public package(set) var applyingMasterStream = false
    /// Set while replaying the AOF: the replayed commands must not be logged again.
    public var propagationSuppressed = false
    package var propagationOverride: [[ByteString]]?
    package var transactionPropagation = TransactionPropagation.none
    /// Set while a script runs: its effects are collected here and propagated when it ends.
    package var scriptEffects: ScriptEffects?
    /// The scripting layer's state (the Lua interpreter, the script cache), held for SwredisScripting without
    /// knowing its type.
    package var scripting: AnyObject?
    /// The function libraries (FUNCTION LOAD) and their own Lua interpreter, held for SwredisScripting likewise.
    package var functionLibraries: AnyObject?
    /// The cluster node this engine serves as (`cluster-enabled yes`), held without its type like `scripting`.
    package var cluster: AnyObject?
    /// Cluster mode: database 0 keeps its keys by hash slot, also after a dataset is replaced.
    package var indexesSlots = false
    /// Cluster mode: what a script's `redis.call` of a command for a caller meets (Redis's
    /// `scriptVerifyClusterState`): the error text, or nil and the slot of the command's keys.
    package var clusterScriptRoute: ((ClientSession, CommandSpec, Arguments) -> (refusal: String?, slot: Int?))?
    /// The libraries' code in load order, for the RDB and an AOF rewrite (set by the data server's composition root).
    public var functionLibraryCodes: () -> [[UInt8]] = { [] }
    /// Replaces every library with these codes (an RDB's); the first error, if one fails to load.
    public var replaceFunctionLibraries: ([[UInt8]]) -> String? = { _ in nil }
    /// Who follows key changes: WATCH, then blocked clients (Cluster's slot index is kept by `Database` itself).
    public var keyspaceObservers: [any KeyspaceObserver] = [] {
        didSet {
            standardObservers =
                keyspaceObservers.count == 2 && keyspaceObservers[0] is WatchObserver
                && keyspaceObservers[1] is ReadyKeysObserver
        }
    }
    /// Where propagated commands go: the AOF, then the replication stream; tests and later modules add their own.
    public var propagationSinks: [any PropagationSink] = [] {
        didSet {
            standardSinks =
                propagationSinks.count == 2 && propagationSinks[0] is AppendOnlyFileSink
                && propagationSinks[1] is ReplicaStreamSink
        }
    }
    /// True while the seams hold exactly the engine's own observers / sinks: the per-command checks then ask the
    /// engine directly instead of calling each one through its protocol, which retains and releases it (measured:
    /// about 150 ns of a pipelined SET).
    package private(set) var standardObservers = false
    package private(set) var standardSinks = false
    /// Called when a BGSAVE ends, with its success: replication starts the full syncs that waited for it. Set by
    /// the data server's composition (`Engine(config:)` in SwredisCommands), so persistence needs no replication.
    public var backgroundSaveFinishedHook: ((Bool) -> Void)?
    /// The checks before a command runs, in order (see `CommandGate`).
    public var gates = CommandGate.standard {
        didSet { gatesAreStandard = gates.map(\.name) == CommandGate.standard.map(\.name) }
    }
    /// The standard chain runs unrolled: walking an array of gates costs 3% of a pipelined PING.
    private var gatesAreStandard = true
    /// Runs a closure on the engine's thread; set by the server so background jobs can report back.
    public var runOnEngineThread: ((@escaping @Sendable () -> Void) -> Void)?
    /// Runs a closure on the engine's thread after a delay (ms), once the loop has served its sockets in between (a
    /// busy script's next slice: a task queued at once would run before any socket is read).
    public var runOnEngineThreadAfter: ((Int, @escaping @Sendable () -> Void) -> Void)?

    /// Highest `used_memory` seen, and what was allocated once the server was up (INFO memory).
    public var peakMemory = 0
    public var startupMemory = 0
    /// Commands per second over the last ~1.6 s, sampled by `trackInstantaneousMetrics`.
    public private(set) var instantaneousOpsPerSecond = 0
    private var opsSamples: [Int] = []
    private var lastSample = (time: 0, commands: 0)

    // Blocking operations, WATCH and pub/sub tables.
    package var blockedClients: [DatabaseKey: [ClientSession]] = [:]
    package var readyKeys: [DatabaseKey] = []
    /// How many `execute` calls are on the stack: EXEC runs its queued commands through `execute` too, and blocked
    /// clients are served only when the outermost command is done (a transaction stays atomic).
    package var executionDepth = 0
    /// Set while a script that ran past `busy-reply-threshold` has yielded (see `BusyScript`).
    public package(set) var busyScript: BusyScript?
    /// While a script runs: the time it started, which key expiry sees instead of the clock, so a key does not
    /// expire in the middle of a script (Redis's `scriptTimeSnapshot` in `keyIsExpired`).
    package var scriptTimeSnapshot: Int?
    /// Work held back while a script is busy (a replica's master stream, a signal's shutdown), run when it ends.
    public var afterBusyScript: [() -> Void] = []
    /// The EVAL or FCALL of the busy script, accounted when it ends.
    package var busyCall: BusyCall?
    /// Keys a MIGRATE or RESTORE moves off the engine thread, with how many transfers hold each (see
    /// `KeyTransfers.swift`); empty nearly always, so the check on every command is one `isEmpty`.
    public package(set) var keysInTransfer: [DatabaseKey: Int] = [:]
    /// Clock readings shared by the commands of one read batch (see `beginReadBatch`).
    package var batchClock = BatchClock()
    public package(set) var blockedClientCount = 0
    package var watchers: [DatabaseKey: [ClientSession]] = [:]
    package var channelSubscribers: [ByteString: [ClientSession]] = [:]
    package var patternSubscribers: [(ByteString, ClientSession)] = []
    /// Distinct subscribed patterns (PUBSUB NUMPAT, INFO pubsub_patterns), however many clients use each.
    package var uniquePatternCount: Int { Set(patternSubscribers.map { $0.0 }).count }
    package var shardSubscribers: [ByteString: [ClientSession]] = [:]

    /// Argument positions of the running command that SLOWLOG and MONITOR show as `(redacted)` (passwords).
    package var redactedArguments: [Int] = []

    /// DEBUG SET-ACTIVE-EXPIRE.
    public var activeExpireEnabled = true

    /// `CLIENT PAUSE` deadline in ms and whether only writes are paused.
    public var pauseUntil = 0
    public var pauseWritesOnly = false
    /// A cluster master's write pause during a manual failover (Redis's `PAUSE_DURING_FAILOVER`), kept apart from
    /// CLIENT PAUSE so ending one never ends the other.
    public var failoverPauseUntil = 0

    // Cached configuration read on the hot path.
    public private(set) var requirePass = ""
    public private(set) var maxBulkLength = 512 * 1024 * 1024
    public private(set) var slowlogThreshold = 10000
    public private(set) var maxMemory = 0
    public private(set) var keyspaceEvents: KeyspaceEventFlags = []
    /// Whether access clocks hold LFU counters (an LFU maxmemory-policy) instead of LRU times.
    public private(set) var lfuMode = false
    package private(set) var replicaReadOnly = true
    package private(set) var replicaServesStaleData = true
    package private(set) var minReplicasToWrite = 0
    package private(set) var minReplicasMaxLag = 10
    package private(set) var lfuLogFactor = 10
    package private(set) var lfuDecayTime = 1
    /// `busy-reply-threshold` (`lua-time-limit`) in milliseconds.
    package private(set) var busyReplyThreshold = 5000

    /// An engine running `commands` (the handlers live in SwredisCommands, whose `Engine(config:)` passes the data
    /// server's table).
    ///
    /// Nothing may hold the engine weakly: a weak reference gives an object a side table for its reference
    /// counts, and every retain and release of it then takes the slow path (measured: 6% more CPU per PING).
    /// Closures that outlive a call capture it `unowned` (the engine lives as long as the process).
    public init(config: ConfigStore, commands: [CommandSpec]) {
        self.config = config
        let databaseCount = max(1, config[.databases])
        databases = Array(repeating: Database(), count: databaseCount)
        self.commands = CommandTable(commands)
        runID = Engine.randomHex(40)
        replication = ReplicationState(replicationID: Engine.randomHex(40))
        let now = clock.unixMilliseconds()
        startTime = now
        lastSaveTime = now / 1000
        self.commands.applyRenames(config.renamedCommands)
        refreshCachedConfig()
        config.observeChanges { [unowned self] names in self.configurationChanged(names) }
        propagationSinks = [AppendOnlyFileSink(self), ReplicaStreamSink(self)]
        keyspaceObservers = [WatchObserver(self), ReadyKeysObserver(self)]
        // An initializer's own assignments run no didSet.
        standardSinks = true
        standardObservers = true
    }

    /// CONFIG SET changed `names`: re-read the cached directives and resize what depends on them.
    private func configurationChanged(_ names: Set<String>) {
        refreshCachedConfig()
        if names.contains(IntSetting.replBacklogSize.rawValue), let backlog = replication.backlog {
            replication.backlog = backlog.resized(to: config[.replBacklogSize])
        }
    }

    /// Re-reads the directives the hot path caches.
    package func refreshCachedConfig() {
        requirePass = config[.requirepass]
        maxBulkLength = config[.protoMaxBulkLen]
        slowlogThreshold = config[.slowlogLogSlowerThan]
        slowlog.maxLength = config[.slowlogMaxLen]
        maxMemory = config[.maxmemory]
        keyspaceEvents = KeyspaceEventFlags(parsing: config[.notifyKeyspaceEvents]) ?? []
        lfuMode = config[.maxmemoryPolicy].hasSuffix("lfu")
        lfuLogFactor = config[.lfuLogFactor]
        lfuDecayTime = config[.lfuDecayTime]
        replicaReadOnly = config[.replicaReadOnly]
        replicaServesStaleData = config[.replicaServeStaleData]
        minReplicasToWrite = config[.minReplicasToWrite]
        minReplicasMaxLag = config[.minReplicasMaxLag]
        busyReplyThreshold = config[.busyReplyThreshold]
    }

    /// Takes one ops/sec sample; the server calls it every 100 ms, like Redis's `trackInstantaneousMetric`.
    public func trackInstantaneousMetrics() {
        let now = clock.monotonicMicroseconds()
        if lastSample.time > 0 && now > lastSample.time {
            let rate = (stats.commandsProcessed - lastSample.commands) * 1_000_000 / (now - lastSample.time)
            opsSamples.append(rate)
            if opsSamples.count > 16 { opsSamples.removeFirst() }
            instantaneousOpsPerSecond = opsSamples.reduce(0, +) / opsSamples.count
        }
        lastSample = (now, stats.commandsProcessed)
    }

    // MARK: Time

    @inlinable public static func unixMilliseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now.tv_sec * 1000 + now.tv_nsec / 1_000_000
    }

    @inlinable public static func unixMicroseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now.tv_sec * 1_000_000 + now.tv_nsec / 1000
    }

    @inlinable public static func monotonicMicroseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec * 1_000_000 + now.tv_nsec / 1000
    }

    /// The time commands see for expiry and access clocks, in Unix milliseconds. Within a read batch it comes from the
    /// batch's last monotonic reading plus the wall-clock offset measured at the batch's start, so a pipelined command
    /// costs one clock read (its end) instead of three; elsewhere it is read from the clock.
    public var commandMilliseconds: Int {
        batchClock.active ? batchClock.unixMilliseconds : clock.unixMilliseconds()
    }

    /// Called by a connection before it runs the commands of one read: the commands' start times are chained from
    /// the previous command's end (the gap between them is only parsing).
    public func beginReadBatch() {
        batchClock.begin(clock)
    }

    /// Called when the read's commands have run: later commands (timers, replication) read the clock again.
    public func endReadBatch() {
        batchClock.active = false
    }

    /// Redis's LRU clock: seconds, 24 bits.
    @inlinable public static func lruClock(now: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: (now / 1000) & 0xFF_FFFF)
    }

    /// The LRU clock of an object idle for `idleSeconds` (RESTORE IDLETIME, the RDB IDLE opcode). The 24-bit clock
    /// wraps after 0xFFFFFF seconds, so a longer idle time (any 64-bit value from a client or a file) means no more.
    public static func lruClock(now: Int, idleSeconds: Int) -> UInt32 {
        let idle = min(max(idleSeconds, 0), 0xFF_FFFF)
        return UInt32(truncatingIfNeeded: (now / 1000 - idle) & 0xFF_FFFF)
    }

    package static func randomHex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<count).map { _ in digits[Int.random(in: 0..<16)] })
    }

    // MARK: Clients

    /// A client no connection owns and CLIENT LIST does not show, such as the one scripts run their commands as.
    package func createDetachedClient(address: String, allocator: ByteBufferAllocator) -> ClientSession {
        let session = ClientSession(
            engine: self, id: nextClientID, address: address, localAddress: "", isUnixSocket: false,
            authenticated: true, now: clock.unixMilliseconds(), allocator: allocator)
        nextClientID += 1
        return session
    }

    /// Registers a new connection's session.
    public func createClient(
        address: String, localAddress: String, isUnixSocket: Bool,
        allocator: ByteBufferAllocator
    ) -> ClientSession {
        let session = ClientSession(
            engine: self, id: nextClientID, address: address, localAddress: localAddress,
            isUnixSocket: isUnixSocket,
            authenticated: requirePass.isEmpty, now: clock.unixMilliseconds(),
            allocator: allocator)
        nextClientID += 1
        clients[session.id] = session
        stats.totalConnections += 1
        return session
    }

    /// Forgets a closed connection's session.
    public func removeClient(_ client: ClientSession) {
        clients.removeValue(forKey: client.id)
        if client.isMonitor { monitors.removeAll { $0 === client } }
        detachReplica(client)
        if client.blocked?.operation.endsWithItsWork == true {
            // The busy script or the key transfer goes on; its reply has nowhere to go.
            client.blocked = nil
        } else if let state = client.blocked {
            if case .replicationWait = state.operation { replication.clientsWaitingForAcks.removeAll { $0 === client } }
            for key in state.keys { blockedClients[DatabaseKey(db: state.db, key: key)]?.removeAll { $0 === client } }
            blockedClients = blockedClients.filter { !$0.value.isEmpty }
            client.blocked = nil
            blockedClientCount -= 1
        }
        unwatchAll(client)
        removeAllSubscriptions(client)
        client.transaction = nil
    }

    /// Limits the request parser applies to this client.
    @inlinable public func requestLimits(for client: ClientSession) -> RequestLimits {
        RequestLimits(maxBulkLength: maxBulkLength, unauthenticated: !client.authenticated)
    }

    // MARK: Executing commands

    /// Runs one parsed command for `client`, writing its reply into the client's buffer.
    public func execute(_ client: ClientSession, _ args: Arguments) {
        client.currentCommandFailed = false
        guard var command = commands.lookup(args[0]) else {
            rejectUnknown(client, args)
            return
        }
        // A container named alone runs its own handler when its arity allows it (a bare COMMAND lists every
        // command); the others need a subcommand, which the arity check below says.
        if command.isContainer && args.count >= 2 {
            guard let sub = command.subcommands[args.lowercased(1)] else {
                reject(client, command, RedisError.unknownSubcommand(args.string(1), command.name))
                return
            }
            command = sub
        }
        // CLIENT LIST/INFO show the command being run (Redis sets `lastcmd` as soon as the lookup succeeds).
        client.lastCommandName = command.name
        guard command.acceptsArgumentCount(args.count) else {
            reject(client, command, RedisError.wrongArity(command.name))
            return
        }
        if gatesAreStandard {
            if let refusal = standardRefusal(client, command, args) {
                reject(client, command, refusal)
                return
            }
        } else if let refusal = chainRefusal(client, command, args) {
            reject(client, command, refusal.text, isRedirection: refusal.isRedirection)
            return
        }
        if client.transaction != nil
            && !TransactionState.controlCommands.contains(command.parent?.name ?? command.name)
        {
            // A transaction already doomed (a rejected command, a touched WATCHed key) queues nothing more, as
            // Redis's queueMultiCommand: EXEC's checks (cluster slots, flags) then see only what came before.
            if client.transaction?.aborted == false && !client.watchBroken {
                client.transaction?.queued.append(QueuedCommand(args))
            }
            client.reply.simple("QUEUED")
            return
        }
        call(client, command, args)
    }

    /// The system's monotonic time in milliseconds, read from the batch clock when a read batch runs (the end of
    /// the previous command): when a script starting now began, for its busy time.
    package var commandStartMonotonicMilliseconds: Int {
        (batchClock.active ? batchClock.monotonicMicroseconds - clock.offset : Engine.monotonicMicroseconds()) / 1000
    }

    /// Runs a command that passed lookup, arity and the gates (Redis's `call`): the handler, then propagation, key
    /// signals, blocked clients, MONITOR, statistics and the slow log. Scripts enter here after their own checks.
    @inline(__always)
    package func call(_ client: ClientSession, _ command: CommandSpec, _ args: Arguments) {
        let replyStart = client.reply.buffer.writerIndex
        let dirtyBefore = dirty
        let offsetBefore = replication.offset
        let database = client.database
        let started = batchClock.active ? batchClock.monotonicMicroseconds : clock.monotonicMicroseconds()
        executionDepth += 1
        command.handler(self, client, args)
        executionDepth -= 1
        if dirty != dirtyBefore && command.flags.contains(.write) && propagates { propagateExecuted(database, args) }
        // What WAIT waits for: anything this command put into the stream (writes, EXEC, PUBLISH, expired DELs).
        if replication.offset != offsetBefore { client.writeOffset = replication.offset }
        propagationOverride = nil
        if dirty != dirtyBefore && command.flags.contains(.write) && command.touchesWrittenKeys
            && modifiedKeysAreObserved
        {
            for index in command.writtenKeyIndexes(in: args) {
                signalModifiedKey(client.database, args[index])
            }
        }
        if !readyKeys.isEmpty && executionDepth == 0 { handleReadyKeys() }
        // Like Redis, monitors see a command after it ran, with the database it left selected.
        if !monitors.isEmpty && !command.flags.contains(.skipMonitor) && !command.flags.contains(.admin) {
            feedMonitors(client, args)
        }
        let finished = clock.monotonicMicroseconds()
        if batchClock.active { batchClock.monotonicMicroseconds = finished }
        if case .script = client.blocked?.operation, executionDepth == 0 {
            // A script that yielded goes on: its time and slow-log entry are taken when it ends (`busyScriptEnded`).
            busyCall = BusyCall(
                command: command, arguments: SlowLog.shownArguments(args, redacted: redactedArguments),
                startedMicros: started)
        } else {
            account(command, client, elapsed: finished - started) {
                slowlog.record(args, redacted: redactedArguments, durationMicros: $0, client: client)
            }
        }
        if !redactedArguments.isEmpty { redactedArguments.removeAll() }
        applyReplyMode(client, replyStart: replyStart)
        // A replica's connection carries our stream: commands it sends get no reply bytes in it.
        if client.replicaLink != nil { client.reply.buffer.moveWriterIndex(to: replyStart) }
    }

    /// A command's statistics and, past `slowlog-log-slower-than`, its slow-log entry (`record`).
    @inline(__always)
    package func account(
        _ command: CommandSpec, _ client: ClientSession, elapsed: Int, record: (Int) -> Void
    ) {
        command.calls += 1
        command.microseconds += elapsed
        if client.currentCommandFailed { command.failedCalls += 1 }
        stats.commandsProcessed += 1
        if slowlogThreshold >= 0 && elapsed >= slowlogThreshold && !command.flags.contains(.skipSlowlog) {
            record(elapsed)
        }
    }

    /// `enable-debug-command`: `no` (Redis's default), `yes`, or `local` for unix-socket and loopback clients.
    package func debugCommandAllowed(for client: ClientSession) -> Bool {
        if client.isInternal || client.isMaster { return true }
        switch config[.enableDebugCommand] {
        case "yes": return true
        case "local": return client.isLocalConnection
        default: return false
        }
    }

    /// Whether `command` is refused while memory stays above `maxmemory` (Redis's `processCommand`): commands that may
    /// grow the dataset, EXEC of a transaction holding one, and inside MULTI anything but EXEC, DISCARD, QUIT and
    /// RESET (queueing itself takes memory).
    package func refusedWhenOutOfMemory(_ client: ClientSession, _ command: CommandSpec) -> Bool {
        if command.flags.contains(.denyOOM) { return true }
        guard let transaction = client.transaction else { return false }
        switch command.name {
        case "exec":
            return transaction.queued.contains { queued in
                queued.withArguments { commands.lookup($0[0])?.flags.contains(.denyOOM) ?? false }
            }
        case "discard", "quit", "reset": return false
        default: return true
        }
    }

    /// Redis's refusals that depend on persistence and replication health, in `processCommand`'s order:
    /// MISCONF (failed save or AOF write), NOREPLICAS, READONLY, then MASTERDOWN. Commands from our master
    /// are never refused.
    func replicationRefusal(_ client: ClientSession, _ command: CommandSpec) -> String? {
        guard !client.isMaster else { return nil }
        let isWrite = command.flags.contains(.write)
        // Cheap checks first: this runs for every command.
        if !persistence.lastBackgroundSaveOK || appendOnlyBuffer.lastWriteFailure != nil,
            isWrite || command.name == "ping", let refusal = diskErrorRefusal
        {
            return refusal
        }
        if isWrite && minReplicasToWrite > 0 && !hasEnoughGoodReplicas { return Engine.noReplicasError }
        guard replication.isReplica else { return nil }
        if isWrite && replicaReadOnly { return Engine.readOnlyReplicaError }
        if isStaleReplica && !command.flags.contains(.stale) {
            return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
        }
        return nil
    }

    private func applyReplyMode(_ client: ClientSession, replyStart: Int) {
        switch client.replyMode {
        case .on: return
        case .off:
            client.reply.buffer.moveWriterIndex(to: replyStart)
        case .skipThis:
            client.reply.buffer.moveWriterIndex(to: replyStart)
            client.replyMode = .on
        case .skipNext:
            client.replyMode = .skipThis
        }
    }

    private func rejectUnknown(_ client: ClientSession, _ args: Arguments) {
        let arguments = (1..<max(1, args.count)).map { args.string($0) }
        client.error(RedisError.unknownCommand(args.string(0), arguments: args.count > 1 ? arguments : []))
        client.transaction?.aborted = true
    }

    private func reject(_ client: ClientSession, _ command: CommandSpec, _ text: String, isRedirection: Bool = false) {
        command.rejectedCalls += 1
        // A rejected EXEC ends the transaction, if any, with the reason (Redis's execCommandAbort), or with the
        // redirection itself.
        if command.name == "exec" {
            client.transaction = nil
            unwatchAll(client)
            client.error(
                isRedirection
                    ? text
                    : "EXECABORT Transaction discarded because of: "
                        + (text.hasPrefix("ERR ") ? String(text.dropFirst(4)) : text))
            return
        }
        client.error(text)
        client.transaction?.aborted = true
    }

    /// Makes SLOWLOG and MONITOR show argument `index` of the running command as `(redacted)`, as Redis does for
    /// passwords (AUTH, HELLO AUTH, CONFIG SET of a sensitive directive).
    public func redactArgument(_ index: Int) {
        redactedArguments.append(index)
    }

    /// Counts an error reply for INFO stats and errorstats (keyed by the error code, its first word).
    package func recordError(_ text: String) {
        stats.errorReplies += 1
        let code = text.prefix { $0 != " " }
        errorCounts[String(code), default: 0] += 1
    }

    package func feedMonitors(_ client: ClientSession, _ args: Arguments) {
        let micros = clock.unixMicroseconds()
        let fraction = String(micros % 1_000_000)
        var line =
            "+\(micros / 1_000_000).\(String(repeating: "0", count: 6 - fraction.count))\(fraction) [\(client.database) "
        line += client.isUnixSocket ? "unix:\(client.address)]" : "\(client.address)]"
        for index in 0..<args.count {
            line += redactedArguments.contains(index) ? " \"(redacted)\"" : " " + ByteQuoting.repr(args[index])
        }
        line += "\r\n"
        for monitor in monitors where monitor !== client {
            monitor.reply.raw(line)
            clientsWithPendingWrites.append(monitor)
        }
    }
}

/// Counters INFO stats reports.
public struct EngineStats {
    public init() {}

    public var totalConnections = 0
    public var rejectedConnections = 0
    public var commandsProcessed = 0
    public var netInputBytes = 0
    public var netOutputBytes = 0
    public var expiredKeys = 0
    public var evictedKeys = 0
    public var keyspaceHits = 0
    public var keyspaceMisses = 0
    public var errorReplies = 0
    public var readsProcessed = 0
    public var writesProcessed = 0
}

/// One read batch's clock: the monotonic time of the last command's end and the offset to wall-clock time.
package struct BatchClock {
    package var active = false
    package var monotonicMicroseconds = 0
    package var wallOffsetMicroseconds = 0

    package mutating func begin(_ clock: EngineClock) {
        active = true
        monotonicMicroseconds = clock.monotonicMicroseconds()
        wallOffsetMicroseconds = clock.unixMicroseconds() - monotonicMicroseconds
    }

    package var unixMilliseconds: Int { (monotonicMicroseconds + wallOffsetMicroseconds) / 1000 }
}
