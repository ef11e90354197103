import SwredisEngine
import SwredisStorage

/// The files and threads behind persistence — the open incremental AOF, the manifest as it is on disk, the running
/// BGSAVE and AOF rewrite — kept here so the engine core stays free of file formats: the engine holds this object
/// in `persistenceFiles` without knowing its type.
package final class PersistenceFiles {
    package var appendOnlyLog: AppendOnlyLog?
    /// The AOF manifest as it is on disk.
    package var manifest: AOFManifest?
    package var backgroundSave: BackgroundSnapshotJob?
    package var rewriteJob: BackgroundSnapshotJob?
    /// The base file the running rewrite writes.
    package var rewriteBase: AOFManifest.File?
}

extension Engine {
    /// This engine's persistence objects, made on first use.
    package var files: PersistenceFiles {
        if let files = persistenceFiles as? PersistenceFiles { return files }
        let files = PersistenceFiles()
        persistenceFiles = files
        return files
    }

    /// The open AOF when `appendonly yes` (see Propagation.swift and AOFPersistence.swift); setting it opens or
    /// closes the engine's `appendOnlyBuffer` to propagated commands.
    public var appendOnlyLog: AppendOnlyLog? {
        get { files.appendOnlyLog }
        set {
            files.appendOnlyLog = newValue
            appendOnlyBuffer.isOpen = newValue != nil
            if newValue == nil { appendOnlyBuffer.removeWritten() }
        }
    }
}
