import SwredisCluster

// MARK: cluster

/// Cluster-bus frames from a peer: the input is cut into frames as the transport cuts them (signature and length
/// first), each is decoded (a decoded message must encode back to itself) and handed to a bus state machine that
/// knows the sender `a...a`, so handshakes, gossip, failure reports, slot updates, votes and elections all run on
/// arbitrary bytes; a tick follows each frame.
enum ClusterTarget {
    static let sender = String(repeating: "a", count: 40)

    static func run(_ input: UnsafeRawBufferPointer) {
        var state = ClusterState(
            myself: ClusterNode(
                id: String(repeating: "0", count: 40), ip: "127.0.0.1", port: 7000, busPort: 17000,
                flags: [.myself, .master], linkConnected: true))
        for slot in 0..<100 { state.assign(slot, to: state.myselfID) }
        state.upsert(ClusterNode(id: sender, ip: "127.0.0.1", port: 7001, busPort: 17001, flags: .master))
        state.upsert(
            ClusterNode(
                id: String(repeating: "b", count: 40), ip: "127.0.0.1", port: 7002, busPort: 17002, flags: .replica,
                masterID: sender))
        var counter = 0
        var bus = ClusterBus(
            nodeTimeout: 2000, announcement: .init(port: 7000, busPort: 17000),
            randomIndex: { bound in
                counter &+= 7
                return counter % bound
            })
        let link = bus.accepted(now: 1_000_000)
        var bytes = Array(input)
        var now = 1_000_000
        while let length = ClusterMessage.frameLength(bytes.prefix(8)), length <= bytes.count {
            let frame = Array(bytes[..<length])
            bytes.removeFirst(length)
            if let message = try? ClusterMessage.decode(frame), message.kind != .module {
                check(
                    (try? ClusterMessage.decode(message.encoded())) == message, "a decoded frame re-encodes differently"
                )
            }
            bus.received(frame, on: link, peerIP: "127.0.0.1", localIP: "127.0.0.1", state: &state, now: now)
            now += 700
            bus.tick(state: &state, now: now)
            _ = bus.takeActions()
            check(state.node(state.myselfID) != nil, "myself was removed")
        }
    }
}
