import SwredisSystemd

#if canImport(Glibc)
import Glibc
#endif

/// Where instance output goes: each line an instance prints is sent to the journal under `swredis-<name>` with a
/// priority taken from Redis's level marker, and/or appended to `<log-dir>/<name>.log`, or copied to the
/// supervisor's stdout.
final class LogRouter {
    enum Target { case journal, file, both, stdout }

    let target: Target
    private let directory: String
    private var files: [String: Int32] = [:]

    init(target: SupervisorSettings.LogTarget, directory: String) {
        switch target {
        case .auto: self.target = Journal.isConnected ? .journal : .stdout
        case .journal: self.target = .journal
        case .file: self.target = .file
        case .both: self.target = .both
        case .stdout: self.target = .stdout
        }
        self.directory = directory
    }

    var writesFiles: Bool { target == .file || target == .both }

    /// Routes one line of instance `name`'s output.
    func route(_ line: String, instance name: String, pid: Int32) {
        if target == .journal || target == .both {
            let (priority, message) = LogRouter.classify(line)
            Journal.send(identifier: "swredis-\(name)", priority: priority, message: message, pid: pid)
        }
        if writesFiles { append(line, to: name) }
        if target == .stdout { write(STDOUT_FILENO, line + "\n") }
    }

    /// SIGUSR1: close the files so the next line reopens them (after logrotate moved them away).
    func reopen() {
        for descriptor in files.values { close(descriptor) }
        files.removeAll()
    }

    private func append(_ line: String, to name: String) {
        if files[name] == nil {
            let descriptor = open(directory + "/" + name + ".log", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            guard descriptor >= 0 else { return }
            files[name] = descriptor
        }
        if let descriptor = files[name] { write(descriptor, line + "\n") }
    }

    private func write(_ descriptor: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }

    /// A Redis log line (`pid:R dd Mon yyyy hh:mm:ss.mmm <marker> message`) as a syslog priority and the message
    /// without the timestamp (the journal has its own): `.` debug, `-` info (verbose), `*` notice, `#` warning.
    /// Other lines (a FATAL CONFIG FILE ERROR block, a crash report) are errors.
    static func classify(_ line: String) -> (priority: Int, message: String) {
        let words = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: false)
        guard words.count == 6, words[0].contains(":"), words[4].count == 12, words[5].count >= 1 else {
            return (line.isEmpty ? 6 : 3, line)
        }
        let rest = words[5]
        let priority: Int
        switch rest.first {
        case ".": priority = 7
        case "-": priority = 6
        case "*": priority = 5
        case "#": priority = 4
        default: return (3, line)
        }
        return (priority, String(rest.dropFirst(2)))
    }
}
