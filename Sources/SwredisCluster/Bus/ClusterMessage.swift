/// One cluster-bus message as Redis 7.0 lays it out (`clusterMsg` in cluster.h): a 2256-byte big-endian header —
/// signature `RCmb`, total length, version 1, the sender's ports, epochs, replication offset, name, slot bitmap,
/// master, announced IP, flags and cluster state — then a body that depends on the type. `encoded()` writes it;
/// `decode` checks every length the way `clusterProcessPacket` does before anything is trusted.
public struct ClusterMessage: Equatable, Sendable {
    /// `CLUSTERMSG_TYPE_*`.
    public enum Kind: UInt16, Sendable, CaseIterable {
        case ping = 0, pong, meet, fail, publish, failoverAuthRequest, failoverAuthAck, update, manualFailoverStart,
            module, publishShard

        /// The name CLUSTER INFO's per-type counters use (Redis's `clusterGetMessageTypeString`).
        public var name: String {
            switch self {
            case .ping: "ping"
            case .pong: "pong"
            case .meet: "meet"
            case .fail: "fail"
            case .publish: "publish"
            case .publishShard: "publishshard"
            case .failoverAuthRequest: "auth-req"
            case .failoverAuthAck: "auth-ack"
            case .update: "update"
            case .manualFailoverStart: "mfstart"
            case .module: "module"
            }
        }
    }

    /// One entry of a PING/PONG/MEET gossip section (`clusterMsgDataGossip`, 104 bytes).
    public struct Gossip: Equatable, Sendable {
        public var nodeID: String
        /// Seconds, as Redis sends them.
        public var pingSent: UInt32
        public var pongReceived: UInt32
        public var ip: String
        public var port: Int
        public var busPort: Int
        public var flags: ClusterNode.Flags
        public var plaintextPort: Int

        public init(
            nodeID: String, pingSent: UInt32, pongReceived: UInt32, ip: String, port: Int, busPort: Int,
            flags: ClusterNode.Flags, plaintextPort: Int = 0
        ) {
            self.nodeID = nodeID
            self.pingSent = pingSent
            self.pongReceived = pongReceived
            self.ip = ip
            self.port = port
            self.busPort = busPort
            self.flags = flags
            self.plaintextPort = plaintextPort
        }
    }

    public enum Body: Equatable, Sendable {
        /// PING, PONG, MEET: gossip about other nodes and the sender's hostname extension (nil: none sent).
        case gossip([Gossip], hostname: String?)
        case fail(nodeID: String)
        case publish(channel: [UInt8], message: [UInt8])
        case update(configEpoch: UInt64, nodeID: String, slots: SlotBitmap)
        /// FAILOVER_AUTH_REQUEST, FAILOVER_AUTH_ACK and MFSTART carry the header only; MODULE is not read.
        case headerOnly
    }

    public static let headerLength = 2256
    public static let gossipLength = 104
    public static let nameLength = 40
    public static let ipLength = 46
    /// `CLUSTERMSG_FLAG0_PAUSED`, `..._FORCEACK`, `..._EXT_DATA`.
    public static let pausedFlag: UInt8 = 1
    public static let forceAckFlag: UInt8 = 2
    public static let extensionDataFlag: UInt8 = 4
    /// A frame longer than this is refused before it is buffered (two 512 MB pub/sub strings and the header).
    public static let maximumLength = 1 << 30
    static let hostnameExtension: UInt16 = 0

    public var kind: Kind
    public var port: Int
    public var plaintextPort: Int = 0
    public var busPort: Int
    public var currentEpoch: UInt64
    public var configEpoch: UInt64
    public var replicationOffset: UInt64 = 0
    public var sender: String
    public var slots: SlotBitmap
    /// The sender's master when it is a replica.
    public var masterID: String?
    /// `cluster-announce-ip`, empty when the receiver should use the connection's peer address.
    public var announcedIP: String = ""
    public var flags: ClusterNode.Flags
    /// The sender's view of the cluster: ok or fail.
    public var clusterOK: Bool
    /// `mflags[0]` without the extension flag, which follows the body.
    public var messageFlags: UInt8 = 0
    public var body: Body

