import SwredisBytes
import SwredisKeyspace

/// `maxmemory` and its policies (Redis's `evict.c`): before a command that may grow memory runs, keys are
/// evicted by sampling `maxmemory-samples` candidates and removing the best one for the policy, until
/// allocated memory is under the limit; with `noeviction`, or nothing left to evict, the command is refused
/// with `-OOM`.
extension Engine {
    package enum EvictionPolicy {
        case noEviction, allKeysLRU, allKeysLFU, allKeysRandom, volatileLRU, volatileLFU, volatileRandom, volatileTTL

        package init(_ name: String) {
            switch name {
            case "allkeys-lru": self = .allKeysLRU
            case "allkeys-lfu": self = .allKeysLFU
            case "allkeys-random": self = .allKeysRandom
            case "volatile-lru": self = .volatileLRU
            case "volatile-lfu": self = .volatileLFU
            case "volatile-random": self = .volatileRandom
            case "volatile-ttl": self = .volatileTTL
            default: self = .noEviction
            }
        }

        package var onlyVolatile: Bool {
            switch self {
            case .volatileLRU, .volatileLFU, .volatileRandom, .volatileTTL: return true
            default: return false
            }
        }
    }

    package static let oomError = "OOM command not allowed when used memory > 'maxmemory'."

    /// Frees memory until under `maxmemory`; returns false when the limit can't be met (the command must be refused).
    package func freeMemoryIfNeeded() -> Bool {
        guard maxMemory > 0 else { return true }
        // A replica's keys follow its master; with replica-ignore-maxmemory it never evicts on its own.
        if replication.isReplica && config[.replicaIgnoreMaxmemory] { return true }
        var used = ProcessMetrics.allocatedBytes()
        guard used > maxMemory else { return true }
        let policy = EvictionPolicy(config[.maxmemoryPolicy])
        guard policy != .noEviction else { return false }
        let samples = max(1, config[.maxmemorySamples])
        var generator = SystemRandomNumberGenerator()
        var rounds = 0
        while used > maxMemory {
            guard let (db, key) = evictionCandidate(policy, samples: samples, using: &generator) else { return false }
            databases[db].remove(key)
            stats.evictedKeys += 1
            propagateDeletion(db, key)
            signalModifiedKey(db, key)
            notifyKeyspaceEvent(.evicted, "evicted", key, db)
            rounds += 1
            // Re-measuring is cheap but not free: do it every few evictions.
            if rounds % 8 == 0 || databases.allSatisfy({ $0.count == 0 }) { used = ProcessMetrics.allocatedBytes() }
            if rounds > 1_000_000 { return false }
        }
        return true
    }

    /// The best of a few sampled keys for the policy, across databases.
    package func evictionCandidate<G: RandomNumberGenerator>(
        _ policy: EvictionPolicy, samples: Int, using generator: inout G
    )
        -> (Int, ByteString)?
    {
        let now = clock.unixMilliseconds()
        var best: (db: Int, key: ByteString, rank: Double)?
        for db in databases.indices.shuffled(using: &generator) {
            let pool = policy.onlyVolatile ? databases[db].expires.count : databases[db].count
            guard pool > 0 else { continue }
            // Like dictGetSomeKeys, a sample never asks for more keys than the database holds.
            for _ in 0..<min(samples, pool) {
                let key: ByteString
                var rank: Double
                if policy.onlyVolatile {
                    guard let position = databases[db].expires.randomIndex(using: &generator) else { break }
                    key = databases[db].expires.key(at: position)
                    rank = Double(-databases[db].expires.value(at: position))
                } else {
                    guard let position = databases[db].keys.randomIndex(using: &generator) else { break }
                    key = databases[db].keys.key(at: position)
                    rank = 0
                }
                guard let entryPosition = key.withUnsafeBytes({ databases[db].keys.index(of: $0) }) else { continue }
                let entry = databases[db].keys.value(at: entryPosition)
                switch policy {
                case .allKeysLRU, .volatileLRU:
                    rank = Double(Engine.idleSeconds(entry.accessClock, now: now))
                case .allKeysLFU, .volatileLFU:
                    rank = 255 - Double(LFU.decayedCounter(entry.accessClock, now: now))
                case .allKeysRandom, .volatileRandom:
                    rank = Double.random(in: 0..<1, using: &generator)
                case .volatileTTL:
                    break
                case .noEviction:
                    return nil
                }
                if rank > (best?.rank ?? -Double.infinity) { best = (db, key, rank) }
            }
            if best != nil && policy != .volatileTTL { break }
        }
        return best.map { ($0.db, $0.key) }
    }

    package static func idleSeconds(_ clock: UInt32, now: Int) -> Int {
        let current = lruClock(now: now)
        return Int(current >= clock ? current - clock : current + (0xFF_FFFF - clock))
    }
}

/// Redis's LFU counter, kept in the same 24 bits as the LRU clock: 16 bits of minutes since the last decay
/// and an 8-bit logarithmic access counter.
package enum LFU {
    package static let initialValue: UInt32 = 5

    package static func minutes(now: Int) -> UInt32 { UInt32(truncatingIfNeeded: (now / 60000) & 0xFFFF) }

    /// A fresh key's clock: now, counter 5.
    package static func initial(now: Int) -> UInt32 { minutes(now: now) << 8 | initialValue }

    /// The counter after decaying one step per `lfu-decay-time` minutes elapsed.
    package static func decayedCounter(_ clock: UInt32, now: Int, decayMinutes: Int = 1) -> UInt32 {
        let last = clock >> 8
        let counter = clock & 0xFF
        let current = minutes(now: now)
        let elapsed = current >= last ? current - last : 0xFFFF - last + current
        let periods = decayMinutes > 0 ? elapsed / UInt32(decayMinutes) : 0
        return periods > counter ? 0 : counter - periods
    }

    /// One access: decay, then a probabilistic logarithmic increment (`lfu-log-factor`).
    package static func touch(_ clock: UInt32, now: Int, logFactor: Int, decayMinutes: Int) -> UInt32 {
        var counter = decayedCounter(clock, now: now, decayMinutes: decayMinutes)
        if counter < 255 {
            let base = Double(counter > initialValue ? counter - initialValue : 0)
            if Double.random(in: 0..<1) < 1.0 / (base * Double(logFactor) + 1) { counter += 1 }
        }
        return minutes(now: now) << 8 | counter
    }
}
