import CLua
import SwredisBytes
import SwredisEngine
import SwredisKeyspace
import SwredisLog

extension LuaInterpreter {
    static let noScriptError = "NOSCRIPT No matching script. Please use EVAL."

    /// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO (Redis's `evalGenericCommand`).
    func evaluate(_ caller: ClientSession, _ args: Arguments, bySHA: Bool, readOnly: Bool) {
        if !engine.monitors.isEmpty { engine.feedMonitors(caller, args) }
        // EVALSHA checks the name's length before numkeys (Redis's `evalShaCommand`).
        if bySHA && args[1].count != 40 {
            caller.error(LuaInterpreter.noScriptError)
            return
        }
        guard
            let keyCount = LuaInterpreter.keyCount(
                args, caller, notAnInteger: "ERR value is not an integer or out of range")
        else { return }
        let digest: ScriptDigest
        let script: CachedScript
        if bySHA {
            guard let named = ScriptDigest(args[1]), let cached = scripts[named] else {
                caller.error(LuaInterpreter.noScriptError)
                return
            }
            (digest, script) = (named, cached)
        } else {
            switch create(args[1]) {
            case .success(let created): (digest, script) = created
            case .failure(let error):
                caller.error(error.message)
                return
            }
        }
        let flags = script.flags
        if let refusal = startRefusal(flags, readOnly: readOnly, caller: caller) {
            caller.error(refusal)
            return
        }
        run(
            script, named: digest, readOnly: readOnly, caller: caller, args: args, keys: 3..<(3 + keyCount),
            arguments: (3 + keyCount)..<args.count)
    }

    /// `numkeys` at `args[2]` (EVAL's and FCALL's): the count, or nil once the error was replied. Redis's checks, in
    /// its order: an integer, no more than the arguments after it, not negative.
    static func keyCount(_ args: Arguments, _ caller: ClientSession, notAnInteger: String) -> Int? {
        guard let keyCount = args.integer(2) else {
            caller.error(notAnInteger)
            return nil
        }
        guard keyCount <= args.count - 3 else {
            caller.error("ERR Number of keys can't be greater than number of args")
            return nil
        }
        guard keyCount >= 0 else {
            caller.error("ERR Number of keys can't be negative")
            return nil
        }
        return keyCount
    }

    /// The refusals before a script starts (Redis's `scriptPrepareForRun`): a shebang's flags against the server's
    /// state, or, without one, only a stale replica.
    func startRefusal(_ flags: ScriptFlags, readOnly: Bool, caller: ClientSession) -> String? {
        let stale = engine.isStaleReplica
        guard !flags.contains(.compatibilityMode) else {
            return stale ? "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'." : nil
        }
        if flags.contains(.noCluster) && engine.cluster != nil {
            return "ERR Can not run script on cluster, 'no-cluster' flag is set."
        }
        if stale && !flags.contains(.allowStale) {
            return
                "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script."
        }
        if !flags.contains(.noWrites) {
            if engine.replication.isReplica && engine.replicaReadOnly && !caller.isMaster {
                return "READONLY Can not run script with write flag on readonly replica"
            }
            if engine.writesDeniedByDiskError {
                return
                    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts."
            }
            if let failure = engine.appendOnlyBuffer.lastWriteFailure {
                return
                    "MISCONF Redis is configured to persist data to AOF, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts. AOF error: \(failure)"
            }
            if readOnly { return "ERR Can not execute a script with write flag using *_ro command." }
            if !engine.replication.isReplica && engine.minReplicasToWrite > 0 && !engine.hasEnoughGoodReplicas {
                return Engine.noReplicasError
            }
        }
        if engine.maxMemory > 0 && !flags.contains(.allowOOM) && !flags.contains(.noWrites)
            && !engine.freeMemoryIfNeeded()
        {
            return "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'"
        }
        return nil
    }

    /// Runs cached `script` and writes its result (or its error) to `caller` (Redis's `luaCallFunction`). The
    /// script runs in the script thread; past `busy-reply-threshold` it may yield to the event loop (a top-level
    /// command of a connected client only, never inside MULTI or from the master) and goes on in later turns.
    private func run(
        _ script: CachedScript, named digest: ScriptDigest, readOnly: Bool, caller: ClientSession, args: Arguments,
        keys: Range<Int>, arguments: Range<Int>
    ) {
        let flags = script.flags
        let thread = readyScriptThread()
        state = thread
        lua_settop(thread, 0)
        lua_rawgeti(thread, clua_registryindex(), script.reference)
        pushArray(args, keys)
        clua_set_sealed_global(thread, "KEYS")
        pushArray(args, arguments)
        clua_set_sealed_global(thread, "ARGV")
        let compatible = flags.contains(.compatibilityMode)
        run = ScriptRun(
            caller: caller, readOnly: readOnly || (!compatible && flags.contains(.noWrites)),
            allowOOM: !compatible && flags.contains(.allowOOM),
            outOfMemoryAtStart: engine.maxMemory > 0 && !engine.freeMemoryIfNeeded())
        if engine.clusterScriptRoute != nil {
            run?.allowsCrossSlotKeys = compatible || flags.contains(.allowCrossSlotKeys)
            run?.clusterSlot = keys.first.map { HashSlot.of(args[$0]) }
        }
        start(.script(digest), kind: .eval, caller: caller, argumentCount: 0, args: args)
    }

