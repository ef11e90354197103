import CMallocInfo

#if canImport(Glibc)
import Glibc
#endif

/// Memory and CPU figures of this process, for INFO memory / cpu.
public enum ProcessMetrics {
    /// Bytes currently allocated through malloc (glibc's `mallinfo2`: in-use arena bytes plus mmapped blocks).
    public static func allocatedBytes() -> Int {
        Int(swredis_allocated_bytes())
    }

    /// Resident set size in bytes, from /proc/self/statm.
    public static func residentBytes() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var size = 0
        var resident = 0
        guard
            withUnsafeMutablePointer(
                to: &size,
                { sizePointer in
                    withUnsafeMutablePointer(to: &resident) { residentPointer in
                        readTwoNumbers(file, sizePointer, residentPointer)
                    }
                })
        else { return 0 }
        return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    private static func readTwoNumbers(
        _ file: UnsafeMutablePointer<FILE>, _ first: UnsafeMutablePointer<Int>, _ second: UnsafeMutablePointer<Int>
    ) -> Bool {
        var line = [CChar](repeating: 0, count: 256)
        guard fgets(&line, 256, file) != nil else { return false }
        let text = String(cString: line).split(separator: " ")
        guard text.count >= 2, let a = Int(text[0]), let b = Int(text[1]) else { return false }
        first.pointee = a
        second.pointee = b
        return true
    }

    /// Total physical memory.
    public static func totalSystemMemory() -> Int {
        Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// (system, user) CPU seconds of this process.
    public static func cpuSeconds() -> (system: Double, user: Double) {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return (
            Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6,
            Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        )
    }

    /// Redis's human-readable byte counts (`1.50M`).
    public static func human(_ bytes: Int) -> String {
        let value = Double(bytes)
        func format(_ number: Double, _ unit: String) -> String {
            let scaled = (number * 100).rounded() / 100
            var text = String(scaled)
            if let dot = text.firstIndex(of: ".") {
                let decimals = text[text.index(after: dot)...].count
                if decimals < 2 { text += String(repeating: "0", count: 2 - decimals) }
            }
            return text + unit
        }
        if bytes < 1024 { return "\(bytes)B" }
        if bytes < 1024 * 1024 { return format(value / 1024, "K") }
        if bytes < 1024 * 1024 * 1024 { return format(value / (1024 * 1024), "M") }
        return format(value / (1024 * 1024 * 1024), "G")
    }
}
