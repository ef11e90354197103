/// What one sentinel answered about the master the VIP follows: the address it gives clients
/// (`SENTINEL GET-MASTER-ADDR-BY-NAME`) and, from `SENTINEL MASTER`, the config epoch and whether it can reach it.
public struct SentinelView: Equatable, Sendable {
    public var host: String
    public var port: Int
    public var configEpoch: UInt64
    /// False when the sentinel flags that master `s_down`/`o_down`: such a view renews no lease.
    public var reachable: Bool
    /// The latest instant (this host's monotonic clock) at which the sentinel can have described a master other than
    /// this one as reachable, when it says (a swredis sentinel that saw the change); nil when unknown.
    public var formerMasterReachableUntil: Int64?

    public init(
        host: String, port: Int, configEpoch: UInt64, reachable: Bool = true, formerMasterReachableUntil: Int64? = nil
    ) {
        self.host = host
        self.port = port
        self.configEpoch = configEpoch
        self.reachable = reachable
        self.formerMasterReachableUntil = formerMasterReachableUntil
    }
}

/// One round of confirmation: the sentinels' answers (nil: no answer within the round) and what the local data
/// instance reports, gathered after `started`.
public struct LeaseRound: Equatable, Sendable {
    /// When the round's first query was sent: a lease counts from here, never from the answers.
    public var started: Int64
    public var views: [SentinelView?]
    /// The local instance said `role:master`.
    public var localIsMaster: Bool
    /// Whether a view names the local instance (an address of this host and its port).
    public var isLocal: @Sendable (SentinelView) -> Bool

    public init(
        started: Int64, views: [SentinelView?], localIsMaster: Bool, isLocal: @escaping @Sendable (SentinelView) -> Bool
    ) {
        self.started = started
        self.views = views
        self.localIsMaster = localIsMaster
        self.isLocal = isLocal
    }

    public static func == (lhs: LeaseRound, rhs: LeaseRound) -> Bool {
        lhs.started == rhs.started && lhs.views == rhs.views && lhs.localIsMaster == rhs.localIsMaster
    }
}

/// The fenced VIP lease of one host, as a pure state machine with the caller's clock (ms, monotonic).
///
/// A host holds the VIP only while its local instance is the master that a majority of the sentinels report, and can
/// reach, at the highest config epoch any of them reports, renewed as a lease counted from the start of the round
/// that confirmed it. It drops the VIP (and fences its instance: writes paused, clients closed) as soon as a round
/// shows another master or a newer epoch, or when the lease runs out without a confirming round (partitioned, it
/// hears nothing; or the sentinels see its instance down).
///
/// A host that becomes confirmed adds the VIP only once any earlier holder's lease has certainly ended: `lease +
/// margin` after that holder's last possible renewal, `margin` covering clock rate differences and the old holder's
/// own delay in dropping. Without better knowledge that renewal is bounded by this host's first confirmation (every
/// renewal needed a majority, and a majority has switched by then). A swredis sentinel also says until when it could
/// last have described any other master as reachable; a renewal needed a majority of such descriptions, so it
/// happened no later than the `majority`-th latest of those instants (a sentinel that did not say counts as "now").
public struct VirtualIPLease {
    public enum State: Equatable, Sendable {
        /// Not holding; nothing confirmed.
        case released
        /// Confirmed as master since `since`; the VIP is added at `addAt` if still confirmed then.
        case waiting(since: Int64, addAt: Int64, epoch: UInt64)
        case holding(until: Int64, epoch: UInt64)
    }

    public enum Action: Equatable, Sendable {
        /// Add the address and announce it (gratuitous ARP / unsolicited NA); let the instance take writes.
        case add(epoch: UInt64)
        /// Stop the instance acknowledging writes and close its clients, then remove the address.
        case drop(reason: String, epoch: UInt64)
        case log(String)
    }

    public let sentinelCount: Int
    public let lease: Int64
    public let margin: Int64
    public private(set) var state = State.released

    public init(sentinelCount: Int, lease: Int64, margin: Int64) {
        self.sentinelCount = sentinelCount
        self.lease = lease
        self.margin = margin
    }

    public var majority: Int { sentinelCount / 2 + 1 }