    /// FCALL / FCALL_RO of `function` with `args[keys]` and `args[arguments]` as its two tables.
    func call(
        _ function: LibraryFunction, caller: ClientSession, args: Arguments, keys: Range<Int>, arguments: Range<Int>,
        readOnly: Bool
    ) {
        let thread = readyScriptThread()
        state = thread
        lua_settop(thread, 0)
        lua_rawgeti(thread, clua_registryindex(), function.reference)
        pushArray(args, keys)
        pushArray(args, arguments)
        run = ScriptRun(
            caller: caller, readOnly: readOnly || function.flags.contains(.noWrites),
            allowOOM: function.flags.contains(.allowOOM),
            outOfMemoryAtStart: engine.maxMemory > 0 && !engine.freeMemoryIfNeeded())
        if engine.clusterScriptRoute != nil {
            run?.allowsCrossSlotKeys = function.flags.contains(.allowCrossSlotKeys)
            run?.clusterSlot = keys.first.map { HashSlot.of(args[$0]) }
        }
        start(.function(function.name), kind: .function, caller: caller, argumentCount: 2, args: args)
    }

    /// Starts the run set up on the script thread (`argumentCount` values on its stack for the first resume):
    /// effects captured, the busy hook armed, the first slice.
    private func start(
        _ name: RunName, kind: BusyScript, caller: ClientSession, argumentCount: Int32, args: Arguments
    ) {
        client.database = caller.database
        let mayYield = canYield && engine.executionDepth == 1 && !caller.isMaster && !caller.isInternal
        pending = PendingRun(
            name: name, kind: kind, caller: caller, effects: engine.beginScriptEffects(), argumentCount: argumentCount)
        engine.scriptTimeSnapshot = engine.commandMilliseconds
        guard let thread = scriptThread else { return }
        clua_busy_begin(
            thread, Int64(engine.commandStartMonotonicMilliseconds), Int64(engine.busyReplyThreshold),
            mayYield ? 1 : 0)
        resume(firstSlice: args)
    }

    /// Runs the script thread until the script ends or yields; a yield comes back here on a later turn of the loop.
    /// `firstSlice`: the command's arguments, still valid during the first slice (FUNCTION STATS keeps a copy once
    /// the function is busy). The pending run is changed in place, never copied (copies cost retains).
    private func resume(firstSlice args: Arguments? = nil) {
        guard let thread = scriptThread, let argumentCount = pending?.argumentCount else { return }
        state = thread
        var status = clua_resume(thread, argumentCount)
        if argumentCount != 0 { pending?.argumentCount = 0 }
        // Slices follow one another for a while before the loop gets a turn for its sockets.
        if status == LUA_YIELD && pending?.busy == true {
            let turnStarted = engine.clock.monotonicMicroseconds()
            while status == LUA_YIELD
                && engine.clock.monotonicMicroseconds() - turnStarted < LuaInterpreter.busySliceMicroseconds
            {
                status = clua_resume(thread, 0)
            }
        }
        if status == LUA_YIELD {
            if let current = pending, !current.busy {
                pending?.busy = true
                if let args, current.kind == .function {
                    pending?.command = (0..<args.count).map { ByteString(args[$0]) }
                }
                serverLog(
                    .warning,
                    "Slow script detected: still in execution after \(engine.busyReplyThreshold) milliseconds. You can try killing the script using the \(current.kind == .eval ? "SCRIPT KILL" : "FUNCTION KILL") command. Script name is: \(current.name.text)."
                )
                engine.scriptBecameBusy(current.kind, caller: current.caller)
            }
            state = mainState
            let interpreter = UncheckedInterpreter(self)
            engine.runOnEngineThreadAfter?(1) { interpreter.value.resume() }
            return
        }
        guard let finished = pending.take() else { return }
        finish(finished, status: status)
    }

