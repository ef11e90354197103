// swredis-fuzz: libFuzzer harnesses for every decoder of untrusted bytes, one binary, the target picked by name:
//
//   swredis-fuzz <resp|rdb|aof|config|reply|cluster> [libFuzzer flags] [corpus dirs | inputs]
//
// The fuzz build (`make fuzz`, into .build-fuzz) instruments the Swift code for libFuzzer
// (`-Xfrontend -sanitize=fuzzer`), defines SWREDIS_FUZZ and links libclang_rt.fuzzer_no_main: this main takes the
// target name out of argv and hands the rest to `LLVMFuzzerRunDriver`. (`-sanitize=fuzzer` given to the driver
// would link libFuzzer's own main with --whole-archive, which clashes with the `main` SwiftPM gives executables.)
//
// Built normally (`swift build`) there is no libFuzzer: the binary replays the given inputs (files, or directories
// of files) once each through the same targets, so a corpus can be checked without the fuzz build; without inputs
// it says how it was built and exits 2.

import SwredisConfig

#if canImport(Glibc)
import Glibc
#endif
#if SWREDIS_FUZZ
import CFuzzerDriver
#endif

/// The harnesses by name; each takes one input and traps (crashes the process) on a finding.
let fuzzTargets: [String: (UnsafeRawBufferPointer) -> Void] = [
    "resp": RESPTarget.run,
    "rdb": RDBTarget.run,
    "aof": AOFTarget.run,
    "config": ConfigTarget.run,
    "reply": ReplyTarget.run,
    "cluster": ClusterTarget.run,
]

/// The target picked by argv[1].
nonisolated(unsafe) var selectedTarget: ((UnsafeRawBufferPointer) -> Void)?

/// Environment variable that carries the target into processes libFuzzer starts itself (`-minimize_crash`,
/// `-fork`), whose argv no longer holds the name.
let targetVariable = "SWREDIS_FUZZ_TARGET"

func usage() -> String {
    "usage: swredis-fuzz <\(fuzzTargets.keys.sorted().joined(separator: "|"))> [libFuzzer flags] [corpus dirs or inputs]\n"
}

func fail(_ message: String) -> Never {
    fputs(message, stderr)
    exit(2)
}

#if SWREDIS_FUZZ

/// libFuzzer calls this for every input.
let callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 = { data, size in
    selectedTarget?(UnsafeRawBufferPointer(start: size > 0 ? data : nil, count: size))
    return 0
}

// Swift's runtime backtracer installs SA_SIGINFO handlers for SIGILL/SIGSEGV at startup, and libFuzzer never
// replaces an existing SA_SIGINFO handler: a Swift trap would then end the process without libFuzzer writing the
// crash-* reproducer. The runtime reads SWIFT_BACKTRACE only at startup, so start over with it set.
if getenv("SWIFT_BACKTRACE").map({ String(cString: $0) }) != "enable=no" {
    setenv("SWIFT_BACKTRACE", "enable=no", 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    fail("swredis-fuzz: cannot re-execute itself with SWIFT_BACKTRACE=enable=no: \(String(cString: strerror(errno)))\n")
}

var arguments = CommandLine.arguments
if arguments.count >= 2, let target = fuzzTargets[arguments[1]] {
    selectedTarget = target
    setenv(targetVariable, arguments[1], 1)
    // libFuzzer must not take the name for a corpus directory.
    arguments.remove(at: 1)
} else if let name = getenv(targetVariable), let target = fuzzTargets[String(cString: name)] {
    selectedTarget = target
} else {
    fail(usage())
}
var fuzzerArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
var fuzzerArgumentCount = Int32(arguments.count)
let status = fuzzerArguments.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var argv = buffer.baseAddress
    return LLVMFuzzerRunDriver(&fuzzerArgumentCount, &argv, callback)
}
exit(status)

#else

/// Without libFuzzer: runs each input file (or every file in each directory) once through the target.
func replay() -> Never {
    let arguments = Array(CommandLine.arguments.dropFirst())
    guard let name = arguments.first, let target = fuzzTargets[name] else { fail(usage()) }
    let inputs = arguments.dropFirst().filter { !$0.hasPrefix("-") }
    guard !inputs.isEmpty else {
        fail(
            "swredis-fuzz: built without -sanitize=fuzzer (`make fuzz` builds the fuzzer); give input files to replay them once\n"
        )
    }
    var count = 0
    for path in inputs {
        for file in files(at: path) {
            guard let bytes = ConfigFileLoader.readBytes(file) else { fail("swredis-fuzz: cannot read \(file)\n") }
            bytes.withUnsafeBytes { target($0) }
            count += 1
        }
    }
    print("swredis-fuzz \(name): replayed \(count) inputs")
    exit(0)
}

func files(at path: String) -> [String] {
    guard let directory = opendir(path) else { return [path] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(path + "/" + name) }
    }
    return names.sorted()
}

replay()

#endif
