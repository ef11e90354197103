import SwredisEngine
import SwredisKeyspace

#if canImport(Glibc)
import Glibc
#endif

/// SENTINEL MONITOR, SET, CONFIG and DEBUG: validation and error texts as redis-sentinel 7.0 has them.
enum SentinelAdministration {
    static func monitor(_ controller: SentinelController, _ client: ClientSession, _ args: Arguments) {
        guard let quorum = args.integer(5), quorum <= Int(Int32.max) else { return client.error("ERR Invalid quorum") }
        guard let port = args.integer(4) else { return client.error("ERR Invalid port") }
        guard quorum > 0 else { return client.error("ERR Quorum must be 1 or greater.") }
        let name = args.string(3)
        guard let host = SentinelResolver.address(name, resolveHostnames: controller.globals.resolveHostnames) else {
            return client.error("ERR Invalid IP address or hostname specified")
        }
        guard (0...65535).contains(port) else { return client.error("ERR Invalid port number.") }
        var settings = MasterSettings(quorum: quorum)
        settings.downAfter = controller.core.periods.defaultDownAfter
        settings.failoverTimeout = controller.core.periods.defaultFailoverTimeout
        let actions: [SentinelAction]
        do {
            actions = try controller.core.monitor(
                name: args.string(2),
                address: SentinelAddress(host: host, port: port, hostname: host == name ? nil : name),
                settings: settings,
                now: SentinelController.now())
        } catch {
            return client.error("ERR Duplicate master name.")
        }
        if controller.flush() { client.reply.ok() } else { client.error(SentinelCommands.saveFailed) }
        controller.perform(actions.filter { $0 != .persist })
    }

    static func set(_ controller: SentinelController, _ client: ClientSession, _ args: Arguments) {
        let name = args.string(2)
        guard controller.core.master(named: name) != nil else { return client.error(SentinelCommands.noSuchMaster) }
        var changed = false
        var index = 3
        func finish(_ error: String?) {
            if changed && !controller.flush() && error == nil { return client.error(SentinelCommands.saveFailed) }
            if let error { client.error(error) } else { client.reply.ok() }
        }
        while index < args.count {
            let option = args.string(index)
            let lowered = option.lowercased()
            let valueIndex = index + 1
            guard valueIndex < args.count else {
                return finish("ERR Unknown option or number of arguments for SENTINEL SET '\(option)'")
            }
            let value = args.string(valueIndex)
            let invalid = "ERR Invalid argument '\(value)' for SENTINEL SET '\(option)'"
            var shown = value
            switch lowered {
            case "down-after-milliseconds", "failover-timeout", "parallel-syncs", "quorum",
                "master-reboot-down-after-period":
                let minimum = lowered == "master-reboot-down-after-period" ? 0 : 1
                // Redis keeps these in C ints; larger values are refused rather than wrapped.
                guard let number = Int64(value), number >= minimum, number <= Int64(Int32.max) else {
                    return finish(invalid)
                }
                controller.core.updateSettings(of: name) {
                    switch lowered {
                    case "down-after-milliseconds": $0.downAfter = number
                    case "failover-timeout": $0.failoverTimeout = number
                    case "parallel-syncs": $0.parallelSyncs = Int(number)
                    case "quorum": $0.quorum = Int(number)
                    default: $0.masterRebootDownAfter = number
                    }
                }
            case "notification-script", "client-reconfig-script":
                if controller.globals.denyScriptsReconfig {
                    return finish(
                        "ERR Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your Sentinel configuration"
                    )
                }
                if !value.isEmpty && access(value, X_OK) != 0 {
                    return finish(
                        lowered == "notification-script"
                            ? "ERR Notification script seems non existing or non executable"
                            : "ERR Client reconfiguration script seems non existing or non executable")
                }
                controller.core.updateSettings(of: name) {
                    if lowered == "notification-script" {
                        $0.notificationScript = value.isEmpty ? nil : value
                    } else {
                        $0.clientReconfigScript = value.isEmpty ? nil : value
                    }
                }
            case "auth-pass", "auth-user":
                controller.core.updateSettings(of: name) {
                    if lowered == "auth-pass" {
                        $0.authPass = value.isEmpty ? nil : value
                    } else {
                        $0.authUser = value.isEmpty ? nil : value
                    }
                }
                if lowered == "auth-pass" { shown = "******" }
                controller.dropLinks(ofMaster: name, sentinels: false)
            case "rename-command":
                guard valueIndex + 1 < args.count else {
                    return finish("ERR Unknown option or number of arguments for SENTINEL SET '\(option)'")
                }
                let renamed = args.string(valueIndex + 1)
                guard !value.isEmpty, !renamed.isEmpty else {
                    return finish("ERR Invalid argument '' for SENTINEL SET '\(option)'")
                }
                controller.core.updateSettings(of: name) {
                    if value.lowercased() == renamed.lowercased() {
                        $0.renamedCommands.removeValue(forKey: value.uppercased())
                    } else {
                        $0.renamedCommands[value.uppercased()] = renamed
                    }
                }
                shown = "\(value) \(renamed)"
                index += 1
            default:
                return finish("ERR Unknown option or number of arguments for SENTINEL SET '\(option)'")
            }
            changed = true
            controller.perform(controller.core.event(.warning, "+set", about: .master(name), " \(option) \(shown)"))
            index += 2
        }
        finish(nil)
    }