    /// The script ended: its effects go out, its result or error is the caller's reply.
    private func finish(_ finished: consuming PendingRun, status: Int32) {
        engine.scriptTimeSnapshot = nil
        if let effects = finished.effects { engine.endScriptEffects(effects) }
        replyProtocolVersion = run?.protocolVersion ?? 2
        run = nil
        if status != 0 {
            clua_annotate_error(state)
            replyError(to: finished.caller, sha: finished.name.text)
        } else {
            // A finished coroutine leaves every value the script returned; the reply is the first (nil if none).
            lua_settop(state, 1)
            writeReply(to: finished.caller, depth: 0)
        }
        lua_settop(state, 0)
        state = mainState
        if finished.busy { engine.busyScriptEnded(caller: finished.caller) }
    }

    /// How long a busy script runs before the loop serves sockets again (then 1 ms passes before the next slice).
    static let busySliceMicroseconds = 20_000

    /// SCRIPT KILL / FUNCTION KILL (`asFunction`) while this interpreter's script is busy: nil when it stops at
    /// its next check, else the refusal (Redis's `scriptKill`: UNKILLABLE first, then the wrong kind's BUSY).
    func killBusyScript(asFunction: Bool) -> String? {
        guard let current = pending, current.busy, let thread = scriptThread else {
            return "NOTBUSY No scripts in execution right now."
        }
        if run?.wroteData == true {
            return
                "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
        }
        if asFunction != (current.kind == .function) { return current.kind.refusal }
        serverLog(.warning, "Lua script killed by user with SCRIPT KILL.")
        clua_busy_kill(thread)
        return nil
    }

    /// The script thread, made anew when the last run failed (a thread that raised an error is dead).
    private func readyScriptThread() -> OpaquePointer {
        if let thread = scriptThread, lua_status(thread) == 0 { return thread }
        let thread = lua_newthread(mainState)!
        lua_setfield(mainState, clua_registryindex(), "swredis.script_thread")
        scriptThread = thread
        return thread
    }

    /// Pushes `args[range]` as a Lua array (KEYS, ARGV).
    private func pushArray(_ args: Arguments, _ range: Range<Int>) {
        lua_createtable(state, Int32(clamping: range.count), 0)
        for (position, index) in range.enumerated() {
            push(args[index])
            lua_rawseti(state, -2, Int32(clamping: position + 1))
        }
    }

    /// The reply for an error the script raised: `<message> script: <sha>, on <source>:<line>.`.
    private func replyError(to caller: ClientSession, sha: String) {
        guard lua_type(state, -1) == LUA_TTABLE else {
            let message = string(at: -1) ?? "execution failure"
            caller.error("ERR Error running script \(sha), \(message.prefix(100))")
            return
        }
        var message = "ERR unknown error"
        lua_getfield(state, -1, "err")
        if lua_isstring(state, -1) != 0, let text = string(at: -1) { message = text }
        clua_pop(state, 1)
        lua_getfield(state, -1, "source")
        let source = lua_isstring(state, -1) != 0 ? string(at: -1) : nil
        clua_pop(state, 1)
        lua_getfield(state, -1, "line")
        let line = lua_isstring(state, -1) != 0 ? string(at: -1) : nil
        clua_pop(state, 1)
        if let source, let line { message += " script: \(sha), on \(source):\(line)." }
        replyErrorTable(message, to: caller)
    }

    /// Replies with the error of the error table on top of the stack, counting it in the error statistics unless
    /// the command that raised it already did (`ignore_error_stats_update`).
    private func replyErrorTable(_ message: String, to caller: ClientSession) {
        lua_getfield(state, -1, "ignore_error_stats_update")
        let alreadyCounted = lua_toboolean(state, -1) != 0
        clua_pop(state, 1)
        if alreadyCounted {
            caller.currentCommandFailed = true
            caller.reply.error(message)
        } else {
            caller.error(message)
        }
    }

    /// Writes the value on top of the stack as `caller`'s reply and pops it (Redis's `luaReplyToRedisReply`).
    func writeReply(to caller: ClientSession, depth: Int) {
        defer { clua_pop(state, 1) }
        guard depth < 200, lua_checkstack(state, 4) != 0 else {
            caller.reply.error("ERR reached lua stack limit")
            return
        }
        switch lua_type(state, -1) {
        case LUA_TSTRING:
            var length = 0
            if let pointer = lua_tolstring(state, -1, &length) {
                caller.reply.bulk(UnsafeRawBufferPointer(start: pointer, count: length))
            }
        case LUA_TBOOLEAN:
            let value = lua_toboolean(state, -1) != 0
            if replyProtocolVersion == 2 {
                if value { caller.reply.integer(1) } else { caller.reply.null() }
            } else {
                caller.reply.boolean(value)
            }
        case LUA_TNUMBER:
            caller.reply.integer(LuaInterpreter.truncatedInteger(lua_tonumber(state, -1)))
        case LUA_TTABLE:
            writeTable(to: caller, depth: depth)
        default:
            caller.reply.null()
        }
    }

