import CLua
import NIOCore
import SwredisBytes
import SwredisEngine

/// The functions `redis.*` offers a script, dispatched from `clua_trampoline` by number.
enum RedisLuaFunction: Int32 {
    case call, pcall, errorReply, statusReply, sha1hex, log, setResp, setRepl, replicateCommands, breakpoint,
        debug, aclCheckCommand
}

/// The Lua interpreter of one engine, set up as Redis 7.0's `scriptingInit` sets up its own: Lua 5.1 with base,
/// table, string, math, cjson and bit, the `redis` table, Redis's `pcall` and `math.random`, an error handler that
/// records where an error happened, and read-only globals. Compiled scripts live in the registry (`luaL_ref`).
/// Garbage is left to Lua's incremental collector: Redis also forces a step every 50 scripts, which cost some 5% of
/// server CPU per pipelined EVALSHA here and bounds no latency the incremental collector leaves unbounded.
/// Runs on the engine thread only.
final class LuaInterpreter {
    /// The Lua state that holds the libraries, the globals and the cache.
    let mainState: OpaquePointer
    /// The state `redis.*`, the conversions and the cache work on: `mainState`, or the script thread while a script
    /// runs (its arguments and results are on that thread's stack).
    var state: OpaquePointer
    /// The coroutine scripts run in, kept in the registry; reused while runs end normally (one that failed is dead).
    var scriptThread: OpaquePointer?
    /// Whether scripts may yield to the event loop past `busy-reply-threshold` (`clua_yield_supported`).
    private(set) var canYield = false
    /// The run in progress, between its start and its reply (across yields when it is busy).
    var pending: PendingRun?
    unowned(unsafe) let engine: Engine
    /// The client scripts run their commands as (MONITOR shows it as `lua`).
    let client: ClientSession
    /// The cached scripts by SHA-1, with their shebang flags and their compiled functions.
    var scripts: [ScriptDigest: CachedScript] = [:]
    /// Bytes of cached script bodies and names (INFO used_memory_scripts_eval).
    var scriptsMemory = 0
    /// The invocation running now, if any.
    var run: ScriptRun?
    /// The protocol the last script chose with `redis.setresp`, which its return value is converted by.
    var replyProtocolVersion = 2
    /// `redis.call`'s argument offsets and lengths, reused from call to call.
    var argumentSpans: [Int] = []

    static let redisVersion = "7.0.15"
    static let redisVersionNumber = 0x07_00_0f

    /// `forFunctions`: the interpreter of FUNCTION libraries, with the library environment (`FunctionSandbox`).
    init?(engine: Engine, forFunctions: Bool = false) {
        guard let state = luaL_newstate() else { return nil }
        mainState = state
        self.state = state
        self.engine = engine
        client = engine.createDetachedClient(address: "lua", allocator: ByteBufferAllocator())
        client.inTransaction = true
        LuaInterpreter.installCallbacks
        guard setUp(forFunctions: forFunctions), !forFunctions || FunctionSandbox.install(on: state) else {
            lua_close(state)
            return nil
        }
    }

    deinit {
        lua_close(mainState)
    }

    /// The C side's entry points into Swift, registered once per process.
    private static let installCallbacks: Void = {
        clua_set_dispatcher { state, context, function in
            guard let state, let context, let name = RedisLuaFunction(rawValue: function) else { return 0 }
            return Unmanaged<LuaInterpreter>.fromOpaque(context).takeUnretainedValue().dispatch(state, name)
        }
    }()

