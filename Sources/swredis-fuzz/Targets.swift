import NIOCore
import SwredisBytes
import SwredisClient
import SwredisCommands
import SwredisConfig
import SwredisEngine
import SwredisKeyspace
import SwredisPersistence
import SwredisProtocol
import SwredisReplication
import SwredisStorage

// Each target feeds one input to a decoder the way the server does and checks what must hold whatever the bytes
// are. Errors the decoder reports are fine; a Swift trap (overflow, index out of range, force unwrap), a failed
// `check`, unbounded memory or a hang is a finding.

/// A property every input must keep; the message names the input's violation (libFuzzer saves the input).
@inline(__always)
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("swredis-fuzz check failed: \(message())") }
}

// MARK: resp

/// The request parser as `ClientHandler` uses it: commands are taken from the front of the buffer until it holds
/// no complete one or breaks the protocol; both the default limits and those of a client that has not
/// authenticated (10 arguments, 16 KiB bulks).
enum RESPTarget {
    static let limits = [RequestLimits(), RequestLimits(unauthenticated: true)]

    static func run(_ input: UnsafeRawBufferPointer) {
        var args = ArgumentList()
        for limit in limits { consume(input, &args, limit) }
    }

    static func consume(_ input: UnsafeRawBufferPointer, _ args: inout ArgumentList, _ limits: RequestLimits) {
        var offset = 0
        while offset < input.count {
            let window = UnsafeRawBufferPointer(rebasing: input[offset...])
            switch RequestParser.parse(window, into: &args, limits: limits) {
            case .incomplete, .protocolError:
                return
            case .skip(let consumed):
                check(consumed > 0 && consumed <= window.count, "skip consumed \(consumed) of \(window.count) bytes")
                checkPrefixes(window, consumed, limits)
                offset += consumed
            case .command(let consumed):
                check(consumed > 0 && consumed <= window.count, "command consumed \(consumed) of \(window.count) bytes")
                checkArguments(args, window: window, consumed: consumed, limits)
                checkPrefixes(window, consumed, limits)
                offset += consumed
            }
        }
    }

    /// Every argument lies inside the bytes it points into (the engine reads them without bounds checks).
    static func checkArguments(
        _ args: ArgumentList, window: UnsafeRawBufferPointer, consumed: Int, _ limits: RequestLimits
    ) {
        check(args.count >= 1 && args.spans.count == args.count * 2, "a command of \(args.count) arguments")
        let bound = args.isInline ? args.inlineStorage.count : consumed
        for index in 0..<args.count {
            let start = args.spans[2 * index]
            let length = args.spans[2 * index + 1]
            check(
                start >= 0 && length >= 0 && start <= bound - length,
                "argument \(index) at \(start)+\(length) outside \(bound) bytes")
        }
        if limits.unauthenticated && !args.isInline {
            check(args.count <= 10, "\(args.count) arguments accepted from an unauthenticated client")
            for index in 0..<args.count {
                check(
                    args.spans[2 * index + 1] <= 16384,
                    "a bulk of \(args.spans[2 * index + 1]) bytes accepted from an unauthenticated client")
            }
        }
    }

    /// The bytes of one request arriving in pieces: any proper prefix is `.incomplete` (the handler waits for more
    /// and parses again), so how TCP splits a request never changes its meaning.
    static func checkPrefixes(_ window: UnsafeRawBufferPointer, _ consumed: Int, _ limits: RequestLimits) {
        var scratch = ArgumentList()
        for cut in Set([consumed - 1, consumed / 2, consumed * 7 / 11]) where cut > 0 && cut < consumed {
            let outcome = RequestParser.parse(
                UnsafeRawBufferPointer(rebasing: window[..<cut]), into: &scratch, limits: limits)
            check(outcome == .incomplete, "the first \(cut) of \(consumed) bytes of a request parse as \(outcome)")
        }
    }
}

// MARK: rdb

/// The RDB loader as `Engine.loadRDB` runs it (the whole input is the file: header, opcodes, every value encoding,
/// checksum), and `DumpPayload.decode` as RESTORE runs it, on the input with a valid version and CRC-64 footer
/// appended so the fuzzer works on the value rather than on the checksum. Every value decoded must survive
/// DUMP and RESTORE again unchanged.
enum RDBTarget {
    static let limits = CollectionLimits()
    static let databaseCount = 16

    static func run(_ input: UnsafeRawBufferPointer) {
        loadFile(input)
        restore(input)
    }

