import SwredisBytes
import SwredisKeyspace

/// The one command table: every command the engine knows, declared once with arity,
/// flags and key positions. Dispatch, COMMAND INFO/DOCS/GETKEYS and INFO commandstats all read it.
public final class CommandTable {
    private var table = HashTable<CommandSpec>(capacity: 256)
    /// Every command in declaration order (renamed ones under their new name).
    public private(set) var all: [CommandSpec] = []

    /// A table of `declarations` (the data server's come from SwredisCommands' `StandardCommands.all`).
    public init(_ declarations: [CommandSpec]) {
        for spec in declarations { register(spec, as: spec.name) }
    }

    private func register(_ spec: CommandSpec, as name: String) {
        table.set(ByteString(name), spec)
        all.append(spec)
    }

    /// Applies `rename-command`: the command answers to the new name only; an empty name removes it.
    package func applyRenames(_ renames: [(from: String, to: String)]) {
        for rename in renames {
            guard let spec = table.remove(ByteString(rename.from.lowercased())) else { continue }
            all.removeAll { $0 === spec }
            if !rename.to.isEmpty { register(spec, as: rename.to.lowercased()) }
        }
    }

    /// Finds a command by name, case-insensitively, without allocating for names up to 32 bytes.
    public func lookup(_ name: UnsafeRawBufferPointer) -> CommandSpec? {
        guard name.count <= 32 else { return lookup(name: String(decoding: name, as: UTF8.self)) }
        var scratch: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &scratch) { raw -> CommandSpec? in
            for index in 0..<name.count {
                let byte = name[index]
                raw[index] = (byte >= 65 && byte <= 90) ? byte | 0x20 : byte
            }
            let lowered = UnsafeRawBufferPointer(rebasing: raw[0..<name.count])
            guard let position = table.index(of: lowered) else { return nil }
            return table.value(at: position)
        }
    }

    public func lookup(name: String) -> CommandSpec? {
        table[ByteString(name.lowercased())]
    }
}