    /// `forFunctions`: the function engine's `redis` has no replicate_commands, breakpoint or debug (EVAL-only).
    private func setUp(forFunctions: Bool) -> Bool {
        clua_open_libraries(state)
        clua_install_redis_pcall(state)
        let context = Unmanaged.passUnretained(self).toOpaque()
        lua_createtable(state, 0, 32)
        let functions: [(String, RedisLuaFunction)] = [
            ("call", .call), ("pcall", .pcall), ("error_reply", .errorReply), ("status_reply", .statusReply),
            ("sha1hex", .sha1hex), ("log", .log), ("setresp", .setResp), ("set_repl", .setRepl),
            ("replicate_commands", .replicateCommands), ("breakpoint", .breakpoint), ("debug", .debug),
            ("acl_check_cmd", .aclCheckCommand),
        ]
        let evalOnly: Set<String> = forFunctions ? ["replicate_commands", "breakpoint", "debug"] : []
        for (name, function) in functions where !evalOnly.contains(name) {
            clua_push_function(state, context, function.rawValue)
            lua_setfield(state, -2, name)
        }
        let numbers: [(String, Int)] = [
            ("LOG_DEBUG", 0), ("LOG_VERBOSE", 1), ("LOG_NOTICE", 2), ("LOG_WARNING", 3), ("REPL_NONE", 0),
            ("REPL_AOF", 1), ("REPL_SLAVE", 2), ("REPL_REPLICA", 2), ("REPL_ALL", 3),
            ("REDIS_VERSION_NUM", LuaInterpreter.redisVersionNumber),
        ]
        for (name, value) in numbers {
            lua_pushnumber(state, Double(value))
            lua_setfield(state, -2, name)
        }
        lua_pushstring(state, LuaInterpreter.redisVersion)
        lua_setfield(state, -2, "REDIS_VERSION")
        clua_setglobal(state, "redis")
        clua_install_redis_random(state)
        guard installErrorHandler() else { return false }
        clua_seal_globals(state)
        canYield = clua_yield_supported(state) != 0
        return true
    }

    /// Redis's `__redis__err__handler`: turns what a script raised into a table with `err`, and adds where it
    /// happened (the caller's position when a C function such as `redis.call` raised it).
    private func installErrorHandler() -> Bool {
        let source = """
            local getinfo = debug.getinfo
            return function(raised)
              local frame = getinfo(2, 'nSl')
              if frame and frame.what == 'C' then frame = getinfo(3, 'nSl') end
              if type(raised) ~= 'table' then raised = {err = 'ERR ' .. tostring(raised)} end
              if frame then
                raised['source'] = frame.source
                raised['line'] = frame.currentline
              end
              return raised
            end
            """
        guard luaL_loadbuffer(state, source, source.utf8.count, "@err_handler_def") == 0,
            lua_pcall(state, 0, 1, 0) == 0
        else { return false }
        lua_pushvalue(state, -1)
        clua_setglobal(state, "__redis__err__handler")
        lua_setfield(state, clua_registryindex(), "swredis.error_handler")
        return true
    }

    // MARK: The cache

    /// Compiles `body` into the cache when it is not there; returns its SHA-1 and the cached script, or Redis's
    /// error text.
    func create(_ raw: UnsafeRawBufferPointer) -> Result<(ScriptDigest, CachedScript), ScriptError> {
        let digest = ScriptDigest(hashing: raw)
        if let cached = scripts[digest] { return .success((digest, cached)) }
        let body = Array(raw)
        let flags: ScriptFlags
        let shebangLength: Int
        switch ScriptFlags.parseShebang(body) {
        case .success(let parsed): (flags, shebangLength) = (parsed.flags, parsed.length)
        case .failure(let error): return .failure(ScriptError("ERR " + error.message))
        }
        var chunk = Array(body[shebangLength...])
        // Stock Lua also loads precompiled bytecode, which Redis's does not: a leading space makes it text again.
        if chunk.first == 0x1b { chunk.insert(UInt8(ascii: " "), at: 0) }
        chunk.append(0)
        let status = chunk.withUnsafeBufferPointer { pointer in
            pointer.withMemoryRebound(to: CChar.self) { text in
                luaL_loadbuffer(state, text.baseAddress, text.count - 1, "@user_script")
            }
        }
        guard status == 0 else {
            let message = string(at: -1) ?? "unknown error"
            clua_pop(state, 1)
            return .failure(ScriptError("ERR Error compiling script (new function): \(message)"))
        }
        let cached = CachedScript(flags: flags, reference: luaL_ref(state, clua_registryindex()))
        scripts[digest] = cached
        scriptsMemory += body.count + 40
        return .success((digest, cached))
    }

    // MARK: Helpers over the Lua API

