import SwredisCluster
import SwredisConfig
import SwredisEngine
import SwredisLog

extension EngineServer {
    /// `cluster-enabled yes`: loads or creates nodes.conf (relative to `dir`, the working directory by now) and puts
    /// the key-slot gate after the transaction check, where Redis's `processCommand` redirects.
    func startCluster(port: Int) throws {
        let busPort = config[.clusterPort] != 0 ? config[.clusterPort] : port + 10000
        guard busPort <= 65535 else {
            serverLog(
                .warning,
                "Redis port number too high. Cluster communication port is 10,000 port numbers higher than your Redis port. Your Redis port number must be 55535 or less."
            )
            throw StartupError.clusterConfig
        }
        let cluster: ClusterService
        do {
            cluster = try ClusterService(
                engine: engine, configPath: config[.clusterConfigFile],
                port: config[.clusterAnnouncePort] != 0 ? config[.clusterAnnouncePort] : port,
                busPort: config[.clusterAnnounceBusPort] != 0 ? config[.clusterAnnounceBusPort] : busPort)
        } catch let corrupted as NodesFile.Corrupted {
            serverLog(.warning, "Unrecoverable error: \(corrupted).")
            throw StartupError.clusterConfig
        } catch {
            serverLog(.warning, "Fatal: can't update cluster config file: \(error)")
            throw StartupError.clusterConfig
        }
        engine.cluster = cluster
        engine.clusterScriptRoute = { caller, command, args in cluster.scriptRoute(caller, command, args) }
        engine.mode = "cluster"
        var gates = CommandGate.standard
        let position = (gates.firstIndex { $0.name == CommandGate.transactionContext.name } ?? 0) + 1
        gates.insert(
            .custom(name: "cluster-redirection") { _, client, command, args in
                cluster.refusal(client, command, args)
            }, at: position)
        engine.gates = gates
    }
}