    public init(
        kind: Kind, port: Int, busPort: Int, currentEpoch: UInt64, configEpoch: UInt64, sender: String,
        slots: SlotBitmap, masterID: String? = nil, flags: ClusterNode.Flags, clusterOK: Bool, body: Body
    ) {
        self.kind = kind
        self.port = port
        self.busPort = busPort
        self.currentEpoch = currentEpoch
        self.configEpoch = configEpoch
        self.sender = sender
        self.slots = slots
        self.masterID = masterID
        self.flags = flags
        self.clusterOK = clusterOK
        self.body = body
    }

    /// Why a frame was not accepted; `log` is the warning Redis writes for it (nil: dropped silently, as Redis
    /// drops other protocol versions).
    public struct Invalid: Error, Equatable {
        public let log: String?
    }

    /// Reads the first eight bytes of a frame: its total length, or nil when the signature or length is bad (Redis
    /// closes the link: "Bad message length or signature received from Cluster bus.").
    public static func frameLength(_ prefix: some Collection<UInt8>) -> Int? {
        let bytes = Array(prefix.prefix(8))
        guard bytes.count == 8, bytes[0..<4].elementsEqual("RCmb".utf8) else { return nil }
        let length = bytes[4..<8].reduce(0) { $0 << 8 | Int($1) }
        guard length >= headerLength, length <= maximumLength else { return nil }
        return length
    }

    // MARK: Decoding

    /// Decodes one whole frame (`frameLength` bytes).
    public static func decode(_ bytes: [UInt8]) throws(Invalid) -> ClusterMessage {
        let reader = Reader(bytes: bytes)
        guard bytes.count >= headerLength, reader.uint32(4) == bytes.count else {
            throw Invalid(log: "Bad message length or signature received from Cluster bus.")
        }
        guard reader.uint16(8) == 1 else { throw Invalid(log: nil) }
        let type = reader.uint16(12)
        guard let kind = Kind(rawValue: type) else {
            throw Invalid(log: "Received unknown packet type: \(type)")
        }
        let messageFlags = bytes[2253]
        let body = try decodeBody(kind, reader, messageFlags: messageFlags)
        guard let sender = reader.name(40) else {
            throw Invalid(log: "Received a \(kind.name) packet with an invalid sender name")
        }
        let master = reader.isZero(2128, count: nameLength) ? nil : reader.name(2128)
        if !reader.isZero(2128, count: nameLength) && master == nil {
            throw Invalid(log: "Received a \(kind.name) packet with an invalid master name")
        }
        guard let slots = SlotBitmap(bytes: bytes[80..<2128]), let ip = reader.text(2168, count: ipLength) else {
            throw Invalid(log: "Received a \(kind.name) packet with an invalid address")
        }
        var message = ClusterMessage(
            kind: kind, port: Int(reader.uint16(10)), busPort: Int(reader.uint16(2248)),
            currentEpoch: reader.uint64(16), configEpoch: reader.uint64(24), sender: sender, slots: slots,
            masterID: master, flags: ClusterNode.Flags(rawValue: Int(reader.uint16(2250))), clusterOK: bytes[2252] == 0,
            body: body)
        message.replicationOffset = reader.uint64(32)
        message.announcedIP = ip
        message.plaintextPort = Int(reader.uint16(2246))
        // The extension flag is the body's to set again when encoding.
        message.messageFlags = messageFlags & ~extensionDataFlag
        return message
    }

