import SwredisBytes
import SwredisConfig
import SwredisEngine
import SwredisKeyspace
import SwredisScripting

#if canImport(Glibc)
import Glibc
#endif

/// INFO: the sections and field names Redis 7.0 prints, with this process's real figures.
public enum InfoCommand {
    /// The named sections (`server`, `clients`, `stats`, `cpu`...), each with its `# Title` line, joined as INFO
    /// joins them; unknown names are left out.
    public static func render(_ names: [String], engine: Engine) -> String {
        names.compactMap { section($0, engine) }.joined(separator: "\r\n")
    }

    /// Every section, in Redis 7.0's order; `all` and `everything` print them all (we have no module sections).
    static let allSections = [
        "server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
        "commandstats", "errorstats", "latencystats", "cluster", "keyspace",
    ]
    static let defaultSections = allSections.filter { $0 != "commandstats" && $0 != "latencystats" }

    static func handler(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        var wanted: [String] = []
        for index in 1..<max(1, args.count) {
            switch args.lowercased(index) {
            case "default": wanted += defaultSections
            case "all": wanted += allSections
            case "everything": wanted += allSections
            case let name: wanted.append(name)
            }
        }
        if wanted.isEmpty { wanted = defaultSections }
        var seen = Set<String>()
        var sections: [String] = []
        for name in wanted where !seen.contains(name) {
            seen.insert(name)
            if let text = section(name, engine) { sections.append(text) }
        }
        client.reply.verbatim(sections.joined(separator: "\r\n"))
    }

    static func section(_ name: String, _ engine: Engine) -> String? {
        let fields: [(String, String)]
        let title: String
        switch name {
        case "server":
            title = "Server"
            fields = server(engine)
        case "clients":
            title = "Clients"
            fields = clients(engine)
        case "memory":
            title = "Memory"
            fields = memory(engine)
        case "persistence":
            title = "Persistence"
            fields = persistence(engine)
        case "stats":
            title = "Stats"
            fields = stats(engine)
        case "replication":
            title = "Replication"
            fields = replication(engine)
        case "cpu":
            title = "CPU"
            fields = cpu()
        case "modules":
            title = "Modules"
            fields = []
        case "errorstats":
            title = "Errorstats"
            fields = engine.errorCounts.sorted { $0.key < $1.key }.map { ("errorstat_\($0.key)", "count=\($0.value)") }
        case "cluster":
            title = "Cluster"
            fields = [("cluster_enabled", engine.cluster == nil ? "0" : "1")]
        case "keyspace":
            title = "Keyspace"
            fields = keyspace(engine)
        case "commandstats":
            title = "Commandstats"
            fields = commandstats(engine)
        case "latencystats":
            title = "Latencystats"
            fields = []
        default: return nil
        }
        return "# \(title)\r\n" + fields.map { "\($0.0):\($0.1)\r\n" }.joined()
    }

