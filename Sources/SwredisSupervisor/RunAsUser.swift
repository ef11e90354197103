#if canImport(Glibc)
import Glibc
#endif

/// `user` in swredisd.conf: a supervisor started as root runs its instances as that user. The supervisor creates and
/// chowns what an instance writes (its working directory, its notify socket), then hands the name to the child in
/// `SWREDIS_RUN_AS`; the engine drops root before it reads its configuration (`RunAsUser.dropPrivilegesIfAsked`).
public enum RunAsUser {
    public static let environmentKey = "SWREDIS_RUN_AS"

    public struct Account {
        public let name: String
        public let uid: uid_t
        public let gid: gid_t
    }

    public static func lookup(_ name: String) -> Account? {
        guard let entry = getpwnam(name) else { return nil }
        return Account(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    /// In the engine, first thing: when started as root with `SWREDIS_RUN_AS`, become that user or fail.
    /// Returns an error text, or nil when nothing had to be done or it worked.
    public static func dropPrivilegesIfAsked() -> String? {
        guard let raw = getenv(environmentKey) else { return nil }
        let name = String(cString: raw)
        unsetenv(environmentKey)
        guard !name.isEmpty, geteuid() == 0 else { return nil }
        guard let account = lookup(name) else { return "Can't run as user '\(name)': no such user" }
        guard initgroups(name, account.gid) == 0, setgid(account.gid) == 0, setuid(account.uid) == 0 else {
            return "Can't run as user '\(name)': \(String(cString: strerror(errno)))"
        }
        return nil
    }
}
