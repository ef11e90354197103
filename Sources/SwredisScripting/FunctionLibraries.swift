import CLua
import SwredisBytes
import SwredisConfig
import SwredisEngine
import SwredisKeyspace

/// One registered function of a library.
struct LibraryFunction {
    let name: String
    let description: String?
    let flags: ScriptFlags
    /// The callback, in the functions interpreter's registry (`luaL_ref`).
    let reference: Int32
}

/// A library loaded with FUNCTION LOAD: its whole code (shebang included, as RDB, AOF and LIST WITHCODE carry it)
/// and its functions in registration order.
struct FunctionLibrary {
    let name: String
    let code: [UInt8]
    let functions: [LibraryFunction]
}

/// The function libraries of an engine (Redis's `functions.c`) and the Lua interpreter they run in, separate from
/// EVAL's as in Redis. Function names are looked up ignoring case; library names are case-sensitive.
final class FunctionLibraries {
    let interpreter: LuaInterpreter
    private(set) var libraries: [String: FunctionLibrary] = [:]
    /// Lower-cased function name → library name.
    private(set) var owners: [String: String] = [:]
    /// ASCII-lower-cased function name → the function FCALL runs (a library may hold names differing only in case;
    /// the last registered wins, as in Redis). Names are ASCII letters, digits and underscores.
    private var callable = HashTable<LibraryFunction>()

    /// How long a library's code may run while it loads (none for the master and the AOF).
    static let loadTimeoutMilliseconds: Int64 = 500

    init?(engine: Engine) {
        guard let interpreter = LuaInterpreter(engine: engine, forFunctions: true) else { return nil }
        self.interpreter = interpreter
    }

    var functionCount: Int { libraries.values.reduce(0) { $0 + $1.functions.count } }

    /// What an empty function engine reports as `used_memory_functions`.
    static let emptyOverheadBytes = 184

    /// The libraries' code, names and descriptions, with a fixed cost per library and per function.
    var memoryBytes: Int {
        libraries.values.reduce(FunctionLibraries.emptyOverheadBytes) { total, library in
            total + 96 + library.code.count + library.name.utf8.count
                + library.functions.reduce(0) { $0 + 64 + $1.name.utf8.count + ($1.description?.utf8.count ?? 0) }
        }
    }

    /// The function `name` (any case), found without allocating for names of up to 23 bytes.
    func function(named name: UnsafeRawBufferPointer) -> LibraryFunction? {
        withUnsafeTemporaryAllocation(byteCount: name.count, alignment: 1) { lowered in
            for index in 0..<name.count {
                let byte = name[index]
                lowered[index] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            }
            guard let position = callable.index(of: UnsafeRawBufferPointer(lowered)) else { return nil }
            return callable.value(at: position)
        }
    }

    /// FUNCTION LOAD: the library's name, or Redis's error text (without `ERR `).
    func load(_ code: [UInt8], replace: Bool, timeout: Int64) -> Result<String, ScriptError> {
        let header: LibraryHeader
        switch LibraryHeader.parse(code) {
        case .success(let parsed): header = parsed
        case .failure(let error): return .failure(error)
        }
        if libraries[header.name] != nil && !replace {
            return .failure(ScriptError("Library '\(header.name)' already exists"))
        }
        let functions: [LibraryFunction]
        switch interpreter.loadLibrary(code, bodyStart: header.bodyStart, timeout: timeout) {
        case .success(let registered): functions = registered
        case .failure(let error): return .failure(error)
        }
        guard !functions.isEmpty else { return .failure(ScriptError("No functions registered")) }
        for function in functions {
            if let owner = owners[function.name.lowercased()], owner != header.name {
                release(functions)
                return .failure(ScriptError("Function \(function.name) already exists"))
            }
        }
        if let old = libraries[header.name] { remove(old) }
        libraries[header.name] = FunctionLibrary(name: header.name, code: code, functions: functions)
        for function in functions {
            owners[function.name.lowercased()] = header.name
            callable.set(ByteString(function.name.lowercased()), function)
        }
        return .success(header.name)
    }

    /// FUNCTION DELETE: false when there is no such library.
    func delete(_ name: String) -> Bool {
        guard let library = libraries[name] else { return false }
        remove(library)
        return true
    }

    /// FUNCTION FLUSH.
    func flush() {
        for library in libraries.values { remove(library) }
    }

    private func remove(_ library: FunctionLibrary) {
        libraries.removeValue(forKey: library.name)
        for function in library.functions where owners[function.name.lowercased()] == library.name {
            owners.removeValue(forKey: function.name.lowercased())
            callable.remove(ByteString(function.name.lowercased()))
        }
        release(library.functions)
    }

    private func release(_ functions: [LibraryFunction]) {
        for function in functions { luaL_unref(interpreter.mainState, clua_registryindex(), function.reference) }
    }
}

/// The `#!<engine> name=<library>` line that starts a library (Redis's `functionExtractLibMetaData`).
struct LibraryHeader {
    let name: String
    /// Where the code after the shebang starts: at its newline, so the user's first line is line 2.
    let bodyStart: Int

    static func parse(_ code: [UInt8]) -> Result<LibraryHeader, ScriptError> {
        guard code.count >= 2, code[0] == UInt8(ascii: "#"), code[1] == UInt8(ascii: "!") else {
            return .failure(ScriptError("Missing library metadata"))
        }
        guard let end = code.firstIndex(of: 10) else { return .failure(ScriptError("Invalid library metadata")) }
        guard let parts = ConfigFileLoader.splitArguments(String(decoding: code[0..<end], as: UTF8.self)),
            let first = parts.first
        else {
            return .failure(ScriptError("Invalid library metadata"))
        }
        let engine = first.hasPrefix("#!") ? String(first.dropFirst(2)) : first
        var name: String?
        for part in parts.dropFirst() {
            guard part.lowercased().hasPrefix("name=") else {
                return .failure(ScriptError("Invalid metadata value given: \(part)"))
            }
            guard name == nil else {
                return .failure(ScriptError("Invalid metadata value, name argument was given multiple times"))
            }
            name = String(part.dropFirst(5))
        }
        guard let name else { return .failure(ScriptError("Library name was not given")) }
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || isAlphanumeric($0) }) else {
            return .failure(
                ScriptError(
                    "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"
                ))
        }
        guard engine.lowercased() == "lua" else { return .failure(ScriptError("Engine '\(engine)' not found")) }
        return .success(LibraryHeader(name: name, bodyStart: end))
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
