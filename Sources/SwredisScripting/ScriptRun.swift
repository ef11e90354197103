import SwredisBytes
import SwredisEngine

/// One script invocation (Redis's `scriptRunCtx`): who called, what it may do, what it did so far.
struct ScriptRun {
    /// The client whose EVAL runs (held strongly: a strong reference costs less to copy than an unowned one, and the
    /// run ends before the client can go).
    let caller: ClientSession
    /// EVAL_RO / EVALSHA_RO, or a shebang without writes: write commands are refused.
    let readOnly: Bool
    /// A shebang's `allow-oom`: commands run over `maxmemory`.
    let allowOOM: Bool
    /// `maxmemory` was exceeded when the script started (writes that grow memory are refused until one ran).
    let outOfMemoryAtStart: Bool
    /// A write command ran: later checks on the server's state no longer stop the script half-way.
    var wroteData = false
    /// `redis.setresp`: the protocol commands answer the script in.
    var protocolVersion = 2
    /// Cluster mode: keys of other slots than the first one may be used (scripts without a shebang, or
    /// `allow-cross-slot-keys`).
    var allowsCrossSlotKeys = true
    /// Cluster mode: the slot of the keys used so far (the declared keys', then the first command's).
    var clusterSlot: Int?
}

/// A script between its start and its reply: what `finish` needs once the script thread stops.
struct PendingRun {
    /// The script's SHA-1, or the function's name (error replies and the slow-script log name it).
    let name: RunName
    let kind: BusyScript
    let caller: ClientSession
    /// The capture of its writes (nil inside MULTI, whose EXEC wraps them).
    let effects: ScriptEffects?
    /// Values on the thread's stack for the first resume (a function's KEYS and ARGV tables).
    var argumentCount: Int32 = 0
    /// A busy function's command (FUNCTION STATS).
    var command: [ByteString] = []
    /// It yielded past `busy-reply-threshold`: the engine is busy until it ends.
    var busy = false
}

/// The interpreter handed to the event loop for the next slice of a busy script; it only ever runs there.
struct UncheckedInterpreter: @unchecked Sendable {
    let value: LuaInterpreter
    init(_ value: LuaInterpreter) { self.value = value }
}

/// Flags a `#!lua` shebang declares (Redis's `SCRIPT_FLAG_*`); a script without a shebang runs in compatibility
/// mode.
struct ScriptFlags: OptionSet {
    let rawValue: Int

    static let noWrites = ScriptFlags(rawValue: 1 << 0)
    static let allowOOM = ScriptFlags(rawValue: 1 << 1)
    static let allowStale = ScriptFlags(rawValue: 1 << 2)
    static let noCluster = ScriptFlags(rawValue: 1 << 3)
    static let allowCrossSlotKeys = ScriptFlags(rawValue: 1 << 4)
    /// No shebang: the legacy rules for EVAL scripts.
    static let compatibilityMode = ScriptFlags(rawValue: 1 << 5)

    static let names: [(String, ScriptFlags)] = [
        ("no-writes", .noWrites), ("allow-oom", .allowOOM), ("allow-stale", .allowStale),
        ("no-cluster", .noCluster), ("allow-cross-slot-keys", .allowCrossSlotKeys),
    ]

    /// Reads the shebang line of `body`, if any: its flags and its length (the line is compiled as an empty line so
    /// line numbers stay the user's), or Redis's error text.
    static func parseShebang(_ body: [UInt8]) -> Result<(flags: ScriptFlags, length: Int), ShebangError> {
        guard body.count >= 2, body[0] == UInt8(ascii: "#"), body[1] == UInt8(ascii: "!") else {
            return .success((.compatibilityMode, 0))
        }
        guard let end = body.firstIndex(of: 10) else { return .failure(ShebangError("Invalid script shebang")) }
        let line = String(decoding: body[0..<end], as: UTF8.self)
        let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let engine = parts.first else { return .failure(ShebangError("Invalid engine in script shebang")) }
        guard engine == "#!lua" else {
            return .failure(ShebangError("Unexpected engine in script shebang: \(engine)"))
        }
        var flags: ScriptFlags = []
        for part in parts.dropFirst() {
            guard part.hasPrefix("flags=") else {
                return .failure(ShebangError("Unknown lua shebang option: \(part)"))
            }
            for name in part.dropFirst(6).split(separator: ",", omittingEmptySubsequences: false) {
                guard let flag = names.first(where: { $0.0 == name })?.1 else {
                    return .failure(ShebangError("Unexpected flag in script shebang: \(name)"))
                }
                flags.insert(flag)
            }
        }
        return .success((flags, end))
    }
}

struct ShebangError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