    static func server(_ engine: Engine) -> [(String, String)] {
        var names = utsname()
        uname(&names)
        func field<T>(_ value: inout T) -> String {
            withUnsafeBytes(of: &value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let now = engine.clock.unixMicroseconds()
        let uptime = (now / 1000 - engine.startTime) / 1000
        let supervised = getenv("NOTIFY_SOCKET") != nil ? "systemd" : "no"
        return [
            ("redis_version", ServerIdentity.redisVersion), ("redis_git_sha1", "00000000"), ("redis_git_dirty", "0"),
            ("redis_build_id", "5377696674726564"), ("redis_mode", engine.mode),
            ("os", "\(field(&names.sysname)) \(field(&names.release)) \(field(&names.machine))"),
            ("arch_bits", "64"), ("monotonic_clock", "POSIX clock_gettime"), ("multiplexing_api", "epoll"),
            ("atomicvar_api", "c11-builtin"), ("gcc_version", "0.0.0"), ("process_id", String(getpid())),
            ("process_supervised", supervised), ("run_id", engine.runID), ("tcp_port", String(engine.tcpPort)),
            ("server_time_usec", String(now)), ("uptime_in_seconds", String(uptime)),
            ("uptime_in_days", String(uptime / 86400)),
            ("hz", String(engine.config[.hz])), ("configured_hz", String(engine.config[.hz])),
            ("lru_clock", String(Engine.lruClock(now: now / 1000))), ("executable", engine.executablePath),
            ("config_file", engine.configFile), ("io_threads_active", "0"),
            ("swredis_version", ServerIdentity.version),
        ]
    }

    static func clients(_ engine: Engine) -> [(String, String)] {
        [
            ("connected_clients", String(engine.clients.count)), ("cluster_connections", "0"),
            ("maxclients", String(engine.config[.maxclients])), ("client_recent_max_input_buffer", "0"),
            ("client_recent_max_output_buffer", "0"), ("blocked_clients", String(engine.blockedClientCount)),
            ("tracking_clients", "0"),
            ("clients_in_timeout_table", "0"),
        ]
    }

    static func memory(_ engine: Engine) -> [(String, String)] {
        let used = ProcessMetrics.allocatedBytes()
        engine.peakMemory = max(engine.peakMemory, used)
        let rss = ProcessMetrics.residentBytes()
        let total = ProcessMetrics.totalSystemMemory()
        let scripting = engine.scriptingMemory
        let functions = engine.functionsMemory
        let (functionsHeap, functionsBytes) = (functions.heap, functions.bytes)
        let maxmemory = engine.config[.maxmemory]
        let ratio = used > 0 ? Double(rss) / Double(used) : 0
        let peakPercent = engine.peakMemory > 0 ? Double(used) * 100 / Double(engine.peakMemory) : 0
        return [
            ("used_memory", String(used)), ("used_memory_human", ProcessMetrics.human(used)),
            ("used_memory_rss", String(rss)), ("used_memory_rss_human", ProcessMetrics.human(rss)),
            ("used_memory_peak", String(engine.peakMemory)),
            ("used_memory_peak_human", ProcessMetrics.human(engine.peakMemory)),
            ("used_memory_peak_perc", String(format2(peakPercent)) + "%"),
            ("used_memory_overhead", "0"), ("used_memory_startup", String(engine.startupMemory)),
            ("used_memory_dataset", String(max(0, used - engine.startupMemory))),
            // Redis: the dataset's share of what was allocated after startup; with no overhead accounted, all of it.
            ("used_memory_dataset_perc", used > engine.startupMemory ? "100.00%" : "0.00%"),
            ("allocator_allocated", String(used)), ("allocator_active", String(used)),
            ("allocator_resident", String(rss)),
            ("total_system_memory", String(total)), ("total_system_memory_human", ProcessMetrics.human(total)),
            ("used_memory_lua", String(scripting.lua)), ("used_memory_vm_eval", String(scripting.lua)),
            ("used_memory_lua_human", ProcessMetrics.human(scripting.lua)),
            ("used_memory_scripts_eval", String(scripting.scriptBytes)),
            ("number_of_cached_scripts", String(scripting.scripts)),
            ("number_of_functions", String(functions.functions)), ("number_of_libraries", String(functions.libraries)),
            ("used_memory_vm_functions", String(functionsHeap)),
            ("used_memory_vm_total", String(scripting.lua + functionsHeap)),
            ("used_memory_vm_total_human", ProcessMetrics.human(scripting.lua + functionsHeap)),
            ("used_memory_functions", String(functionsBytes)),
            ("used_memory_scripts", String(scripting.scriptBytes + functionsBytes)),
            ("used_memory_scripts_human", ProcessMetrics.human(scripting.scriptBytes + functionsBytes)),
            ("maxmemory", String(maxmemory)), ("maxmemory_human", ProcessMetrics.human(maxmemory)),
            ("maxmemory_policy", engine.config[.maxmemoryPolicy]),
            ("allocator_frag_ratio", "1.00"), ("allocator_frag_bytes", "0"), ("allocator_rss_ratio", "1.00"),
            ("allocator_rss_bytes", "0"), ("rss_overhead_ratio", "1.00"), ("rss_overhead_bytes", "0"),
            ("mem_fragmentation_ratio", format2(ratio)), ("mem_fragmentation_bytes", String(rss - used)),
            ("mem_not_counted_for_evict", "0"), ("mem_replication_backlog", "0"),
            ("mem_total_replication_buffers", "0"),
            ("mem_clients_slaves", "0"), ("mem_clients_normal", "0"), ("mem_cluster_links", "0"),
            ("mem_aof_buffer", "0"),
            ("mem_allocator", "libc"), ("active_defrag_running", "0"), ("lazyfree_pending_objects", "0"),
            ("lazyfreed_objects", "0"),
        ]
    }

    static func format2(_ value: Double) -> String {
        let scaled = (value * 100).rounded() / 100
        var text = String(scaled)
        if let dot = text.firstIndex(of: ".") {
            let decimals = text[text.index(after: dot)...].count
            if decimals < 2 { text += String(repeating: "0", count: 2 - decimals) }
        } else {
            text += ".00"
        }
        return text
    }

    static func persistence(_ engine: Engine) -> [(String, String)] {
        let state = engine.persistence
        let aof = engine.appendOnly
        let now = engine.clock.unixMilliseconds()
        var fields: [(String, String)] = [("loading", state.loading ? "1" : "0"), ("async_loading", "0")]
        fields += [
            ("current_cow_peak", "0"), ("current_cow_size", "0"), ("current_cow_size_age", "0"),
            ("current_fork_perc", "0.00"),
            ("current_save_keys_processed", "0"), ("current_save_keys_total", "0"),
            ("rdb_changes_since_last_save", String(engine.dirty)),
            ("rdb_bgsave_in_progress", state.backgroundSaveInProgress ? "1" : "0"),
            ("rdb_last_save_time", String(engine.lastSaveTime)),
            ("rdb_last_bgsave_status", state.lastBackgroundSaveOK ? "ok" : "err"),
            ("rdb_last_bgsave_time_sec", String(state.lastBackgroundSaveSeconds)),
            (
                "rdb_current_bgsave_time_sec",
                state.backgroundSaveInProgress ? String((now - state.backgroundSaveStartedAt) / 1000) : "-1"
            ),
            ("rdb_saves", String(state.saves)), ("rdb_last_cow_size", "0"),
            ("rdb_last_load_keys_expired", String(state.lastLoadKeysExpired)),
            ("rdb_last_load_keys_loaded", String(state.lastLoadKeysLoaded)),
            ("aof_enabled", engine.appendOnlyLog != nil ? "1" : "0"),
            ("aof_rewrite_in_progress", aof.rewriteInProgress ? "1" : "0"),
            ("aof_rewrite_scheduled", aof.rewriteScheduled ? "1" : "0"),
            ("aof_last_rewrite_time_sec", String(aof.lastRewriteSeconds)),
            (
                "aof_current_rewrite_time_sec",
                aof.rewriteInProgress ? String((now - aof.rewriteStartedAt) / 1000) : "-1"
            ),
            ("aof_last_bgrewrite_status", aof.lastRewriteOK ? "ok" : "err"), ("aof_rewrites", String(aof.rewrites)),
            ("aof_rewrites_consecutive_failures", String(aof.consecutiveFailures)),
            ("aof_last_write_status", engine.appendOnlyBuffer.lastWriteFailure == nil ? "ok" : "err"),
            ("aof_last_cow_size", "0"),
            ("module_fork_in_progress", "0"), ("module_fork_last_cow_size", "0"),
        ]
        if let log = engine.appendOnlyLog {
            fields += [
                ("aof_current_size", String(engine.appendOnlyCurrentSize)), ("aof_base_size", String(aof.baseSize)),
                ("aof_pending_rewrite", aof.rewriteScheduled ? "1" : "0"),
                ("aof_buffer_length", String(engine.appendOnlyBuffer.count)),
                ("aof_pending_bio_fsync", log.backgroundFsyncInFlight ? "1" : "0"), ("aof_delayed_fsync", "0"),
            ]
        }
        if state.loading {
            let elapsed = max(0, (now - state.loadingStartedAt) / 1000)
            let percent =
                state.loadingTotalBytes > 0
                ? Double(state.loadingLoadedBytes) * 100 / Double(state.loadingTotalBytes) : 0
            let rate = elapsed > 0 ? state.loadingLoadedBytes / elapsed : 0
            let eta = rate > 0 ? (state.loadingTotalBytes - state.loadingLoadedBytes) / rate : 1
            fields += [
                ("loading_start_time", String(state.loadingStartedAt / 1000)),
                ("loading_total_bytes", String(state.loadingTotalBytes)), ("loading_rdb_used_mem", "0"),
                ("loading_loaded_bytes", String(state.loadingLoadedBytes)),
                ("loading_loaded_perc", formatPercent(percent)), ("loading_eta_seconds", String(eta)),
            ]
        }
        return fields
    }

    static func formatPercent(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    static func stats(_ engine: Engine) -> [(String, String)] {
        let stats = engine.stats
        return [
            ("total_connections_received", String(stats.totalConnections)),
            ("total_commands_processed", String(stats.commandsProcessed)),
            ("instantaneous_ops_per_sec", String(engine.instantaneousOpsPerSecond)),
            ("total_net_input_bytes", String(stats.netInputBytes)),
            ("total_net_output_bytes", String(stats.netOutputBytes)),
            ("total_net_repl_input_bytes", "0"), ("total_net_repl_output_bytes", "0"),
            ("instantaneous_input_kbps", "0.00"), ("instantaneous_output_kbps", "0.00"),
            ("instantaneous_input_repl_kbps", "0.00"), ("instantaneous_output_repl_kbps", "0.00"),
            ("rejected_connections", String(stats.rejectedConnections)),
            ("sync_full", String(engine.replication.fullSyncs)),
            ("sync_partial_ok", String(engine.replication.partialSyncsAccepted)),
            ("sync_partial_err", String(engine.replication.partialSyncsRefused)),
            ("expired_keys", String(stats.expiredKeys)),
            ("expired_stale_perc", "0.00"), ("expired_time_cap_reached_count", "0"),
            ("expire_cycle_cpu_milliseconds", "0"),
            ("evicted_keys", String(stats.evictedKeys)), ("evicted_clients", "0"),
            ("total_eviction_exceeded_time", "0"),
            ("current_eviction_exceeded_time", "0"), ("keyspace_hits", String(stats.keyspaceHits)),
            ("keyspace_misses", String(stats.keyspaceMisses)),
            ("pubsub_channels", String(engine.channelSubscribers.count)),
            ("pubsub_patterns", String(engine.uniquePatternCount)),
            ("pubsubshard_channels", String(engine.shardSubscribers.count)), ("latest_fork_usec", "0"),
            ("total_forks", "0"), ("migrate_cached_sockets", "0"),
            ("slave_expires_tracked_keys", "0"), ("active_defrag_hits", "0"), ("active_defrag_misses", "0"),
            ("active_defrag_key_hits", "0"), ("active_defrag_key_misses", "0"), ("total_active_defrag_time", "0"),
            ("current_active_defrag_time", "0"), ("tracking_total_keys", "0"), ("tracking_total_items", "0"),
            ("tracking_total_prefixes", "0"), ("unexpected_error_replies", "0"),
            ("total_error_replies", String(stats.errorReplies)), ("dump_payload_sanitizations", "0"),
            ("total_reads_processed", String(stats.readsProcessed)),
            ("total_writes_processed", String(stats.writesProcessed)),
            ("io_threaded_reads_processed", "0"), ("io_threaded_writes_processed", "0"), ("reply_buffer_shrinks", "0"),
            ("reply_buffer_expands", "0"),
        ]
    }

    /// INFO replication, field for field as Redis 7.0's `genRedisInfoString`.
    static func replication(_ engine: Engine) -> [(String, String)] {
        let replication = engine.replication
        let now = engine.clock.unixMilliseconds()
        var fields: [(String, String)] = [("role", replication.isReplica ? "slave" : "master")]
        if let host = replication.masterHost {
            let connected = replication.linkState == .connected
            fields += [
                ("master_host", host), ("master_port", String(replication.masterPort)),
                ("master_link_status", connected ? "up" : "down"),
                (
                    "master_last_io_seconds_ago",
                    connected ? String((now - replication.lastMasterInteraction) / 1000) : "-1"
                ),
                ("master_sync_in_progress", replication.linkState == .sync ? "1" : "0"),
                ("slave_read_repl_offset", String(max(replication.readOffset, replication.offset))),
                ("slave_repl_offset", String(replication.offset)),
            ]
            if replication.linkState == .sync {
                let total = replication.transferSize
                let percent = total > 0 ? Double(replication.transferRead) / Double(total) * 100 : 0
                fields += [
                    ("master_sync_total_bytes", String(total)),
                    ("master_sync_read_bytes", String(replication.transferRead)),
                    ("master_sync_left_bytes", String(total - replication.transferRead)),
                    ("master_sync_perc", format2(percent)),
                    ("master_sync_last_io_seconds_ago", String((now - replication.transferLastIO) / 1000)),
                ]
            }
            if !connected {
                fields.append(
                    (
                        "master_link_down_since_seconds",
                        replication.linkDownSince.map { String((now - $0) / 1000) } ?? "-1"
                    ))
            }
            fields += [
                ("slave_priority", String(engine.config[.replicaPriority])),
                ("slave_read_only", engine.config[.replicaReadOnly] ? "1" : "0"),
                ("replica_announced", engine.config[.replicaAnnounced] ? "1" : "0"),
            ]
        }
        fields.append(("connected_slaves", String(replication.replicas.count)))
        if engine.config[.minReplicasToWrite] > 0 && engine.config[.minReplicasMaxLag] > 0 {
            fields.append(("min_slaves_good_slaves", String(replication.goodReplicas)))
        }
        for (index, replica) in replication.replicas.enumerated() {
            guard let link = replica.replicaLink else { continue }
            let address = link.announcedAddress ?? Engine.host(of: replica.address)
            let lag = link.state == .online ? (now - link.ackTime) / 1000 : 0
            fields.append(
                (
                    "slave\(index)",
                    "ip=\(address),port=\(link.listeningPort),state=\(link.state.infoName),offset=\(link.ackOffset),lag=\(lag)"
                ))
        }
        let backlog = replication.backlog
        fields += [
            ("master_failover_state", "no-failover"),
            ("master_replid", replication.replicationID), ("master_replid2", replication.replicationID2),
            ("master_repl_offset", String(replication.offset)),
            ("second_repl_offset", String(replication.secondOffset)),
            ("repl_backlog_active", backlog == nil ? "0" : "1"),
            ("repl_backlog_size", String(backlog?.capacity ?? engine.config[.replBacklogSize])),
            ("repl_backlog_first_byte_offset", String(backlog?.firstOffset ?? 0)),
            ("repl_backlog_histlen", String(backlog?.historyLength ?? 0)),
        ]
        return fields
    }

    static func cpu() -> [(String, String)] {
        let seconds = ProcessMetrics.cpuSeconds()
        return [
            ("used_cpu_sys", String(format: seconds.system)), ("used_cpu_user", String(format: seconds.user)),
            ("used_cpu_sys_children", "0.000000"), ("used_cpu_user_children", "0.000000"),
            ("used_cpu_sys_main_thread", String(format: seconds.system)),
            ("used_cpu_user_main_thread", String(format: seconds.user)),
        ]
    }

    static func keyspace(_ engine: Engine) -> [(String, String)] {
        let now = engine.clock.unixMilliseconds()
        var fields: [(String, String)] = []
        for (index, db) in engine.databases.enumerated() where db.count > 0 {
            // A running mean: a sum of TTLs near INT64_MAX (PEXPIREAT key 9223372036854775806) would overflow.
            var average = 0
            var counted = 0
            db.expires.forEach { _, when in
                if counted < 1000 {
                    counted += 1
                    average += ((when > now ? when - now : 0) - average) / counted
                }
            }
            fields.append(("db\(index)", "keys=\(db.count),expires=\(db.expires.count),avg_ttl=\(average)"))
        }
        return fields
    }

    static func commandstats(_ engine: Engine) -> [(String, String)] {
        var result: [(String, String)] = []
        func add(_ spec: CommandSpec) {
            if spec.calls > 0 || spec.rejectedCalls > 0 || spec.failedCalls > 0 {
                let perCall = spec.calls > 0 ? Double(spec.microseconds) / Double(spec.calls) : 0
                result.append(
                    (
                        "cmdstat_\(spec.name)",
                        "calls=\(spec.calls),usec=\(spec.microseconds),usec_per_call=\(format2(perCall)),rejected_calls=\(spec.rejectedCalls),failed_calls=\(spec.failedCalls)"
                    ))
            }
            for sub in spec.subcommands.values.sorted(by: { $0.name < $1.name }) { add(sub) }
        }
        for spec in engine.commands.all.sorted(by: { $0.name < $1.name }) { add(spec) }
        return result
    }
}

extension String {
    /// `%.6f`, as Redis prints CPU seconds.
    init(format value: Double) {
        let micros = Int((value * 1_000_000).rounded())
        let fraction = String(micros % 1_000_000)
        self = "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
