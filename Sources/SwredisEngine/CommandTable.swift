import SwredisBytes
import SwredisKeyspace

/// The one command table: every command the engine serves, built from declarations (what a command is, see
/// `CommandDeclaration`) and bindings (its handler, by name). Dispatch, COMMAND INFO/DOCS/GETKEYS and INFO
/// commandstats all read it.
public final class CommandTable {
    private var table = HashTable<CommandSpec>(capacity: 256)
    /// Every command in declaration order (renamed ones under their new name).
    public private(set) var all: [CommandSpec] = []

    /// A declaration without a binding, a binding without a declaration, or a subcommand before its container.
    public struct BindingMismatch: Error, CustomStringConvertible {
        public let description: String
    }

    /// The specs of `declarations` bound to `bindings`; every declaration needs a binding and every binding a
    /// declaration, so a command cannot be served undeclared nor declared unserved.
    public static func specs(_ declarations: [CommandDeclaration], _ bindings: [CommandBinding]) throws(BindingMismatch)
        -> [CommandSpec]
    {
        var byName: [String: CommandBinding] = [:]
        for binding in bindings {
            guard byName.updateValue(binding, forKey: binding.name) == nil else {
                throw BindingMismatch(description: "'\(binding.name)' is bound twice")
            }
        }
        var subcommands: [Substring: [CommandSpec]] = [:]
        for declaration in declarations {
            guard let container = declaration.containerName else { continue }
            guard let binding = byName.removeValue(forKey: declaration.name) else {
                throw BindingMismatch(description: "'\(declaration.name)' is declared but has no handler")
            }
            subcommands[container, default: []].append(CommandSpec(declaration, binding))
        }
        var specs: [CommandSpec] = []
        for declaration in declarations where declaration.containerName == nil {
            guard let binding = byName.removeValue(forKey: declaration.name) else {
                throw BindingMismatch(description: "'\(declaration.name)' is declared but has no handler")
            }
            let subs = subcommands.removeValue(forKey: Substring(declaration.name)) ?? []
            specs.append(CommandSpec(declaration, binding, subcommands: subs))
        }
        if let orphan = subcommands.keys.first {
            throw BindingMismatch(description: "subcommands of '\(orphan)' are declared without the container")
        }
        if let unbound = byName.keys.sorted().first {
            throw BindingMismatch(description: "'\(unbound)' has a handler but no declaration")
        }
        return specs
    }

    /// A table of `specs` (the data server's come from SwredisCommands' `StandardCommands.all`).
    public init(_ specs: [CommandSpec]) {
        for spec in specs { register(spec, as: spec.name) }
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
