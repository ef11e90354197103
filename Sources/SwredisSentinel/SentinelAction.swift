import SwredisLog

/// Why a command was sent, so its reply finds its way back to the core.
public enum SentinelRequest: Equatable, Sendable {
    case ping
    case info
    /// PUBLISH of a hello.
    case hello
    /// SENTINEL IS-MASTER-DOWN-BY-ADDR to another sentinel.
    case isMasterDown
    /// Replies that are not read (the REPLICAOF transaction, SCRIPT KILL): the effects show in the next INFO.
    case discard
}

/// A reply as the core reads it (the shell converts the wire's reply into this).
public indirect enum SentinelReply: Equatable, Sendable {
    case status(String)
    case error(String)
    case bulk(String?)
    case integer(Int64)
    case array([SentinelReply])
}

/// The hello this sentinel publishes (`ip,port,runid,current_epoch,master_name,master_ip,master_port,master_epoch`).
/// `ip` is nil when no announce-ip is set: the shell uses its link's local address, as Redis does.
public struct SentinelHello: Equatable, Sendable {
    public var ip: String?
    public var port: Int
    public var runID: String
    public var currentEpoch: UInt64
    public var masterName: String
    public var masterAddress: SentinelAddress
    public var masterConfigEpoch: UInt64

    public func payload(ip localIP: String) -> String {
        [
            ip ?? localIP, String(port), runID, String(currentEpoch), masterName, masterAddress.host,
            String(masterAddress.port), String(masterConfigEpoch),
        ].joined(separator: ",")
    }
}

/// An event as Redis's `sentinelEvent` raises it: logged at `level` as `<type> <message>` and published on the
/// channel named `type` unless debug (a warning also runs the master's notification-script: a `runScript` action).
public struct SentinelEvent: Equatable, Sendable {
    public var level: RedisLogFormat.Level
    public var type: String
    public var message: String

    public init(level: RedisLogFormat.Level, type: String, message: String) {
        self.level = level
        self.type = type
        self.message = message
    }
}

/// What the core asks its shell to do.
public enum SentinelAction: Equatable, Sendable {
    /// Open the instance's links: a command link (AUTH with the master's auth-pass, CLIENT SETNAME) and, for
    /// masters and replicas, a pub/sub link subscribed to the hello channel. Report `linkConnected` or `linkLost`.
    case connect(InstanceReference, SentinelAddress)
    /// Close the instance's links; the core reconnects later.
    case disconnect(InstanceReference)
    /// Send these commands, in order, on the instance's command link.
    case send(InstanceReference, [[String]], SentinelRequest)
    /// PUBLISH this hello on the instance's command link with the given (possibly renamed) PUBLISH.
    case sendHello(InstanceReference, command: String, SentinelHello)
    case event(SentinelEvent)
    case log(RedisLogFormat.Level, String)
    /// Write the state (config or state file) now, before anything that depends on it is answered.
    case persist
    /// Queue a script run with these arguments (notification-script, client-reconfig-script).
    case runScript(path: String, arguments: [String])
    /// SENTINEL SIMULATE-FAILURE asked for a crash at this point.
    case crash
}
