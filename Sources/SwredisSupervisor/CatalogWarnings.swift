import SwredisConfig

#if canImport(Glibc)
import Glibc
#endif

/// The security checks of `swredisd check`: settings that load and run, but expose data or break replication.
extension InstanceCatalog {
    /// Passwords in files others can read, and listeners reachable from other hosts without a password.
    static func securityWarnings(_ store: ConfigStore, _ origins: ConfigOrigins, instanceFile: String)
        -> [ConfigWarning]
    {
        var warnings: [ConfigWarning] = []
        for secret in [StringSetting.requirepass, .masterauth] {
            let directive = secret.rawValue
            guard !store[secret].isEmpty, let origin = origins[directive] else { continue }
            var status = stat()
            guard stat(origin.file, &status) == 0, status.st_mode & 0o004 != 0 else { continue }
            let mode = String(status.st_mode & 0o777, radix: 8)
            warnings.append(
                ConfigWarning(
                    file: origin.file, line: origin.line,
                    message: "'\(directive)' is in a file every user can read (mode \(mode)): "
                        + "chmod 640 it and give it the group swredis"))
        }
        let exposed = store[.bind].filter { !isLoopbackBind($0) }
        if store[.requirepass].isEmpty && (!exposed.isEmpty || store[.bind].isEmpty) {
            let origin = origins["bind"] ?? (file: instanceFile, line: 0)
            let addresses = exposed.isEmpty ? "all interfaces" : exposed.joined(separator: " ")
            let guardText =
                store[.protectedMode]
                ? "protected-mode refuses those clients until a password is set"
                : "protected-mode is off, so anyone who reaches the port can read and write every key"
            warnings.append(
                ConfigWarning(
                    file: origin.file, line: origin.line,
                    message: "listening on \(addresses) without requirepass: \(guardText)"))
        }
        return warnings
    }

    /// A replica of a local master that requires a password, with no `masterauth` of its own, can never sync.
    static func replicaAuthenticationWarnings(
        _ instances: [InstanceDefinition],
        _ stores: [String: (store: ConfigStore, origins: ConfigOrigins)]
    ) -> [ConfigWarning] {
        let byPort = Dictionary(instances.map { ($0.port, $0) }, uniquingKeysWith: { first, _ in first })
        return instances.compactMap { replica in
            guard let address = replica.master, isLocal(address.host), let master = byPort[address.port],
                let masterStore = stores[master.file]?.store, let loaded = stores[replica.file],
                !masterStore[.requirepass].isEmpty, loaded.store[.masterauth].isEmpty
            else { return nil }
            let origin = loaded.origins["replicaof"] ?? (file: replica.file, line: 0)
            return ConfigWarning(
                file: origin.file, line: origin.line,
                message: "master '\(master.name)' requires a password but this replica has no masterauth: "
                    + "it will never sync")
        }
    }

    /// Whether a `bind` address only accepts connections from this host (`-` marks an optional address).
    static func isLoopbackBind(_ address: String) -> Bool {
        let plain = address.hasPrefix("-") ? String(address.dropFirst()) : address
        return plain == "::1" || plain == "localhost" || plain.hasPrefix("127.")
    }
}
