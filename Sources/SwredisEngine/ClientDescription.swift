import SwredisBytes
import SwredisKeyspace

/// A client as CLIENT LIST shows it, and as log lines name it.
package enum ClientDescription {
    /// One CLIENT LIST / CLIENT INFO line, with Redis 7.0's fields.
    package static func describe(_ engine: Engine, _ client: ClientSession) -> String {
        let now = engine.clock.unixMilliseconds()
        var flags = ""
        if client.isMonitor { flags += "O" }
        if client.replicaLink != nil { flags += "S" }
        if client.isMaster { flags += "M" }
        if client.closeAfterReply { flags += "c" }
        if client.noEvict { flags += "e" }
        if client.isBlocked { flags += "b" }
        if client.transaction != nil { flags += "x" }
        if client.isSubscriber { flags += "P" }
        if flags.isEmpty { flags = "N" }
        let queryBuffer = client.connection?.queryBufferLength ?? 0
        let output = client.reply.buffer.readableBytes
        let address = client.isUnixSocket ? "\(client.address):0" : client.address
        return
            "id=\(client.id) addr=\(address) laddr=\(client.localAddress) fd=\(client.fileDescriptor) name=\(client.name) "
            + "age=\((now - client.createdAt) / 1000) idle=\((now - client.lastInteraction) / 1000) flags=\(flags) "
            + "db=\(client.database) sub=\(client.channels.count) psub=\(client.patterns.count) ssub=\(client.shardChannels.count) multi=\(client.transaction.map { $0.queued.count } ?? -1) qbuf=\(queryBuffer) qbuf-free=\(max(0, 16384 - queryBuffer)) "
            + "argv-mem=0 multi-mem=0 rbs=16384 rbp=\(queryBuffer) obl=\(output) oll=0 omem=0 tot-mem=\(16384 + output) "
            + "events=r cmd=\(client.lastCommandName) user=default redir=-1 resp=\(client.reply.protocolVersion)"
            + (client.libraryName.isEmpty && client.libraryVersion.isEmpty
                ? "" : " lib-name=\(client.libraryName) lib-ver=\(client.libraryVersion)")
    }
}

extension Engine {
    /// The CLIENT LIST line of `client`, as Redis's logs name clients.
    public func clientInfoLine(_ client: ClientSession) -> String {
        ClientDescription.describe(self, client)
    }
}
