import SwredisBytes

/// `swredisd check-rdb`: reads a whole RDB file and reports like `redis-check-rdb` — one line per AUX field,
/// the checksum verdict, counts of keys, expires and already expired keys, or the error and where it is.
public enum RDBChecker {
    /// Checks `path`, writing the report through `print`; returns the process exit status (0 OK, 1 corrupt).
    public static func check(path: String, print: (String) -> Void) -> Int32 {
        print("[offset 0] Checking RDB file \(path)")
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            print("--- RDB ERROR DETECTED ---")
            print("[offset 0] Cannot open file: \(error)")
            return 1
        }
        var keys = 0
        var expires = 0
        var alreadyExpired = 0
        var lastKey: String?
        let now = currentMilliseconds()
        do {
            let summary = try RDBReader.read(
                file.bytes, limits: CollectionLimits(), databases: Int.max,
                onAux: { field, value, offset in
                    print("[offset \(offset)] AUX FIELD \(field) = '\(value)'")
                },
                onKey: { record in
                    keys += 1
                    lastKey = "\(record.key)"
                    if let expireAt = record.expireAt {
                        expires += 1
                        if expireAt < now { alreadyExpired += 1 }
                    }
                })
            print(
                summary.version >= 5
                    ? "[offset \(summary.length)] Checksum OK"
                    : "[offset \(summary.length)] RDB version \(summary.version) has no checksum")
            print("[offset \(summary.length)] \\o/ RDB looks OK! \\o/")
        } catch let error as RDBError {
            print("--- RDB ERROR DETECTED ---")
            print("[offset \(error.offset)] \(error.reason)")
            if let lastKey { print("[additional info] Last key read: '\(lastKey)'") }
            printCounts(keys, expires, alreadyExpired, print)
            return 1
        } catch {
            print("--- RDB ERROR DETECTED ---")
            print("[offset 0] \(error)")
            return 1
        }
        printCounts(keys, expires, alreadyExpired, print)
        return 0
    }

    static func printCounts(_ keys: Int, _ expires: Int, _ alreadyExpired: Int, _ print: (String) -> Void) {
        print("[info] \(keys) keys read")
        print("[info] \(expires) expires")
        print("[info] \(alreadyExpired) already expired")
    }

    static func currentMilliseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now.tv_sec * 1000 + now.tv_nsec / 1_000_000
    }
}

#if canImport(Glibc)
import Glibc
#endif
