import SwredisBytes
import SwredisConfig
import SwredisKeyspace

/// Keyspace notifications (Redis's `notify.c`): when `notify-keyspace-events` enables the event's class,
/// `__keyspace@<db>__:<key>` receives the event name and `__keyevent@<db>__:<event>` receives the key.
extension Engine {
    package func notifyKeyspaceEvent(_ type: KeyspaceEventFlags, _ event: String, _ key: ByteString, _ db: Int) {
        let flags = keyspaceEvents
        guard !flags.isDisjoint(with: type), !flags.isDisjoint(with: [.keyspace, .keyevent]) else { return }
        if flags.contains(.keyspace) {
            var channel = Array("__keyspace@\(db)__:".utf8)
            key.withUnsafeBytes { channel.append(contentsOf: $0) }
            publish(ByteString(bytes: channel), ByteString(event))
        }
        if flags.contains(.keyevent) {
            publish(ByteString("__keyevent@\(db)__:\(event)"), key)
        }
    }

    /// Notifies about the key at argument `index` of the running command.
    package func notify(
        _ client: ClientSession, _ type: KeyspaceEventFlags, _ event: String, _ key: UnsafeRawBufferPointer
    ) {
        guard !keyspaceEvents.isEmpty else { return }
        notifyKeyspaceEvent(type, event, ByteString(key), client.database)
    }
}
