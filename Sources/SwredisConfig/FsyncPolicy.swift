/// `appendfsync`: when appended commands reach the disk.
public enum FsyncPolicy: String, Sendable {
    /// After every write, before any reply to the commands it holds is sent.
    case always
    /// By a background thread about once a second.
    case everysec
    /// When the kernel decides.
    case no
}