    private static func decodeBody(_ kind: Kind, _ reader: Reader, messageFlags: UInt8) throws(Invalid) -> Body {
        let total = reader.bytes.count
        func mismatch(_ length: Int) -> Invalid {
            Invalid(log: "Received invalid \(kind.name) packet of length \(total) but expected length \(length)")
        }
        func expect(_ length: Int) throws(Invalid) {
            guard total == length else { throw mismatch(length) }
        }
        switch kind {
        case .ping, .pong, .meet:
            let count = Int(reader.uint16(14))
            let gossipEnd = headerLength + count * gossipLength
            guard gossipEnd <= total else { throw mismatch(gossipEnd) }
            var entries: [Gossip] = []
            entries.reserveCapacity(count)
            for index in 0..<count {
                let at = headerLength + index * gossipLength
                guard let id = reader.name(at), let ip = reader.text(at + 48, count: ipLength) else {
                    throw Invalid(log: "Received a \(kind.name) packet with an invalid gossip entry")
                }
                entries.append(
                    Gossip(
                        nodeID: id, pingSent: reader.uint32(at + 40), pongReceived: reader.uint32(at + 44), ip: ip,
                        port: Int(reader.uint16(at + 94)), busPort: Int(reader.uint16(at + 96)),
                        flags: ClusterNode.Flags(rawValue: Int(reader.uint16(at + 98))),
                        plaintextPort: Int(reader.uint16(at + 100))))
            }
            var hostname: String?
            var at = gossipEnd
            if messageFlags & extensionDataFlag != 0 {
                for _ in 0..<reader.uint16(2214) {
                    guard at + 8 <= total else { throw mismatch(at + 8) }
                    let length = Int(reader.uint32(at))
                    guard length % 8 == 0, length >= 8 else {
                        throw Invalid(
                            log: "Received a \(kind.name) packet without proper padding (\(length) bytes)")
                    }
                    guard length <= total - at else {
                        throw Invalid(
                            log:
                                "Received invalid \(kind.name) packet with extension data that exceeds total packet length (\(total))"
                        )
                    }
                    if reader.uint16(at + 4) == hostnameExtension {
                        guard let name = reader.text(at + 8, count: length - 8) else {
                            throw Invalid(log: "Received a \(kind.name) packet with an invalid hostname")
                        }
                        // An empty hostname is the same as none (Redis clears the announced hostname either way).
                        hostname = name.isEmpty ? nil : name
                    }
                    at += length
                }
            }
            try expect(at)
            return .gossip(entries, hostname: hostname)
        case .fail:
            try expect(headerLength + nameLength)
            guard let id = reader.name(headerLength) else {
                throw Invalid(log: "Received a fail packet with an invalid node name")
            }
            return .fail(nodeID: id)
        case .publish, .publishShard:
            guard total >= headerLength + 8 else { throw mismatch(headerLength + 8) }
            let channelLength = Int(reader.uint32(headerLength))
            let messageLength = Int(reader.uint32(headerLength + 4))
            try expect(headerLength + 8 + channelLength + messageLength)
            let start = headerLength + 8
            return .publish(
                channel: Array(reader.bytes[start..<start + channelLength]),
                message: Array(reader.bytes[start + channelLength..<total]))
        case .update:
            try expect(headerLength + 8 + nameLength + SlotBitmap.byteCount)
            guard let id = reader.name(headerLength + 8),
                let slots = SlotBitmap(bytes: reader.bytes[(headerLength + 48)..<total])
            else { throw Invalid(log: "Received an update packet with an invalid node name") }
            return .update(configEpoch: reader.uint64(headerLength), nodeID: id, slots: slots)
        case .failoverAuthRequest, .failoverAuthAck, .manualFailoverStart:
            try expect(headerLength)
            return .headerOnly
        case .module:
            guard total >= headerLength + 13 else { throw mismatch(headerLength + 13) }
            try expect(headerLength + 13 + Int(reader.uint32(headerLength + 8)))
            return .headerOnly
        }
    }

    // MARK: Encoding

