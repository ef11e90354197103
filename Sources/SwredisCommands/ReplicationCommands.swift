import SwredisBytes
import SwredisEngine
import SwredisLog

/// REPLICAOF / SLAVEOF, REPLCONF, PSYNC, SYNC, WAIT and ROLE.
enum ReplicationCommands {
    static let bindings: [CommandBinding] = [
        CommandBinding("replicaof", replicaof),
        CommandBinding("slaveof", replicaof),
        CommandBinding("replconf", replconf),
        CommandBinding("psync") { engine, client, args in
            engine.handleSyncRequest(client, args, legacy: false)
        },
        CommandBinding("sync") { engine, client, args in
            engine.handleSyncRequest(client, args, legacy: true)
        },
        CommandBinding("wait", wait),
        CommandBinding("role", role),
    ]

    static func replicaof(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        if engine.cluster != nil { return client.error("ERR REPLICAOF not allowed in cluster mode.") }
        if args.matches(1, "no") && args.matches(2, "one") {
            if engine.replication.isReplica {
                engine.stopReplicating(requestedBy: engine.clientInfoLine(client))
                engine.config.setReplicaOf(nil)
            }
            client.reply.ok()
            return
        }
        if client.replicaLink != nil {
            client.error("ERR Command is not valid when client is a replica.")
            return
        }
        guard let port = args.integer(2), (0...65535).contains(port) else {
            client.error(RedisError.notInteger)
            return
        }
        let host = args.string(1)
        if engine.replication.masterHost == host && engine.replication.masterPort == port {
            serverLog(
                .notice,
                "REPLICAOF would result into synchronization with the master we are already connected with. No operation performed."
            )
            client.reply.simple("OK Already connected to specified master")
            return
        }
        engine.replicate(from: host, port: port, requestedBy: engine.clientInfoLine(client))
        engine.config.setReplicaOf((host, port))
        client.reply.ok()
    }

    static func replconf(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        guard args.count % 2 == 1 else {
            client.error(RedisError.syntax)
            return
        }
        var index = 1
        while index < args.count {
            if args.matches(index, "listening-port") {
                guard let port = args.integer(index + 1) else {
                    client.error(RedisError.notInteger)
                    return
                }
                client.announcedReplicaPort = port
            } else if args.matches(index, "ip-address") {
                client.announcedReplicaAddress = args.string(index + 1)
            } else if args.matches(index, "capa") {
                client.replicaCapabilities.insert(args.lowercased(index + 1))
            } else if args.matches(index, "ack") {
                // Replicas expect no reply to an ACK.
                if let offset = args.integer(index + 1) { engine.acknowledge(client, offset: offset) }
                return
            } else if args.matches(index, "getack") {
                if client.isMaster { engine.acknowledgeToMaster() }
                return
            } else if args.matches(index, "rdb-only") || args.matches(index, "rdb-filter-only") {
                // redis-cli --rdb options: accepted, every transfer is a plain RDB.
            } else {
                client.error("ERR Unrecognized REPLCONF option: \(args.string(index))")
                return
            }
            index += 2
        }
        client.reply.ok()
    }

    static func wait(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        if engine.replication.isReplica {
            client.error(
                "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated."
            )
            return
        }
        guard let count = args.integer(1) else {
            client.error(RedisError.notInteger)
            return
        }
        guard let timeout = BlockingCommands.millisecondsTimeout(client, args, 2) else { return }
        engine.waitForReplicas(client, count: count, timeoutMilliseconds: timeout)
    }

    static func role(_ engine: Engine, _ client: ClientSession, _ args: Arguments) {
        let replication = engine.replication
        if let host = replication.masterHost {
            client.reply.arrayHeader(5)
            client.reply.bulk("slave")
            client.reply.bulk(host)
            client.reply.integer(replication.masterPort)
            client.reply.bulk(replication.linkState.rawValue)
            client.reply.integer(replication.linkState == .connected ? replication.offset : -1)
            return
        }
        client.reply.arrayHeader(3)
        client.reply.bulk("master")
        client.reply.integer(replication.offset)
        let online = replication.replicas.compactMap { replica -> (String, Int, Int)? in
            guard let link = replica.replicaLink, link.state == .online else { return nil }
            return (link.announcedAddress ?? Engine.host(of: replica.address), link.listeningPort, link.ackOffset)
        }
        client.reply.arrayHeader(online.count)
        for (address, port, offset) in online {
            client.reply.arrayHeader(3)
            client.reply.bulk(address)
            client.reply.bulk(String(port))
            client.reply.bulk(String(offset))
        }
    }
}
