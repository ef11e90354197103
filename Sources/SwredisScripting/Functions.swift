import CLua
import SwredisBytes
import SwredisEngine

/// FUNCTION and FCALL on an engine (Redis's `functions.c`): the libraries are made on first use and kept in the
/// engine's `functionLibraries` slot.
extension Engine {
    var libraries: FunctionLibraries? {
        if let libraries = functionLibraries as? FunctionLibraries { return libraries }
        guard let libraries = FunctionLibraries(engine: self) else { return nil }
        functionLibraries = libraries
        return libraries
    }

    /// FUNCTION LOAD [REPLACE] code: the library name, or the error to reply.
    public func loadFunctionLibrary(_ code: [UInt8], replace: Bool, client: ClientSession) -> Result<
        String, ScriptLoadError
    > {
        guard let libraries else {
            return .failure(ScriptLoadError(message: "ERR Lua interpreter could not be created"))
        }
        let timeout = client.isMaster || client.isInternal ? 0 : FunctionLibraries.loadTimeoutMilliseconds
        switch libraries.load(code, replace: replace, timeout: timeout) {
        case .success(let name):
            dirty += 1
            return .success(name)
        case .failure(let error):
            return .failure(ScriptLoadError(message: "ERR " + error.message))
        }
    }

    /// An RDB's libraries replace the current ones (no load timeout); the first error.
    public func replaceFunctionLibraries(with codes: [[UInt8]]) -> String? {
        (functionLibraries as? FunctionLibraries)?.flush()
        guard !codes.isEmpty else { return nil }
        guard let libraries else { return "Lua interpreter could not be created" }
        for code in codes {
            if case .failure(let error) = libraries.load(code, replace: false, timeout: 0) { return error.message }
        }
        return nil
    }

    /// How FUNCTION RESTORE treats the libraries already there.
    public enum RestorePolicy: Sendable {
        /// Drop them all first.
        case flush
        /// Keep them; a library of the same name is an error.
        case append
        /// Keep them; a library of the same name is replaced.
        case replace
    }

    /// FUNCTION RESTORE of decoded library codes: nil on success, else Redis's error text (without `ERR `). Every
    /// library is first loaded into a scratch interpreter, so a payload that fails changes nothing.
    public func restoreFunctionLibraries(_ codes: [[UInt8]], policy: RestorePolicy, client: ClientSession) -> String? {
        guard let scratch = FunctionLibraries(engine: self), let libraries else {
            return "Lua interpreter could not be created"
        }
        let timeout = client.isMaster || client.isInternal ? 0 : FunctionLibraries.loadTimeoutMilliseconds
        var incoming: [(name: String, functions: [String])] = []
        for code in codes {
            switch scratch.load(code, replace: false, timeout: timeout) {
            case .success(let name):
                incoming.append((name, scratch.libraries[name]?.functions.map(\.name) ?? []))
            case .failure(let error):
                return error.message
            }
        }
        if policy != .flush {
            let replaced = Set(policy == .replace ? incoming.map(\.name) : [])
            for library in incoming {
                if libraries.libraries[library.name] != nil && policy == .append {
                    return "Library \(library.name) already exists"
                }
                for function in library.functions {
                    if let owner = libraries.owners[function.lowercased()], !replaced.contains(owner) {
                        return "Function \(function) already exists"
                    }
                }
            }
        } else {
            libraries.flush()
        }
        for code in codes { _ = libraries.load(code, replace: policy == .replace, timeout: 0) }
        dirty += 1
        return nil
    }

    /// FUNCTION DELETE: false when there is no such library.
    public func deleteFunctionLibrary(_ name: String) -> Bool {
        guard let libraries = functionLibraries as? FunctionLibraries, libraries.delete(name) else { return false }
        dirty += 1
        return true
    }

    /// FUNCTION FLUSH (always counted as a change, as Redis counts it).
    public func flushFunctionLibraries() {
        (functionLibraries as? FunctionLibraries)?.flush()
        dirty += 1
    }

    /// The libraries for FUNCTION LIST: name, code and functions (name, description, flag names), sorted by name.
    public func functionLibraryList() -> [(name: String, code: [UInt8], functions: [(String, String?, [String])])] {
        guard let libraries = functionLibraries as? FunctionLibraries else { return [] }
        return libraries.libraries.values.sorted { $0.name < $1.name }.map { library in
            (
                library.name, library.code,
                library.functions.map { function in
                    (
                        function.name, function.description,
                        ScriptFlags.names.filter { function.flags.contains($0.1) }.map(\.0)
                    )
                }
            )
        }
    }

    /// FUNCTION STATS: the running function (name, command, duration in ms) and the counts.
    public func functionStats() -> (
        running: (name: String, command: [ByteString], milliseconds: Int)?, libraries: Int, functions: Int
    ) {
        let libraries = functionLibraries as? FunctionLibraries
        var running: (String, [ByteString], Int)?
        if busyScript == .function, let pending = libraries?.interpreter.pending {
            running = (pending.name.text, pending.command, Int(clua_busy_elapsed_ms()))
        }
        return (running, libraries?.libraries.count ?? 0, libraries?.functionCount ?? 0)
    }

    /// FCALL / FCALL_RO (Redis's `fcallCommandGeneric`).
    public func callFunction(_ client: ClientSession, _ args: Arguments, readOnly: Bool) {
        if !monitors.isEmpty { feedMonitors(client, args) }
        guard let libraries = functionLibraries as? FunctionLibraries,
            let function = libraries.function(named: args[1])
        else {
            client.error("ERR Function not found")
            return
        }
        guard let keyCount = LuaInterpreter.keyCount(args, client, notAnInteger: "ERR Bad number of keys provided")
        else { return }
        // Redis derives FCALL's flags from the function's: without allow-oom or no-writes it is denied over maxmemory
        // by the command's own check.
        if maxMemory > 0 && !function.flags.contains(.allowOOM) && !function.flags.contains(.noWrites)
            && !freeMemoryIfNeeded()
        {
            client.error(Engine.oomError)
            return
        }
        if let refusal = libraries.interpreter.startRefusal(function.flags, readOnly: readOnly, caller: client) {
            client.error(refusal)
            return
        }
        libraries.interpreter.call(
            function, caller: client, args: args, keys: 3..<(3 + keyCount), arguments: (3 + keyCount)..<args.count,
            readOnly: readOnly)
    }

    /// INFO memory's function fields: libraries, functions, the functions interpreter's heap, and the bytes the
    /// libraries take (their code and names over a fixed overhead, as Redis's `functionsMemoryOverhead` counts).
    public var functionsMemory: (libraries: Int, functions: Int, heap: Int, bytes: Int) {
        guard let libraries = functionLibraries as? FunctionLibraries else {
            return (0, 0, LuaInterpreter.emptyHeapBytes, FunctionLibraries.emptyOverheadBytes)
        }
        return (
            libraries.libraries.count, libraries.functionCount, libraries.interpreter.memory, libraries.memoryBytes
        )
    }
}
