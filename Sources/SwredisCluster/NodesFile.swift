import SwredisBytes
import SwredisStorage

#if canImport(Glibc)
import Glibc
#endif

/// nodes.conf (Redis's `clusterLoadConfig` / `clusterSaveConfig`): the CLUSTER NODES lines, then
/// `vars currentEpoch N lastVoteEpoch M`. It is state, never configuration: written whole through a temporary file,
/// fsync, rename and a directory fsync (Redis rewrites it in place), so a crash leaves the old file or the new one.
public enum NodesFile {
    /// Why a nodes.conf cannot be used; the server refuses to start on it, as Redis does.
    public struct Corrupted: Error, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "corrupted cluster config file (line \(line): \(reason))" }
    }

    /// The file's text for `state`.
    public static func render(_ state: ClusterState) -> String {
        state.nodesDescription(skippingHandshakes: true)
            + "vars currentEpoch \(state.currentEpoch) lastVoteEpoch \(state.lastVoteEpoch)\n"
    }

    /// Writes `state` to `path` durably.
    public static func save(_ state: ClusterState, to path: String) throws {
        var text = render(state)
        try DurableFile.replace(path, temporaryPath: path + ".tmp-\(getpid())") { write in
            try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
        }
    }

    /// Parses a file's bytes (empty: nil, a new node is made, as Redis does for a missing or empty file). Every field
    /// is checked: ports and slots in range, IDs of 40 characters, known flags, exactly one `myself`.
    public static func parse(_ bytes: [UInt8]) throws -> ClusterState? {
        var pending: [ClusterNode] = []
        var slots: [(String, Int, Int)] = []
        var migrating: [Int: String] = [:]
        var importing: [Int: String] = [:]
        var epochs: (current: UInt64, lastVote: UInt64) = (0, 0)
        var lineNumber = 0
        for rawLine in bytes.split(separator: 10, omittingEmptySubsequences: false) {
            lineNumber += 1
            if rawLine.isEmpty || rawLine.allSatisfy({ $0 == 13 || $0 == 32 }) { continue }
            guard let words = InlineSplitter.split(Array(rawLine))?.map({ String(decoding: $0, as: UTF8.self) }),
                let first = words.first
            else { throw Corrupted(line: lineNumber, reason: "unbalanced quotes") }
            if first.lowercased() == "vars" {
                guard words.count % 2 == 1 else { throw Corrupted(line: lineNumber, reason: "odd vars line") }
                for index in stride(from: 1, to: words.count, by: 2) {
                    let value = UInt64(words[index + 1]) ?? 0
                    switch words[index].lowercased() {
                    case "currentepoch": epochs.current = value
                    case "lastvoteepoch": epochs.lastVote = value
                    default: continue
                    }
                }
                continue
            }
            guard words.count >= 8 else { throw Corrupted(line: lineNumber, reason: "fewer than eight fields") }
            let (node, nodeSlots) = try parseNode(words, line: lineNumber, migrating: &migrating, importing: &importing)
            pending.append(node)
            slots += nodeSlots.map { (node.id, $0.0, $0.1) }
        }
        if pending.isEmpty { return nil }
        let myselves = pending.filter { $0.flags.contains(.myself) }
        guard myselves.count == 1, let myself = myselves.first else {
            throw Corrupted(line: lineNumber, reason: "no single node flagged myself")
        }
        var built = ClusterState(myself: myself)
        for node in pending where node.id != myself.id { built.upsert(node) }
        // A replica's master may be named before (or without) its own line.
        for node in pending {
            if let master = node.masterID, built.node(master) == nil {
                built.upsert(ClusterNode(id: master, ip: "", port: 0, busPort: 0, flags: [.noAddress]))
            }
        }
        for (owner, first, last) in slots {
            for slot in first...last { built.assign(slot, to: owner) }
        }
        built.migratingTo = migrating
        built.importingFrom = importing
        built.currentEpoch = max(epochs.current, built.maxEpoch)
        built.lastVoteEpoch = epochs.lastVote
        return built
    }

    private static func parseNode(
        _ words: [String], line: Int, migrating: inout [Int: String], importing: inout [Int: String]
    ) throws -> (ClusterNode, [(Int, Int)]) {
        let id = words[0]
        guard ClusterNode.isValidID(id) else { throw Corrupted(line: line, reason: "bad node ID") }
        var address = Substring(words[1])
        var hostname = ""
        if let comma = address.firstIndex(of: ",") {
            hostname = String(address[address.index(after: comma)...])
            address = address[..<comma]
        }
        guard let colon = address.lastIndex(of: ":") else { throw Corrupted(line: line, reason: "no port") }
        let ip = String(address[..<colon])
        let ports = address[address.index(after: colon)...].split(separator: "@", omittingEmptySubsequences: false)
        guard let port = Int(ports[0]), (0...65535).contains(port) else {
            throw Corrupted(line: line, reason: "bad port")
        }
        var busPort = port + 10000
        if ports.count > 1 {
            guard let parsed = Int(ports[1]), (0...65535).contains(parsed) else {
                throw Corrupted(line: line, reason: "bad bus port")
            }
            busPort = parsed
        }
        var flags: ClusterNode.Flags = []
        for name in words[2].split(separator: ",") {
            if name == "noflags" { continue }
            guard let flag = ClusterNode.Flags.names.first(where: { $0.1 == name.lowercased() })?.0 else {
                throw Corrupted(line: line, reason: "unknown flag \(name)")
            }
            flags.insert(flag)
        }
        var masterID: String?
        if words[3] != "-" {
            guard ClusterNode.isValidID(words[3]) else { throw Corrupted(line: line, reason: "bad master ID") }
            masterID = words[3]
        }
        let epoch = UInt64(words[6]) ?? 0
        let node = ClusterNode(
            id: id, ip: ip, port: port, busPort: busPort, hostname: hostname, flags: flags, masterID: masterID,
            configEpoch: masterID == nil ? epoch : 0, linkConnected: flags.contains(.myself))
        var ranges: [(Int, Int)] = []
        for word in words[8...] {
            if word.hasPrefix("[") {
                // [slot->-id] or [slot-<-id]
                let body = word.dropFirst().dropLast()
                guard word.hasSuffix("]"), let dash = body.firstIndex(of: "-"), let slot = Int(body[..<dash]),
                    (0..<HashSlot.count).contains(slot)
                else { throw Corrupted(line: line, reason: "bad migrating or importing slot") }
                let rest = body[body.index(after: dash)...]
                let other = String(rest.dropFirst(2))
                guard rest.count == 2 + ClusterNode.idLength else { throw Corrupted(line: line, reason: "bad node ID") }
                if rest.hasPrefix(">-") {
                    migrating[slot] = other
                } else if rest.hasPrefix("<-") {
                    importing[slot] = other
                } else {
                    throw Corrupted(line: line, reason: "bad migrating or importing slot")
                }
                continue
            }
            let bounds = word.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2, let start = Int(bounds[0]), let stop = Int(bounds.last ?? bounds[0]),
                (0..<HashSlot.count).contains(start), (0..<HashSlot.count).contains(stop)
            else { throw Corrupted(line: line, reason: "bad slot \(word)") }
            if start <= stop { ranges.append((start, stop)) }
        }
        return (node, ranges)
    }
}
