import NIOCore
import SwredisClient

/// The connections to one tracked instance (Redis's instanceLink): a command connection, and for masters and
/// replicas a pub/sub connection subscribed to the hello channel. The controller reports the link up once every
/// connection it needs is in, and lost as soon as any of them closes.
final class SentinelLink {
    let reference: InstanceReference
    let needsPubSub: Bool
    var command: RESPConnection?
    var pubSub: RESPConnection?
    var subscribed = false
    var reportedUp = false
    var closed = false

    init(reference: InstanceReference) {
        self.reference = reference
        if case .sentinel = reference { needsPubSub = false } else { needsPubSub = true }
    }

    var isComplete: Bool { command != nil && (!needsPubSub || subscribed) }

    /// The address the command connection goes out from: our address as the instance sees it (for hellos).
    var localIP: String? { command?.channel.localAddress?.ipAddress }

    func close() {
        closed = true
        command?.close()
        pubSub?.close()
        command = nil
        pubSub = nil
    }
}

extension SentinelReply {
    /// A reply from the wire, as the core reads it (nesting bounded by the token's own limits).
    init(_ token: RESPToken) {
        switch token.value {
        case .simpleString(let buffer): self = .status(String(buffer: buffer))
        case .simpleError(let buffer), .bulkError(let buffer): self = .error(String(buffer: buffer))
        case .bulkString(let buffer), .verbatimString(let buffer), .bigNumber(let buffer):
            self = .bulk(String(buffer: buffer))
        case .number(let value): self = .integer(value)
        case .double(let value): self = .bulk(String(value))
        case .boolean(let value): self = .integer(value ? 1 : 0)
        case .null: self = .bulk(nil)
        case .array(let elements), .set(let elements), .push(let elements), .map(let elements),
            .attribute(let elements):
            self = .array(elements.map(SentinelReply.init))
        }
    }
}
