import CLua
import SwredisBytes
import SwredisClient
import SwredisEngine
import SwredisKeyspace
import SwredisLog

/// `redis.*` for scripts: each returns how many results it pushed, or `CLUA_RAISE` with the error on top of the
/// stack (the C trampoline raises it once Swift has returned).
extension LuaInterpreter {
    func dispatch(_ state: OpaquePointer, _ function: RedisLuaFunction) -> Int32 {
        // The caller may be a coroutine of the script (pcall runs functions as coroutines): the API works on its
        // stack for the call.
        let outer = self.state
        self.state = state
        defer { self.state = outer }
        switch function {
        case .call: return redisCall(raise: true)
        case .pcall: return redisCall(raise: false)
        case .errorReply:
            guard lua_gettop(state) == 1, lua_type(state, -1) == LUA_TSTRING, let text = string(at: -1) else {
                pushErrorTable("wrong number or type of arguments")
                return 1
            }
            pushErrorTable(text.hasPrefix("-") ? text : "-" + text)
            return 1
        case .statusReply:
            guard lua_gettop(state) == 1, lua_type(state, -1) == LUA_TSTRING else {
                pushErrorTable("wrong number or type of arguments")
                return 1
            }
            lua_createtable(state, 0, 1)
            lua_pushvalue(state, -2)
            lua_setfield(state, -2, "ok")
            return 1
        case .sha1hex:
            guard lua_gettop(state) == 1 else { return raise("wrong number of arguments") }
            push(SHA1.hex(bytes(at: 1) ?? []))
            return 1
        case .log: return log()
        case .setResp:
            guard run != nil else { return raise("redis.setresp can only be called inside a script invocation") }
            guard lua_gettop(state) == 1 else { return raise("redis.setresp() requires one argument.") }
            let version = Int(exactly: lua_tonumber(state, 1).rounded(.towardZero)) ?? 0
            guard version == 2 || version == 3 else { return raise("RESP version must be 2 or 3.") }
            run?.protocolVersion = version
            return 0
        case .setRepl:
            guard run != nil else { return raise("redis.set_repl can only be called inside a script invocation") }
            guard lua_gettop(state) == 1 else { return raise("redis.set_repl() requires two arguments.") }
            let number = lua_tonumber(state, -1)
            guard let flags = Int(exactly: number.rounded(.towardZero)), flags & ~3 == 0 else {
                return raise("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
            }
            engine.scriptEffects?.targets = PropagationTargets(rawValue: UInt8(flags))
            return 0
        case .replicateCommands:
            lua_pushboolean(state, 1)
            return 1
        case .breakpoint:
            lua_pushboolean(state, 0)
            return 1
        case .debug:
            return 0
        case .aclCheckCommand:
            guard run != nil else {
                return raise("redis.acl_check_cmd can only be called inside a script invocation")
            }
            switch withStackArguments({ engine.resolvedCommand($0) != nil }) {
            case .failure(let error): return raise(error.message)
            case .success(false): return raise("Invalid command passed to redis.acl_check_cmd()")
            case .success(true):
                lua_pushboolean(state, 1)
                return 1
            }
        }
    }

    private func raise(_ message: String) -> Int32 {
        pushErrorTable(message)
        return CLUA_RAISE
    }

    private func log() -> Int32 {
        let count = lua_gettop(state)
        guard count >= 2 else { return raise("redis.log() requires two arguments or more.") }
        guard lua_isnumber(state, 1) != 0 else { return raise("First argument must be a number (log level).") }
        let number = lua_tonumber(state, 1)
        guard number >= 0, number <= 3 else { return raise("Invalid debug level.") }
        let level: RedisLogFormat.Level = [.debug, .verbose, .notice, .warning][Int(number)]
        let words = (2...count).compactMap { string(at: $0) }
        serverLog(level, words.joined(separator: " "))
        return 0
    }

    /// Runs `body` with the arguments on the stack as a command, read in place from the Lua strings (numbers are
    /// first replaced by their `%.17g` text), then pops them; Redis's error when there are none or one is neither a
    /// string nor a number.
    private func withStackArguments<Outcome>(_ body: (Arguments) -> Outcome) -> Result<Outcome, ScriptError> {
        defer { lua_settop(state, 0) }
        let count = lua_gettop(state)
        guard count > 0 else {
            return .failure(ScriptError("Please specify at least one argument for this redis lib call"))
        }
        argumentSpans.removeAll(keepingCapacity: true)
        var base: UnsafeRawPointer?
        for index in 1...count {
            if lua_type(state, index) == LUA_TNUMBER {
                push(ScoreFormat.format(lua_tonumber(state, index)))
                lua_replace(state, index)
            }
            var length = 0
            guard lua_type(state, index) == LUA_TSTRING, let pointer = lua_tolstring(state, index, &length) else {
                return .failure(ScriptError("Lua redis lib command arguments must be strings or integers"))
            }
            let start = UnsafeRawPointer(pointer)
            let origin = base ?? start
            base = origin
            argumentSpans.append(start - origin)
            argumentSpans.append(length)
        }
        guard let base else {
            return .failure(ScriptError("Please specify at least one argument for this redis lib call"))
        }
        return .success(
            argumentSpans.withUnsafeBufferPointer { spans in
                // `spans` is not empty: the stack held at least one argument.
                body(Arguments(base: base, spans: spans.baseAddress!, count: Int(count)))
            })
    }

    /// `redis.call` / `redis.pcall` (Redis's `luaRedisGenericCommand` and `scriptCall`).
    private func redisCall(raise: Bool) -> Int32 {
        guard run != nil else { return self.raise("redis.call/pcall can only be called inside a script invocation") }
        switch withStackArguments({ execute($0) }) {
        case .failure(let error):
            pushErrorTable(error.message)
            return raise ? CLUA_RAISE : 1
        case .success(let refusal?):
            pushErrorTable(refusal, ignoreStatistics: true)
            return raise ? CLUA_RAISE : 1
        case .success(nil):
            let isError = pushCommandReply()
            return raise && isError ? CLUA_RAISE : 1
        }
    }

    /// Converts the reply the script client received and empties its buffer (parsed in place, so the buffer's
    /// storage is reused by the next command); returns whether it was an error.
    private func pushCommandReply() -> Bool {
        defer { client.reply.buffer.clear() }
        if pushIntegerOrBulkReply() { return false }
        guard let token = try? RESPToken(consuming: &client.reply.buffer) else {
            lua_pushboolean(state, 0)
            return false
        }
        pushReply(token, protocolVersion: run?.protocolVersion ?? 2)
        switch token.value {
        case .simpleError, .bulkError: return true
        default: return false
        }
    }

    /// Pushes an integer or bulk-string reply (what most commands a script runs answer) straight from the reply's
    /// bytes, which then hold that one reply; false, with nothing pushed, for any other reply.
    private func pushIntegerOrBulkReply() -> Bool {
        client.reply.buffer.withUnsafeReadableBytes { bytes in
            let count = bytes.count
            guard count >= 4, bytes[count - 2] == 13, bytes[count - 1] == 10 else { return false }
            switch bytes[0] {
            case UInt8(ascii: ":"):
                guard
                    let value = StringNumbers.parseCanonicalInteger(
                        UnsafeRawBufferPointer(rebasing: bytes[1..<(count - 2)]))
                else { return false }
                lua_pushnumber(state, Double(value))
                return true
            case UInt8(ascii: "$"):
                guard let lineEnd = bytes[1...].firstIndex(of: 13),
                    let length = StringNumbers.parseCanonicalInteger(
                        UnsafeRawBufferPointer(rebasing: bytes[1..<lineEnd])),
                    length >= 0, length <= count, lineEnd + 2 + length + 2 == count,
                    let base = bytes.baseAddress
                else { return false }
                lua_pushlstring(state, (base + lineEnd + 2).assumingMemoryBound(to: CChar.self), length)
                return true
            default:
                return false
            }
        }
    }

    /// Runs one command for the script after the checks Redis's `scriptCall` makes; returns the refusal, if any.
    private func execute(_ args: Arguments) -> String? {
        guard var run, let command = engine.resolvedCommand(args) else {
            return "Unknown Redis command called from script"
        }
        guard command.acceptsArgumentCount(args.count) else {
            return "Wrong number of args calling Redis command from script"
        }
        if command.flags.contains(.noscript) { return "This Redis command is not allowed from script" }
        if engine.isStaleReplica && !command.flags.contains(.stale) {
            return "Can not execute the command on a stale replica"
        }
        if run.readOnly && !command.flags.isDisjoint(with: [.write, .mayReplicate]) {
            return "Write commands are not allowed from read-only scripts."
        }
        if command.flags.contains(.write) && !run.wroteData {
            if let refusal = engine.scriptWriteRefusal(run.caller) { return refusal }
        }
        if !run.allowOOM && !run.wroteData && run.outOfMemoryAtStart && command.flags.contains(.denyOOM) {
            return "-" + Engine.oomError
        }
        if command.flags.contains(.write) {
            run.wroteData = true
            self.run = run
        }
        if let route = engine.clusterScriptRoute, let refusal = clusterRefusal(route, &run, command, args) {
            return refusal
        }
        client.reply.protocolVersion = run.protocolVersion
        engine.call(client, command, args)
        return nil
    }

    /// Cluster mode: the command's keys must be served here and, unless the script allows cross-slot keys, share
    /// the slot of the keys used before (Redis's `scriptVerifyClusterState`).
    private func clusterRefusal(
        _ route: (ClientSession, CommandSpec, Arguments) -> (refusal: String?, slot: Int?), _ run: inout ScriptRun,
        _ command: CommandSpec, _ args: Arguments
    ) -> String? {
        let routed = route(run.caller, command, args)
        if let refusal = routed.refusal { return refusal }
        guard let slot = routed.slot, !run.allowsCrossSlotKeys else { return nil }
        guard let first = run.clusterSlot else {
            run.clusterSlot = slot
            self.run = run
            return nil
        }
        return first == slot ? nil : "Script attempted to access keys that do not hash to the same slot"
    }

    /// Converts a command's reply into the Lua value a script sees (Redis's `redisProtocolToLuaType`).
    func pushReply(_ token: RESPToken, protocolVersion: Int) {
        guard lua_checkstack(state, 4) != 0 else { return }
        switch token.value {
        case .number(let number):
            lua_pushnumber(state, Double(number))
        case .bulkString(let bytes):
            bytes.withUnsafeReadableBytes { push($0) }
        case .simpleString(let bytes):
            lua_createtable(state, 0, 1)
            bytes.withUnsafeReadableBytes { push($0) }
            lua_setfield(state, -2, "ok")
        case .simpleError(let bytes), .bulkError(let bytes):
            pushErrorTable("-" + String(buffer: bytes), ignoreStatistics: true)
        case .null:
            if protocolVersion == 2 { lua_pushboolean(state, 0) } else { lua_pushnil(state) }
        case .boolean(let value):
            lua_pushboolean(state, value ? 1 : 0)
        case .double(let value):
            lua_createtable(state, 0, 1)
            lua_pushnumber(state, value)
            lua_setfield(state, -2, "double")
        case .bigNumber(let bytes):
            lua_createtable(state, 0, 1)
            bytes.withUnsafeReadableBytes { push($0) }
            lua_setfield(state, -2, "big_number")
        case .verbatimString(let bytes):
            let text = Array(bytes.readableBytesView)
            lua_createtable(state, 0, 1)
            lua_createtable(state, 0, 2)
            text.dropFirst(min(4, text.count)).withUnsafeBytes { push($0) }
            lua_setfield(state, -2, "string")
            text.prefix(3).withUnsafeBytes { push($0) }
            lua_setfield(state, -2, "format")
            lua_setfield(state, -2, "verbatim_string")
        case .array(let elements), .push(let elements):
            lua_createtable(state, Int32(clamping: elements.count), 0)
            var index = 1
            for element in elements {
                lua_pushnumber(state, Double(index))
                pushReply(element, protocolVersion: protocolVersion)
                lua_settable(state, -3)
                index += 1
            }
        case .map(let elements):
            lua_createtable(state, 0, 1)
            lua_createtable(state, 0, Int32(clamping: elements.count / 2))
            var iterator = elements.makeIterator()
            while let key = iterator.next(), let value = iterator.next() {
                pushReply(key, protocolVersion: protocolVersion)
                pushReply(value, protocolVersion: protocolVersion)
                lua_settable(state, -3)
            }
            lua_setfield(state, -2, "map")
        case .set(let elements):
            lua_createtable(state, 0, 1)
            lua_createtable(state, 0, Int32(clamping: elements.count))
            for element in elements {
                pushReply(element, protocolVersion: protocolVersion)
                lua_pushboolean(state, 1)
                lua_settable(state, -3)
            }
            lua_setfield(state, -2, "set")
        case .attribute:
            lua_pushnil(state)
        }
    }
}
