import SwredisBytes
import SwredisLog

/// The master's bookkeeping of its replicas that the engine core needs (a closed connection, WAIT, the
/// `min-replicas-to-write` gate); the rest of the master's side is in SwredisReplication.
extension Engine {
    /// How logs name a replica: its address with the port it listens on (`ip:port`).
    package func replicaName(_ client: ClientSession) -> String {
        let ip = client.announcedReplicaAddress ?? Engine.host(of: client.address)
        let port = client.announcedReplicaPort
        return port > 0 ? "\(ip):\(port)" : client.address
    }

    package static func host(of address: String) -> String {
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
            return String(address[address.index(after: address.startIndex)..<close])
        }
        guard let colon = address.lastIndex(of: ":") else { return address }
        return String(address[..<colon])
    }

    /// A replica connection closed: forget it.
    package func detachReplica(_ client: ClientSession) {
        guard client.replicaLink != nil else { return }
        replication.replicas.removeAll { $0 === client }
        client.replicaLink = nil
        serverLog(.notice, "Connection with replica \(replicaName(client)) lost.")
        if replication.replicas.isEmpty { replication.noReplicasSince = clock.unixMilliseconds() }
        refreshGoodReplicas()
    }

    /// Closes every replica connection (our replication ID changed; they reconnect and continue with it).
    package func disconnectReplicas() {
        for replica in replication.replicas { replica.connection?.closeNow() }
    }

    /// Online replicas whose acknowledged offset reached `offset`.
    package func replicasAcknowledging(_ offset: Int) -> Int {
        replication.replicas.reduce(0) { count, replica in
            guard let link = replica.replicaLink, link.state == .online, link.ackOffset >= offset else { return count }
            return count + 1
        }
    }

    package func serveClientsWaitingForAcks() {
        guard !replication.clientsWaitingForAcks.isEmpty else { return }
        for client in replication.clientsWaitingForAcks {
            guard case .replicationWait(let offset, let wanted)? = client.blocked?.operation else { continue }
            let acknowledged = replicasAcknowledging(offset)
            guard acknowledged >= wanted else { continue }
            client.reply.integer(acknowledged)
            unblock(client)
        }
    }

    /// Replicas whose last ACK is recent enough for `min-replicas-max-lag`.
    package func refreshGoodReplicas() {
        let now = clock.unixMilliseconds()
        replication.goodReplicas = replication.replicas.reduce(0) { count, replica in
            guard let link = replica.replicaLink, link.state == .online,
                now - link.ackTime <= minReplicasMaxLag * 1000
            else { return count }
            return count + 1
        }
    }

    /// `min-replicas-to-write`: writes need that many good replicas.
    package var hasEnoughGoodReplicas: Bool {
        minReplicasToWrite == 0 || minReplicasMaxLag == 0 || replication.isReplica
            || replication.goodReplicas >= minReplicasToWrite
    }

    package func createBacklog() {
        replication.backlog = ReplicationBacklog(
            capacity: config[.replBacklogSize], endOffset: replication.offset)
        // A new stream starts with a SELECT.
        replication.selectedDatabase = -1
    }
}
