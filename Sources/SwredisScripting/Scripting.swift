import CLua
import SwredisBytes
import SwredisEngine

/// The scripting commands' entry points on an engine: EVAL and SCRIPT run through the engine's Lua interpreter,
/// made on first use and kept in the engine's `scripting` slot.
extension Engine {
    var luaInterpreter: LuaInterpreter? {
        if let interpreter = scripting as? LuaInterpreter { return interpreter }
        guard let interpreter = LuaInterpreter(engine: self) else { return nil }
        scripting = interpreter
        return interpreter
    }

    /// EVAL / EVALSHA and their `_RO` forms.
    public func evaluateScript(_ client: ClientSession, _ args: Arguments, bySHA: Bool, readOnly: Bool) {
        guard let interpreter = luaInterpreter else {
            client.error("ERR Lua interpreter could not be created")
            return
        }
        interpreter.evaluate(client, args, bySHA: bySHA, readOnly: readOnly)
    }

    /// SCRIPT LOAD: compiles and caches `body`; the SHA-1, or Redis's error text.
    public func loadScript(_ body: UnsafeRawBufferPointer) -> Result<String, ScriptLoadError> {
        guard let interpreter = luaInterpreter else {
            return .failure(ScriptLoadError(message: "ERR Lua interpreter could not be created"))
        }
        switch interpreter.create(body) {
        case .success(let (digest, _)): return .success(digest.text)
        case .failure(let error): return .failure(ScriptLoadError(message: error.message))
        }
    }

    /// SCRIPT EXISTS for one name (exact, lowercase as SCRIPT LOAD returns it).
    public func scriptExists(_ sha: UnsafeRawBufferPointer) -> Bool {
        guard let digest = ScriptDigest(sha) else { return false }
        return (scripting as? LuaInterpreter)?.scripts[digest] != nil
    }

    /// SCRIPT FLUSH: a new interpreter, an empty cache.
    public func flushScripts() {
        scripting = nil
    }

    /// SCRIPT KILL / FUNCTION KILL (`function`): nil when the busy script will stop at its next check, else the
    /// error to reply (NOTBUSY, UNKILLABLE, or BUSY naming the other KILL).
    public func killBusyScript(function: Bool) -> String? {
        let interpreter: LuaInterpreter?
        switch busyScript {
        case .eval: interpreter = scripting as? LuaInterpreter
        case .function: interpreter = (functionLibraries as? FunctionLibraries)?.interpreter
        case nil: interpreter = nil
        }
        guard let interpreter else { return "NOTBUSY No scripts in execution right now." }
        return interpreter.killBusyScript(asFunction: function)
    }

    /// INFO memory's scripting fields: the Lua heap, cached scripts and their bytes.
    public var scriptingMemory: (lua: Int, scripts: Int, scriptBytes: Int) {
        guard let interpreter = scripting as? LuaInterpreter else { return (LuaInterpreter.emptyHeapBytes, 0, 0) }
        return (interpreter.memory, interpreter.scripts.count, interpreter.scriptsMemory)
    }
}

/// SCRIPT LOAD's refusal, as the reply error text.
public struct ScriptLoadError: Error {
    public let message: String
}

extension LuaInterpreter {
    /// What a fresh interpreter's heap takes, reported before the first script creates one.
    static let emptyHeapBytes = 31 * 1024
}