    /// The frame Redis would send for this message.
    public func encoded() -> [UInt8] {
        var writer = Writer()
        writer.bytes.reserveCapacity(ClusterMessage.headerLength + 8 * ClusterMessage.gossipLength)
        writer.append(Array("RCmb".utf8))
        writer.uint32(0)
        writer.uint16(1)
        writer.uint16(port)
        writer.uint16(Int(kind.rawValue))
        if case .gossip(let entries, _) = body { writer.uint16(entries.count) } else { writer.uint16(0) }
        writer.uint64(currentEpoch)
        writer.uint64(configEpoch)
        writer.uint64(replicationOffset)
        writer.fixed(sender, count: ClusterMessage.nameLength)
        writer.append(slots.bytes)
        writer.fixed(masterID ?? "", count: ClusterMessage.nameLength)
        writer.fixed(announcedIP, count: ClusterMessage.ipLength)
        var extensions = 0
        var flags0 = messageFlags
        if case .gossip(_, let hostname?) = body, !hostname.isEmpty {
            extensions = 1
            flags0 |= ClusterMessage.extensionDataFlag
        }
        writer.uint16(extensions)
        writer.append(Array(repeating: 0, count: 30))
        writer.uint16(plaintextPort)
        writer.uint16(busPort)
        writer.uint16(flags.rawValue)
        writer.append([clusterOK ? 0 : 1, flags0, 0, 0])
        switch body {
        case .gossip(let entries, let hostname):
            for entry in entries {
                writer.fixed(entry.nodeID, count: ClusterMessage.nameLength)
                writer.uint32(entry.pingSent)
                writer.uint32(entry.pongReceived)
                writer.fixed(entry.ip, count: ClusterMessage.ipLength)
                writer.uint16(entry.port)
                writer.uint16(entry.busPort)
                writer.uint16(entry.flags.rawValue)
                writer.uint16(entry.plaintextPort)
                writer.uint16(0)
            }
            if let hostname, !hostname.isEmpty {
                let padded = (hostname.utf8.count + 1 + 7) / 8 * 8
                writer.uint32(UInt32(8 + padded))
                writer.uint16(Int(ClusterMessage.hostnameExtension))
                writer.uint16(0)
                writer.fixed(hostname, count: padded)
            }
        case .fail(let id):
            writer.fixed(id, count: ClusterMessage.nameLength)
        case .publish(let channel, let message):
            writer.uint32(UInt32(channel.count))
            writer.uint32(UInt32(message.count))
            writer.append(channel)
            writer.append(message)
        case .update(let epoch, let id, let slots):
            writer.uint64(epoch)
            writer.fixed(id, count: ClusterMessage.nameLength)
            writer.append(slots.bytes)
        case .headerOnly:
            break
        }
        let total = UInt32(writer.bytes.count)
        for index in 0..<4 { writer.bytes[4 + index] = UInt8(truncatingIfNeeded: total >> (24 - 8 * UInt32(index))) }
        return writer.bytes
    }
}

/// Big-endian reads at fixed offsets of a frame whose length was checked first.
private struct Reader {
    let bytes: [UInt8]

    func uint16(_ at: Int) -> UInt16 { UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) }
    func uint32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 << 8 | UInt32(bytes[at + $1]) } }
    func uint64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 << 8 | UInt64(bytes[at + $1]) } }
    func isZero(_ at: Int, count: Int) -> Bool { bytes[at..<at + count].allSatisfy { $0 == 0 } }

    /// A NUL-padded field of printable ASCII (addresses, hostnames), or nil for anything else.
    func text(_ at: Int, count: Int) -> String? {
        let field = bytes[at..<at + count]
        let end = field.firstIndex(of: 0) ?? field.endIndex
        guard field[field.startIndex..<end].allSatisfy({ $0 > 32 && $0 < 127 }) else { return nil }
        return String(decoding: field[field.startIndex..<end], as: UTF8.self)
    }

    /// A 40-byte node name of printable ASCII (Redis does not check the digits; a name must still be text).
    func name(_ at: Int) -> String? {
        let field = bytes[at..<at + ClusterMessage.nameLength]
        guard field.allSatisfy({ $0 > 32 && $0 < 127 }) else { return nil }
        return String(decoding: field, as: UTF8.self)
    }
}

private struct Writer {
    var bytes: [UInt8] = []

    mutating func append(_ more: [UInt8]) { bytes.append(contentsOf: more) }
    mutating func uint16(_ value: Int) {
        let value = UInt16(truncatingIfNeeded: value)
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xff))
    }
    mutating func uint32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }
    mutating func uint64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }
    /// `text` in a NUL-padded field of `count` bytes (cut to the field).
    mutating func fixed(_ text: String, count: Int) {
        let utf8 = Array(text.utf8.prefix(count))
        bytes.append(contentsOf: utf8)
        bytes.append(contentsOf: repeatElement(0, count: count - utf8.count))
    }
}