    static func loadFile(_ input: UnsafeRawBufferPointer) {
        var databases = Array(repeating: Database(), count: databaseCount)
        let now = Engine.unixMilliseconds()
        _ = try? RDBReader.read(
            input, limits: limits, databases: databaseCount,
            onResize: { database, keys, expires in
                check(
                    keys <= input.count && expires <= input.count,
                    "RESIZEDB hint of \(keys)/\(expires) from \(input.count) bytes")
                if databases[database].count == 0 && keys > 0 {
                    databases[database].keys = HashTable(capacity: keys)
                    if expires > 0 { databases[database].expires = HashTable(capacity: expires) }
                }
            },
            onKey: { record in
                check(record.database >= 0 && record.database < databaseCount, "key in database \(record.database)")
                let clock = Engine.lruClock(now: now, idleSeconds: record.idleSeconds ?? 0)
                guard databases[record.database].set(record.key, Entry(value: record.value, accessClock: clock)) else {
                    throw RDBError(offset: 0, "Duplicate key '\(record.key)' found in RDB file")
                }
                if let expireAt = record.expireAt { databases[record.database].setExpire(record.key, at: expireAt) }
                _ = (record.idleSeconds ?? 0) * 1000
                roundTrip(record.value)
            })
    }

    static func restore(_ input: UnsafeRawBufferPointer) {
        var payload = [UInt8](input)
        payload.append(UInt8(RDBFormat.newestReadable & 0xff))
        payload.append(UInt8(RDBFormat.newestReadable >> 8))
        let crc = payload.withUnsafeBytes { CRC64.checksum($0) }
        withUnsafeBytes(of: crc.littleEndian) { payload.append(contentsOf: $0) }
        let value = payload.withUnsafeBytes { try? DumpPayload.decode($0, limits: limits) }
        if let value { roundTrip(value) }
    }

    /// DUMP of a loaded value must RESTORE, compressed or not, and DUMP the same again.
    static func roundTrip(_ value: Value) {
        let plain = RDBEncoder.dumpPayload(value, compression: false)
        let decoded: Value
        do {
            decoded = try plain.withUnsafeBytes { try DumpPayload.decode($0, limits: limits) }
        } catch {
            fatalError("swredis-fuzz check failed: DUMP of a loaded value does not RESTORE: \(error); payload \(plain)")
        }
        let compressed = RDBEncoder.dumpPayload(decoded, compression: true)
        let again: Value
        do {
            again = try compressed.withUnsafeBytes { try DumpPayload.decode($0, limits: limits) }
        } catch {
            fatalError("swredis-fuzz check failed: compressed DUMP does not RESTORE: \(error); payload \(compressed)")
        }
        let replain = RDBEncoder.dumpPayload(again, compression: false)
        check(replain == plain, "DUMP changed after RESTORE: \(plain) became \(replain)")
    }
}

// MARK: aof

/// The AOF manifest parser (and the manifest it writes back, which must parse to the same thing), and the command
/// stream as `AOFReplay` runs it: RESP commands taken from the front (an incomplete, inline or malformed command
/// ends the file), each looked up (an unknown one stops loading) and executed on a real `Engine` with propagation
/// suppressed. One engine (no sockets, no files) serves every input: each gets a new client and FLUSHALL's reset
/// (making an `Engine` per input would cost more than the input). `AOFReplay` itself reads mapped files, so its
/// loop is repeated here. Only commands an AOF holds run — writes, and MULTI/EXEC/DISCARD/SELECT —
/// administrative ones (SAVE, CONFIG, SHUTDOWN, REPLICAOF, DEBUG...) are passed over, save points are off so
/// FLUSHALL writes no dump.rdb, and proto-max-bulk-len is 1 MiB so SETRANGE/SETBIT can't legitimately ask for 512 MiB.
enum AOFTarget {
    static let maximumCommands = 512
    static let transactionCommands: Set<String> = ["multi", "exec", "discard", "select"]

    nonisolated(unsafe) static let config: ConfigStore = {
        let config = ConfigStore()
        do {
            try config.set(name: "save", value: "")
            try config.set(name: "proto-max-bulk-len", value: "1mb")
        } catch {
            fatalError("swredis-fuzz: \(error)")
        }
        return config
    }()

    static func run(_ input: UnsafeRawBufferPointer) {
        manifest(input)
        replay(input)
    }

    static func manifest(_ input: UnsafeRawBufferPointer) {
        guard let manifest = try? AOFManifest.parse(String(decoding: input, as: UTF8.self)) else { return }
        let text = manifest.text
        let reread: AOFManifest
        do {
            reread = try AOFManifest.parse(text)
        } catch {
            fatalError(
                "swredis-fuzz check failed: the manifest written back does not parse (\(error)): \(text.debugDescription)"
            )
        }
        check(reread == manifest, "the manifest written back reads differently: \(text.debugDescription)")
        _ = AOFManifest.baseName("appendonly.aof", sequence: manifest.nextBaseSequence, rdbPreamble: true)
        _ = AOFManifest.incrementalName("appendonly.aof", sequence: manifest.nextIncrementalSequence)
    }