    public enum Verdict: Equatable, Sendable {
        /// A majority reports the local instance at the highest epoch, and it says it is the master.
        case confirmed(epoch: UInt64)
        /// A majority (or any newer epoch) shows another master, or the local instance is not a master.
        case refuted(String)
        /// Too few answers to decide.
        case unknown
    }

    /// What a round shows.
    public func verdict(_ round: LeaseRound) -> Verdict {
        let answers = round.views.compactMap { $0 }
        guard let highest = answers.map(\.configEpoch).max() else { return .unknown }
        let local = answers.filter { round.isLocal($0) && $0.configEpoch == highest && $0.reachable }
        if local.count >= majority {
            guard round.localIsMaster else { return .refuted("the local instance does not report role:master") }
            return .confirmed(epoch: highest)
        }
        if let other = answers.first(where: { !round.isLocal($0) && $0.configEpoch == highest }) {
            return .refuted("sentinels report \(other.host):\(other.port) as master at epoch \(highest)")
        }
        return .unknown
    }

    /// A round's answers arrived at `now`.
    public mutating func receive(_ round: LeaseRound, now: Int64) -> [Action] {
        switch (verdict(round), state) {
        case (.confirmed(let epoch), .released):
            let addAt = min(now, previousHolderRenewalBound(round, epoch: epoch) ?? now) + lease + margin
            state = .waiting(since: now, addAt: addAt, epoch: epoch)
            return [
                .log(
                    "VIP: a majority of sentinels confirms this host's instance as master at epoch \(epoch); adding the address in \(max(0, addAt - now)) ms, once any previous holder's lease has ended"
                )
            ] + tick(now: now, confirmedAt: round.started)
        case (.confirmed(let epoch), .waiting(let since, let addAt, _)):
            let bound = previousHolderRenewalBound(round, epoch: epoch).map { $0 + lease + margin } ?? addAt
            state = .waiting(since: since, addAt: min(addAt, bound), epoch: epoch)
            return tick(now: now, confirmedAt: round.started)
        case (.confirmed(let epoch), .holding):
            state = .holding(until: round.started + lease, epoch: epoch)
            return []
        case (.refuted(let reason), .holding(_, let epoch)):
            state = .released
            return [.drop(reason: reason, epoch: epoch)]
        case (.refuted, .waiting):
            state = .released
            return [.log("VIP: confirmation lost before the address was added")]
        case (.refuted, .released), (.unknown, .released):
            return []
        case (.unknown, .waiting):
            // A round without a majority (a slow or dead sentinel) changes nothing: the majority that confirmed this
            // host has switched for good, so the wait's bound still holds; the address is added only with a fresh
            // confirmation.
            return []
        case (.unknown, .holding):
            return tick(now: now, confirmedAt: nil)
        }
    }

    /// The latest instant an earlier holder can have renewed its lease, by what the sentinels confirming `epoch` say
    /// (the `majority`-th latest of their bounds, sentinels without one counting as unbounded); nil when unbounded.
    public func previousHolderRenewalBound(_ round: LeaseRound, epoch: UInt64) -> Int64? {
        let known = round.views.compactMap { view -> Int64? in
            guard let view, round.isLocal(view), view.configEpoch == epoch, view.reachable else { return nil }
            return view.formerMasterReachableUntil
        }.sorted(by: >)
        let unbounded = sentinelCount - known.count
        guard unbounded < majority else { return nil }
        return known[majority - unbounded - 1]
    }

    /// Time passed (called between rounds too): a lease that ran out drops the VIP; a wait that ended adds it.
    public mutating func tick(now: Int64) -> [Action] {
        tick(now: now, confirmedAt: nil)
    }

    private mutating func tick(now: Int64, confirmedAt: Int64?) -> [Action] {
        switch state {
        case .holding(let until, let epoch) where now >= until:
            state = .released
            return [
                .drop(
                    reason: "lease expired: no majority of sentinels confirmed this host within \(lease) ms",
                    epoch: epoch)
            ]
        case .waiting(_, let addAt, let epoch) where now >= addAt:
            guard let confirmedAt else { return [] }
            state = .holding(until: confirmedAt + lease, epoch: epoch)
            return [.add(epoch: epoch)]
        default:
            return []
        }
    }
}
