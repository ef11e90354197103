import SwredisBytes
import SwredisKeyspace

/// Follows what happens to keys. The engine tells every observer (`Engine.keyspaceObservers`) through its
/// `signal…` calls, as Redis's `signalModifiedKey`, `dbAdd` and `signalFlushedDb` tell WATCH and blocked clients;
/// Cluster's slot index is the next observer. Handlers call the engine's signals, never an observer.
public protocol KeyspaceObserver: AnyObject {
    /// Whether `keyModified` matters now; when no observer wants it, the engine skips finding a write's keys.
    var wantsModifiedKeys: Bool { get }
    /// A command changed, replaced or removed `key` (also: expiry, eviction, a served blocking pop).
    func keyModified(db: Int, key: UnsafeRawBufferPointer)
    /// A value was stored under `key`: created, replaced, renamed, moved or copied there.
    func keyStored(db: Int, key: ByteString, value: Value)
    /// Every key of `databases` may have changed: emptied (FLUSHDB, FLUSHALL, a load) or, when `swapped`, the two
    /// databases exchanged (SWAPDB).
    func databasesReplaced(_ databases: [Int], swapped: Bool)
}

extension Engine {
    /// Whether any observer wants to hear of modified keys now.
    var modifiedKeysAreObserved: Bool {
        if standardObservers { return !watchers.isEmpty }
        return keyspaceObservers.contains { $0.wantsModifiedKeys }
    }

    /// `key` in `db` was changed by a command: WATCHes on it break.
    public func signalModifiedKey(_ db: Int, _ key: UnsafeRawBufferPointer) {
        if standardObservers {
            touchWatchedKey(db, key)
            return
        }
        for observer in keyspaceObservers { observer.keyModified(db: db, key: key) }
    }

    public func signalModifiedKey(_ db: Int, _ key: ByteString) {
        key.withUnsafeBytes { signalModifiedKey(db, $0) }
    }

    /// A value was stored under `key` (Redis's `dbAdd`): a list or sorted set may serve blocked clients.
    public func signalKeyStored(_ db: Int, _ key: ByteString, _ value: Value) {
        if standardObservers {
            keyStored(db, key, value)
            return
        }
        for observer in keyspaceObservers { observer.keyStored(db: db, key: key, value: value) }
    }

    /// FLUSHDB/FLUSHALL/a load (`swapped` false) or SWAPDB (true) changed every key of `databases`.
    public func signalDatabasesReplaced(_ databases: [Int], swapped: Bool = false) {
        for observer in keyspaceObservers { observer.databasesReplaced(databases, swapped: swapped) }
    }
}

/// WATCH: a modified watched key breaks the watching clients' transactions. (While the observers are the standard
/// pair, the engine makes these calls itself: see `Engine.standardObservers`.)
final class WatchObserver: KeyspaceObserver {
    /// The engine owns this object and outlives it: an unchecked reference costs no reference counting per call.
    unowned(unsafe) let engine: Engine

    init(_ engine: Engine) { self.engine = engine }

    var wantsModifiedKeys: Bool { !engine.watchers.isEmpty }
    func keyModified(db: Int, key: UnsafeRawBufferPointer) { engine.touchWatchedKey(db, key) }
    func keyStored(db: Int, key: ByteString, value: Value) {}
    func databasesReplaced(_ databases: [Int], swapped: Bool) {
        engine.touchWatchedKeys(inDatabases: databases, presentIn: swapped ? databases : nil)
    }
}

/// Blocked clients: a list or sorted set stored under a key someone waits for makes that key ready.
final class ReadyKeysObserver: KeyspaceObserver {
    /// The engine owns this object and outlives it: an unchecked reference costs no reference counting per call.
    unowned(unsafe) let engine: Engine

    init(_ engine: Engine) { self.engine = engine }

    var wantsModifiedKeys: Bool { false }
    func keyModified(db: Int, key: UnsafeRawBufferPointer) {}
    func keyStored(db: Int, key: ByteString, value: Value) { engine.keyStored(db, key, value) }
    func databasesReplaced(_ databases: [Int], swapped: Bool) {
        if swapped { engine.signalBlockedKeysPresent(inDatabases: databases) }
    }
}
