import SwredisBytes
import SwredisLog

/// The replication ID and offset an RDB file carries (AUX `repl-stream-db`, `repl-id`, `repl-offset`), so a
/// restarted replica continues partially with its master and a restarted master lets its replicas continue.
extension Engine {
    /// The AUX fields Redis's `rdbPopulateSaveInfo` provides: only once there is a stream to continue.
    package func replicationAuxFields() -> [(String, String)] {
        guard replication.isReplica || replication.backlog != nil else { return [] }
        let streamDatabase: Int
        if replication.isReplica {
            streamDatabase = replication.masterClient?.database ?? replication.masterStreamDatabase
        } else {
            streamDatabase = max(0, replication.selectedDatabase)
        }
        return [
            ("repl-stream-db", String(streamDatabase)), ("repl-id", replication.replicationID),
            ("repl-offset", String(replication.offset)),
        ]
    }

    /// After loading the dataset at startup: a replica resumes the stream the file was saved at; a master
    /// keeps the file's ID as its secondary one so replicas that followed it can continue.
    /// `auxValue` reads an AUX field of the loaded file.
    public func adoptReplicationInfo(auxValue: (String) -> ByteString?) {
        guard let id = auxValue("repl-id").map({ "\($0)" }), id.utf8.count == 40,
            let offset = auxValue("repl-offset").flatMap({ Int("\($0)") }),
            offset >= 0, offset <= ReplicationState.maximumOffset,
            let database = auxValue("repl-stream-db").flatMap({ Int("\($0)") }), database >= 0
        else { return }
        if replication.isReplica {
            replication.replicationID = id
            replication.offset = offset
            replication.masterStreamDatabase = database
            replication.canContinue = true
        } else {
            replication.replicationID2 = id
            replication.secondOffset = offset + 1
            replication.offset = offset
            createBacklog()
            replication.noReplicasSince = clock.unixMilliseconds()
        }
    }
}