    func string(at index: Int32) -> String? {
        var length = 0
        guard let pointer = lua_tolstring(state, index, &length) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    func bytes(at index: Int32) -> [UInt8]? {
        var length = 0
        guard let pointer = lua_tolstring(state, index, &length) else { return nil }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    func push(_ bytes: UnsafeRawBufferPointer) {
        if let base = bytes.baseAddress {
            lua_pushlstring(state, base.assumingMemoryBound(to: CChar.self), bytes.count)
        } else {
            lua_pushlstring(state, [0], 0)
        }
    }

    func push(_ text: String) {
        var text = text
        text.withUTF8 { push(UnsafeRawBufferPointer($0)) }
    }

    /// Pushes Redis's error table for `text` (`luaPushErrorBuff`): `-CODE message` keeps its code, anything else
    /// gets `ERR`; trailing CR/LF go.
    func pushErrorTable(_ text: String, ignoreStatistics: Bool = false) {
        var code = "ERR"
        var message = Substring(text)
        if text.hasPrefix("-") {
            let body = text.dropFirst()
            if let space = body.firstIndex(of: " ") {
                code = String(body[..<space])
                message = body[body.index(after: space)...]
            } else {
                message = body
            }
        }
        while let last = message.last, last == "\r" || last == "\n" || last == "\r\n" { message = message.dropLast() }
        lua_createtable(state, 0, 2)
        push("\(code) \(message)")
        lua_setfield(state, -2, "err")
        if ignoreStatistics {
            lua_pushboolean(state, 1)
            lua_setfield(state, -2, "ignore_error_stats_update")
        }
    }

    /// Compiles a library's code (from `bodyStart`, its shebang's newline) in the library environment, runs it with
    /// `timeout` ms at most (0: none), and returns what it registered, or Redis's error text.
    func loadLibrary(_ code: [UInt8], bodyStart: Int, timeout: Int64) -> Result<[LibraryFunction], ScriptError> {
        let top = lua_gettop(mainState)
        defer { lua_settop(mainState, top) }
        let compiled = code[bodyStart...].withUnsafeBytes { body in
            luaL_loadbuffer(
                mainState, body.baseAddress?.assumingMemoryBound(to: CChar.self), body.count, "@user_function")
        }
        guard compiled == 0 else {
            return .failure(ScriptError("Error compiling function: \(string(at: -1) ?? "")"))
        }
        lua_getfield(mainState, clua_registryindex(), "swredis.functions.environment")
        lua_setfenv(mainState, -2)
        lua_getfield(mainState, clua_registryindex(), "swredis.functions.begin")
        guard lua_pcall(mainState, 0, 0, 0) == 0 else { return .failure(ScriptError("Error registering functions")) }
        clua_load_deadline(mainState, timeout)
        let ran = lua_pcall(mainState, 0, 0, 0)
        clua_clear_hook(mainState)
        let failure = ran == 0 ? nil : errorText(at: -1)
        lua_getfield(mainState, clua_registryindex(), "swredis.functions.finish")
        guard lua_pcall(mainState, 0, 1, 0) == 0, lua_type(mainState, -1) == LUA_TTABLE else {
            return .failure(ScriptError("Error registering functions"))
        }
        if let failure { return .failure(ScriptError("Error registering functions: \(failure)")) }
        var functions: [LibraryFunction] = []
        let count = Int(lua_objlen(mainState, -1))
        for index in 0..<count {
            lua_rawgeti(mainState, -1, Int32(index + 1))
            lua_getfield(mainState, -1, "name")
            let name = string(at: -1) ?? ""
            clua_pop(mainState, 1)
            lua_getfield(mainState, -1, "description")
            let description = lua_type(mainState, -1) == LUA_TSTRING ? string(at: -1) : nil
            clua_pop(mainState, 1)
            var flags: ScriptFlags = []
            lua_getfield(mainState, -1, "flags")
            for (flagName, flag) in ScriptFlags.names {
                lua_getfield(mainState, -1, flagName)
                if lua_toboolean(mainState, -1) != 0 { flags.insert(flag) }
                clua_pop(mainState, 1)
            }
            clua_pop(mainState, 1)
            lua_getfield(mainState, -1, "callback")
            let reference = luaL_ref(mainState, clua_registryindex())
            clua_pop(mainState, 1)
            functions.append(LibraryFunction(name: name, description: description, flags: flags, reference: reference))
        }
        return .success(functions)
    }

    /// The text of the error value at `index`: an error table's `err`, else `ERR ` and the message.
    private func errorText(at index: Int32) -> String {
        if lua_type(mainState, index) == LUA_TTABLE {
            lua_getfield(mainState, index, "err")
            defer { clua_pop(mainState, 1) }
            return string(at: -1) ?? "ERR unknown error"
        }
        return "ERR " + (string(at: index) ?? "unknown error")
    }

    /// Bytes the Lua heap uses (INFO used_memory_lua).
    var memory: Int { Int(lua_gc(state, LUA_GCCOUNT, 0)) * 1024 + Int(lua_gc(state, LUA_GCCOUNTB, 0)) }
}

/// A reply error text (with its code, without the leading `-`).
struct ScriptError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
