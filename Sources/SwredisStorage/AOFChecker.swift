import SwredisProtocol

#if canImport(Glibc)
import Glibc
#endif

/// `swredisd check-aof [--fix] FILE`: checks a multi-part AOF through its manifest (or one AOF file), reporting
/// like `redis-check-aof`; `--fix` cuts a torn or corrupt tail off the last incremental file after asking.
public enum AOFChecker {
    /// How far a command file is valid.
    struct Analysis {
        var size: Int
        var validUpTo: Int
        var validLines: Int
        var error: String?
    }

    public static func run(path: String, fix: Bool, confirm: () -> Bool, print: (String) -> Void) -> Int32 {
        if path.hasSuffix(".manifest") { return checkManifest(path, fix: fix, confirm: confirm, print: print) }
        print("Start checking Old-Style AOF")
        return checkCommandFile(path, name: path, fix: fix, canFix: true, confirm: confirm, print: print) ? 0 : 1
    }

    static func checkManifest(_ path: String, fix: Bool, confirm: () -> Bool, print: (String) -> Void) -> Int32 {
        print("Start checking Multi Part AOF")
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let manifest: AOFManifest
        do {
            let file = try MappedFile(path: path)
            manifest = try AOFManifest.parse(String(decoding: file.bytes, as: UTF8.self))
        } catch {
            print("Invalid AOF manifest file format: \(error)")
            return 1
        }
        if let base = manifest.base {
            let basePath = "\(directory)/\(base.name)"
            if RDBFormat.isRDBFile(basePath) {
                print("Start to check BASE AOF (RDB format).")
                let status = RDBChecker.check(path: basePath) { print($0) }
                guard status == 0 else {
                    print("BASE AOF \(base.name) is not valid")
                    return 1
                }
                print("RDB preamble is OK, proceeding with AOF tail...")
            } else {
                print("Start to check BASE AOF (AOF format).")
                guard
                    checkCommandFile(
                        basePath, name: base.name, fix: false, canFix: false, confirm: confirm, print: print)
                else { return 1 }
            }
            print("BASE AOF \(base.name) is valid")
        }
        if !manifest.incremental.isEmpty { print("Start to check INCR files.") }
        for (index, file) in manifest.incremental.enumerated() {
            let isLast = index == manifest.incremental.count - 1
            guard
                checkCommandFile(
                    "\(directory)/\(file.name)", name: file.name, fix: fix && isLast, canFix: isLast,
                    confirm: confirm, print: print)
            else { return 1 }
            print("INCR AOF \(file.name) is valid")
        }
        print("All AOF files and manifest are valid")
        return 0
    }

    /// Checks one command file; returns whether it is (now) valid.
    static func checkCommandFile(
        _ path: String, name: String, fix: Bool, canFix: Bool, confirm: () -> Bool,
        print: (String) -> Void
    ) -> Bool {
        let analysis: Analysis
        do {
            let file = try MappedFile(path: path)
            analysis = analyze(file.bytes)
        } catch {
            print("Cannot open \(name): \(error)")
            return false
        }
        if let error = analysis.error { print("0x\(String(analysis.validUpTo, radix: 16)): \(error)") }
        let diff = analysis.size - analysis.validUpTo
        print(
            "AOF analyzed: filename=\(name), size=\(analysis.size), ok_up_to=\(analysis.validUpTo), ok_up_to_line=\(analysis.validLines), diff=\(diff)"
        )
        guard diff > 0 else { return true }
        guard fix else {
            print("AOF \(name) is not valid. Use the --fix option to try fixing it.")
            return false
        }
        guard canFix else {
            print("AOF \(name) is not the last file and cannot be fixed.")
            return false
        }
        print(
            "This will shrink the AOF \(name) from \(analysis.size) bytes, with \(diff) bytes, to \(analysis.validUpTo) bytes"
        )
        print("Continue? [y/N]: ")
        guard confirm() else {
            print("Aborting...")
            return false
        }
        guard truncate(path, off_t(analysis.validUpTo)) == 0 else {
            print("Failed to truncate AOF \(name)")
            return false
        }
        print("Successfully truncated AOF \(name)")
        return true
    }

    /// Walks the commands: where the last complete command (outside an unfinished MULTI) ends.
    static func analyze(_ bytes: UnsafeRawBufferPointer) -> Analysis {
        var arguments = ArgumentList()
        var offset = 0
        var validUpTo = 0
        var transactionStart: Int?
        var error: String?
        while offset < bytes.count {
            let window = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch RequestParser.parse(window, into: &arguments, limits: RequestLimits()) {
            case .incomplete:
                error = "Unexpected EOF reading AOF"
                offset = bytes.count + 1
            case .protocolError(let message):
                error = message
                offset = bytes.count + 1
            case .skip:
                error = "Empty or inline line in AOF"
                offset = bytes.count + 1
            case .command(let consumed):
                guard !arguments.isInline else {
                    error = "Inline command in AOF"
                    offset = bytes.count + 1
                    break
                }
                let name = String(
                    decoding: window[arguments.spans[0]..<arguments.spans[0] + arguments.spans[1]], as: UTF8.self
                ).lowercased()
                if name == "multi" {
                    if transactionStart != nil {
                        error = "Unexpected MULTI"
                        offset = bytes.count + 1
                        break
                    }
                    transactionStart = offset
                } else if name == "exec" {
                    guard transactionStart != nil else {
                        error = "Unexpected EXEC"
                        offset = bytes.count + 1
                        break
                    }
                    transactionStart = nil
                }
                offset += consumed
                if transactionStart == nil { validUpTo = offset }
            }
        }
        if error == nil, transactionStart != nil { error = "Reached EOF before reading EXEC for MULTI" }
        let lines = bytes[..<validUpTo].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        return Analysis(
            size: bytes.count, validUpTo: validUpTo, validLines: lines + (validUpTo < bytes.count ? 1 : 0), error: error
        )
    }
}
