import SwredisLog
import SwredisSystemd

#if canImport(Glibc)
import Glibc
#endif

extension Supervisor {
    /// SIGHUP: reads the directory again. An invalid directory changes nothing (the problems are logged and shown
    /// in STATUS). Otherwise added instances start, removed ones stop, changed ones restart, and unchanged ones keep
    /// running untouched (same pid).
    func reload() {
        guard !stopping else { return }
        serverLog(.notice, "Received SIGHUP: reloading \(directory)")
        let fresh = InstanceCatalog.load(directory: directory, overrides: overrides, only: only)
        guard fresh.problems.isEmpty else {
            for problem in fresh.problems { serverLog(.warning, "Reload refused: \(problem)") }
            ServiceNotifier.status("reload refused: \(fresh.problems[0]); still running the previous configuration")
            return
        }
        ServiceNotifier.notify("RELOADING=1\nMONOTONIC_USEC=\(monotonicMilliseconds() * 1000)")
        catalog = fresh
        router = LogRouter(target: fresh.settings.logTarget, directory: fresh.settings.logDirectory)
        let wanted = Dictionary(fresh.instances.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (name, instance) in managed where wanted[name] == nil {
            serverLog(.notice, "Reload: instance \(name) was removed; stopping it")
            instance.removeWhenStopped = true
            handle(instance, .stop)
        }
        for definition in fresh.instances {
            guard let instance = managed[definition.name] else {
                serverLog(.notice, "Reload: new instance \(definition.name)")
                add(definition)
                continue
            }
            guard instance.definition.fingerprint != definition.fingerprint else { continue }
            serverLog(.notice, "Reload: instance \(definition.name) changed; restarting it")
            instance.definition = definition
            instance.restartWhenStopped = true
            handle(instance, .stop)
        }
        order =
            fresh.instances.map(\.name).filter { managed[$0] != nil }
            + order.filter { wanted[$0] == nil && managed[$0] != nil }
        updateStatus()
        ServiceNotifier.notify("READY=1\nSTATUS=reloaded")
        serverLog(.notice, "Reload done")
    }
}
