import SwredisConfig
import SwredisLog
import SwredisServer
import SwredisStorage

#if canImport(Glibc)
import Glibc
#endif

/// `swredisd`: one binary for the whole product. The first argument picks the role.
let arguments = Array(CommandLine.arguments.dropFirst())

let usage = """
    Usage: swredisd [--conf-dir /etc/swredis] [--only NAME] [--run-dir D] [--state-dir D] [--log-dir D] [--log-target T]
                    (the supervisor: every instance declared in the configuration directory)
           swredisd check [--conf-dir /etc/swredis]
           swredisd ctl [--conf-dir /etc/swredis] status|start NAME|stop NAME|restart NAME|reload
           swredisd server [/path/to/redis.conf] [options] [-]
           swredisd server - (read config from stdin)
           swredisd server --version
           swredisd server --test-config [/path/to/redis.conf] [options]
           swredisd sentinel /path/to/sentinel.conf [options]   (also: swredisd server CONF --sentinel)
           swredisd check-rdb <rdb-file-name>
           swredisd check-aof [--fix] <file.manifest|file.aof>
           swredisd --version

    Examples:
           swredisd server (run the server with default config)
           swredisd server /etc/swredis/6379.conf
           swredisd server --port 7777
           swredisd server /etc/myredis.conf --loglevel verbose -

    """

func versionLine() -> String {
    "swredisd server v=\(ServerIdentity.redisVersion) swredis=\(ServerIdentity.version) sha=00000000:0 malloc=libc bits=64 build=swift"
}

switch arguments.first {
case "server":
    exit(ServerCommandLine.run(Array(arguments.dropFirst())))
case "sentinel":
    exit(ServerCommandLine.run(Array(arguments.dropFirst()), sentinel: true))
case "check-rdb":
    guard arguments.count == 2 else {
        FileHandleOutput.standardError("Usage: swredisd check-rdb <rdb-file-name>\n")
        exit(1)
    }
    exit(RDBChecker.check(path: arguments[1]) { print($0) })
case "check-aof":
    let options = Array(arguments.dropFirst())
    let fix = options.first == "--fix"
    let files = options.filter { $0 != "--fix" }
    guard files.count == 1, options.count == (fix ? 2 : 1) else {
        FileHandleOutput.standardError("Usage: swredisd check-aof [--fix] <file.manifest|file.aof>\n")
        exit(1)
    }
    exit(
        AOFChecker.run(
            path: files[0], fix: fix,
            confirm: {
                let answer = readLine() ?? ""
                return answer.hasPrefix("y") || answer.hasPrefix("Y")
            }, print: { print($0) }))
case "--version", "-v":
    print(versionLine())
    exit(0)
case "--help", "-h":
    print(usage, terminator: "")
    exit(0)
case "check":
    exit(SupervisorCommandLine.check(Array(arguments.dropFirst())))
case "ctl":
    exit(SupervisorCommandLine.control(Array(arguments.dropFirst())))
case nil:
    exit(SupervisorCommandLine.run([]))
case let flag? where flag.hasPrefix("--"):
    exit(SupervisorCommandLine.run(arguments))
default:
    FileHandleOutput.standardError(usage)
    exit(1)
}