    /// C's `(long long)` of a Lua number as x86-64 computes it: out of range (and NaN) gives INT64_MIN.
    static func truncatedInteger(_ value: Double) -> Int {
        guard value.isFinite, value > -9.223_372_036_854_775_808e18, value < 9.223_372_036_854_775_808e18 else {
            return Int.min
        }
        return Int(value.rounded(.towardZero))
    }

    private func field(_ name: String) -> Int32 {
        push(name)
        lua_rawget(state, -2)
        return lua_type(state, -1)
    }

    private func writeTable(to caller: ClientSession, depth: Int) {
        if field("err") == LUA_TSTRING {
            let message = string(at: -1) ?? ""
            clua_pop(state, 1)
            replyErrorTable(message, to: caller)
            return
        }
        clua_pop(state, 1)
        if field("ok") == LUA_TSTRING {
            let status = (string(at: -1) ?? "").map { $0 == "\r" || $0 == "\n" ? " " : $0 }
            caller.reply.simple(String(status))
            clua_pop(state, 1)
            return
        }
        clua_pop(state, 1)
        if field("double") == LUA_TNUMBER {
            caller.replyScore(lua_tonumber(state, -1))
            clua_pop(state, 1)
            return
        }
        clua_pop(state, 1)
        if field("big_number") == LUA_TSTRING {
            let number = String((string(at: -1) ?? "").map { $0 == "\r" || $0 == "\n" ? " " : $0 })
            if caller.reply.isRESP3 { caller.reply.raw("(\(number)\r\n") } else { caller.reply.bulk(number) }
            clua_pop(state, 1)
            return
        }
        clua_pop(state, 1)
        if field("verbatim_string") == LUA_TTABLE {
            lua_getfield(state, -1, "format")
            lua_getfield(state, -2, "string")
            if lua_type(state, -2) == LUA_TSTRING, lua_type(state, -1) == LUA_TSTRING,
                let format = bytes(at: -2), let text = bytes(at: -1)
            {
                if caller.reply.isRESP3 {
                    caller.reply.raw("=\(text.count + 4)\r\n")
                    caller.reply.buffer.writeBytes(format.prefix(3))
                    caller.reply.buffer.writeBytes([UInt8(ascii: ":")] + text + [13, 10])
                } else {
                    caller.reply.bulk(bytes: text)
                }
                clua_pop(state, 3)
                return
            }
            clua_pop(state, 2)
        }
        clua_pop(state, 1)
        if field("map") == LUA_TTABLE {
            let count = pairCount()
            caller.reply.mapHeader(count)
            lua_pushnil(state)
            while lua_next(state, -2) != 0 {
                lua_pushvalue(state, -2)
                writeReply(to: caller, depth: depth + 1)
                writeReply(to: caller, depth: depth + 1)
            }
            clua_pop(state, 1)
            return
        }
        clua_pop(state, 1)
        if field("set") == LUA_TTABLE {
            let count = pairCount()
            caller.reply.setHeader(count)
            lua_pushnil(state)
            while lua_next(state, -2) != 0 {
                clua_pop(state, 1)
                lua_pushvalue(state, -1)
                writeReply(to: caller, depth: depth + 1)
            }
            clua_pop(state, 1)
            return
        }
        clua_pop(state, 1)
        var count = 0
        while true {
            lua_rawgeti(state, -1, Int32(clamping: count + 1))
            let missing = lua_type(state, -1) == LUA_TNIL
            clua_pop(state, 1)
            if missing || count == Int(Int32.max) - 1 { break }
            count += 1
        }
        caller.reply.arrayHeader(count)
        for index in 0..<count {
            lua_rawgeti(state, -1, Int32(index + 1))
            writeReply(to: caller, depth: depth + 1)
        }
    }

    /// How many entries the table on top of the stack holds.
    private func pairCount() -> Int {
        var count = 0
        lua_pushnil(state)
        while lua_next(state, -2) != 0 {
            clua_pop(state, 1)
            count += 1
        }
        return count
    }
}

extension Engine {
    /// Why a script's first write is refused (Redis's `scriptVerifyWriteCommandAllow`), as a `-CODE message`.
    func scriptWriteRefusal(_ caller: ClientSession) -> String? {
        if replication.isReplica && replicaReadOnly && !caller.isMaster { return "-" + Engine.readOnlyReplicaError }
        if let refusal = diskErrorRefusal { return "-" + refusal }
        if minReplicasToWrite > 0 && !hasEnoughGoodReplicas { return "-" + Engine.noReplicasError }
        return nil
    }
}
