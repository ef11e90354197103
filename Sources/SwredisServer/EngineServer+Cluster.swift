import SwredisCluster
import SwredisConfig
import SwredisEngine
import SwredisLog
import SwredisReplication

extension EngineServer {
    /// `cluster-enabled yes`: loads or creates nodes.conf (relative to `dir`, the working directory by now) and puts
    /// the key-slot gate after the transaction check, where Redis's `processCommand` redirects.
    func startCluster(port: Int) throws {
        let busPort = clusterBusPort(port)
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
            .redirection { _, client, command, args in cluster.refusal(client, command, args) }, at: position)
        engine.gates = gates
    }

    /// Binds the cluster bus on the data port's addresses (Redis's `clusterInit` listens there too), lets the
    /// service drive it, and runs `clusterCron` every 100 ms.
    func startClusterBus(port: Int) throws {
        guard let cluster = engine.cluster as? ClusterService else { return }
        let busPort = clusterBusPort(port)
        let transport = ClusterBusTransport(loop: loop, cluster: cluster) { [unowned self] in
            self.clients.flushOtherClients()
        }
        for (host, optional) in bindAddresses {
            do {
                try transport.bind(host: host, port: busPort)
            } catch {
                if optional { continue }
                serverLog(
                    .warning,
                    "Could not bind the cluster bus on \(host):\(busPort): \(EngineServer.describe(error))")
                throw StartupError.listen
            }
        }
        cluster.transport = transport
        cluster.replicate = { [unowned self] host, masterPort in
            self.engine.replicate(from: host, port: masterPort, requestedBy: nil)
            self.config.setReplicaOf((host, masterPort))
        }
        cluster.promote = { [unowned self] in
            self.engine.stopReplicating(requestedBy: nil)
            self.config.setReplicaOf(nil)
        }
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in
            cluster.busTick()
        }
    }

    /// `cluster-port`, or the data port + 10000.
    func clusterBusPort(_ port: Int) -> Int {
        config[.clusterPort] != 0 ? config[.clusterPort] : port + 10000
    }

    /// `cluster ok, slots 0-5460` (a replica names its master's slots): the supervisor's `ctl status` shows it.
    func clusterStatus(_ cluster: ClusterService) -> String {
        let state = cluster.state
        let ranges = state.slotRangeTexts(of: state.shardMasterID)
        return
            "cluster \(cluster.isOK ? "ok" : "fail"), slots \(ranges.isEmpty ? "none" : ranges.joined(separator: ","))"
    }
}