    static let configParameters = [
        "resolve-hostnames", "announce-hostnames", "announce-ip", "announce-port", "sentinel-user", "sentinel-pass",
    ]

    static func config(_ controller: SentinelController, _ client: ClientSession, _ args: Arguments) {
        let verb = args.lowercased(2)
        if verb == "get" && args.count == 4 {
            let pattern = args.string(3)
            let globals = controller.globals
            let values: [String: String] = [
                "resolve-hostnames": globals.resolveHostnames ? "yes" : "no",
                "announce-hostnames": globals.announceHostnames ? "yes" : "no",
                "announce-ip": globals.announceIP ?? "", "announce-port": String(globals.announcePort),
                "sentinel-user": globals.sentinelUser ?? "", "sentinel-pass": globals.sentinelPass ?? "",
            ]
            let matching = configParameters.filter { GlobPattern.matches(pattern, $0, nocase: true) }
            client.reply.mapHeader(matching.count)
            for name in matching {
                client.reply.bulk(name)
                client.reply.bulk(values[name] ?? "")
            }
            return
        }
        guard verb == "set" && args.count == 5 else {
            return client.error("ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.")
        }
        let parameter = args.string(3)
        let value = args.string(4)
        let invalid = "ERR Invalid value '\(value)' to SENTINEL CONFIG SET '\(parameter)'"
        var dropSentinelLinks = false
        switch parameter.lowercased() {
        case "resolve-hostnames", "announce-hostnames":
            guard ["yes", "no"].contains(value.lowercased()) else { return client.error(invalid) }
            if parameter.lowercased() == "resolve-hostnames" {
                controller.globals.resolveHostnames = value.lowercased() == "yes"
            } else {
                controller.globals.announceHostnames = value.lowercased() == "yes"
                controller.core.announceHostnames = controller.globals.announceHostnames
            }
        case "announce-ip":
            controller.globals.announceIP = value
            controller.core.announceIP = value
        case "announce-port":
            guard let port = Int(value), (0...65535).contains(port) else { return client.error(invalid) }
            controller.globals.announcePort = port
            controller.core.announcePort = port
        case "sentinel-user":
            controller.globals.sentinelUser = value.isEmpty ? nil : value
            dropSentinelLinks = true
        case "sentinel-pass":
            controller.globals.sentinelPass = value.isEmpty ? nil : value
            dropSentinelLinks = true
        default:
            return client.error("ERR Invalid argument '\(parameter)' to SENTINEL CONFIG SET")
        }
        if controller.flush() { client.reply.ok() } else { client.error(SentinelCommands.saveFailed) }
        if dropSentinelLinks { controller.dropSentinelLinks() }
    }

    static func debug(_ controller: SentinelController, _ client: ClientSession, _ args: Arguments) {
        guard args.count > 2 else {
            let periods = controller.core.periods
            client.reply.mapHeader(SentinelPeriods.names.count)
            for (name, path) in SentinelPeriods.names {
                client.reply.bulk(name)
                client.reply.bulk(String(periods[keyPath: path]))
            }
            return
        }
        var index = 2
        while index < args.count {
            let name = args.string(index)
            guard index + 1 < args.count,
                let path = SentinelPeriods.names.first(where: { $0.0.lowercased() == name.lowercased() })?.1
            else {
                return client.error("ERR Unknown option or number of arguments for SENTINEL DEBUG '\(name)'")
            }
            let value = args.string(index + 1)
            guard let number = Int64(value), number > 0, number <= Int64(Int32.max) else {
                return client.error("ERR Invalid argument '\(value)' for SENTINEL DEBUG '\(name)'")
            }
            controller.core.periods[keyPath: path] = number
            controller.scripts.maximumRuntime = controller.core.periods.scriptMaximumRuntime
            controller.scripts.retryDelay = controller.core.periods.scriptRetryDelay
            index += 2
        }
        client.reply.ok()
    }
}