    nonisolated(unsafe) static let engine: Engine = {
        let engine = Engine(config: config)
        engine.propagationSuppressed = true
        return engine
    }()

    static func replay(_ input: UnsafeRawBufferPointer) {
        let client = engine.createClient(
            address: "", localAddress: "", isUnixSocket: false,
            allocator: ByteBufferAllocator())
        defer {
            engine.removeClient(client)
            _ = engine.flushAll()
        }
        var args = ArgumentList()
        var offset = 0
        var executed = 0
        while offset < input.count && executed < maximumCommands {
            let window = UnsafeRawBufferPointer(rebasing: input[offset...])
            guard case .command(let consumed) = RequestParser.parse(window, into: &args, limits: RequestLimits()),
                !args.isInline
            else { return }
            let name = UnsafeRawBufferPointer(rebasing: window[args.spans[0]..<args.spans[0] + args.spans[1]])
            guard let spec = engine.commands.lookup(name) else { return }
            if (spec.flags.contains(.write) && !spec.flags.contains(.admin)) || transactionCommands.contains(spec.name)
            {
                let count = args.count
                args.spans.withUnsafeBufferPointer { spans in
                    guard let base = window.baseAddress, let spanBase = spans.baseAddress else { return }
                    engine.execute(client, Arguments(base: base, spans: spanBase, count: count))
                }
                executed += 1
            }
            client.reply.buffer.clear()
            offset += consumed
        }
    }
}

// MARK: config

/// The redis.conf loader (the input is the file; inputs that mention `include` are passed over, as that would
/// read other files), then CONFIG SET with every line `name value` of the input, and Redis's CONFIG sanity rule:
/// setting a mutable directive to what CONFIG GET shows for it works.
enum ConfigTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        let text = String(decoding: input, as: UTF8.self)
        guard !text.lowercased().contains("include") else { return }
        let store = ConfigStore()
        var loader = ConfigFileLoader(store: store)
        store.beginLoad()
        if (try? loader.load(text: text, name: "fuzz.conf")) != nil {
            _ = loader.limitationWarnings()
            sanity(store)
        }
        let live = ConfigStore()
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let name = line.prefix { $0 != " " }
            let value = line.dropFirst(name.count).drop { $0 == " " }
            _ = try? live.set(name: String(name), value: String(value))
        }
        sanity(live)
    }

    static func sanity(_ store: ConfigStore) {
        guard !store.explicitlySet.isEmpty else { return }
        let fresh = ConfigStore()
        for directive in DirectiveTable.all where directive.mutable && store.explicitlySet.contains(directive.name) {
            // CONFIG GET joins words with spaces, so a word holding one (`bind "a b"`) reads back as two, in Redis too.
            if case .words(let words) = store.value(directive.name), words.contains(where: { $0.contains(" ") }) {
                continue
            }
            let shown = store.displayValue(directive)
            do {
                try fresh.set(name: directive.name, value: shown)
            } catch {
                fatalError(
                    "swredis-fuzz check failed: CONFIG SET \(directive.name) \(shown.debugDescription) (what CONFIG GET shows) fails: \(error)"
                )
            }
            check(
                fresh.displayValue(directive) == shown,
                "CONFIG SET \(directive.name) \(shown.debugDescription) then reads \(fresh.displayValue(directive).debugDescription)"
            )
        }
    }
}

// MARK: reply

/// Replies from a peer (a master, later sentinels and cluster nodes) as `RESPConnection` and the replica's
/// handshake read them: tokens are cut from the front, every aggregate is walked to the bottom, and each token is
/// fed to a handshake in progress. A token that was cut must span exactly the bytes it consumed.
enum ReplyTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        var buffer = ByteBuffer(bytes: input)
        var handshake = ReplicaHandshake(
            settings: .init(password: "pw", user: "", listeningPort: 6380, announcedAddress: "198.18.0.1"))
        _ = handshake.connected()
        while true {
            let before = buffer.readableBytes
            guard let token = try? RESPToken(consuming: &buffer) else { break }
            check(token.base.readableBytes == before - buffer.readableBytes, "token length differs from consumed")
            walk(token, depth: 0)
            _ = handshake.received(token)
        }
        let text = String(decoding: input.prefix(256), as: UTF8.self)
        _ = TransferHeader.parse(text)
    }

    static func walk(_ token: RESPToken, depth: Int) {
        check(depth <= RESPLimits().maximumDepth, "walked deeper than the parser allows")
        _ = token.string
        _ = token.errorMessage
        _ = token.integer
        switch token.value {
        case .array(let items), .set(let items), .push(let items), .map(let items), .attribute(let items):
            var seen = 0
            for item in items {
                walk(item, depth: depth + 1)
                seen += 1
            }
            check(seen == items.count, "aggregate yielded \(seen) of \(items.count) elements")
        default:
            break
        }
    }
}
