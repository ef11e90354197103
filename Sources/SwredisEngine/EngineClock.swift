/// The engine's time: the system clocks shifted by an offset that is zero in a server. A test moves time forward
/// with `advance(milliseconds:)` instead of sleeping, and every clock reading made on the engine thread sees the
/// move: commands (expiry, TTLs, idle times, timeouts, the batch clock), the persistence and replication timers
/// (save points, rewrite and save durations, replica acks, link timeouts). Background threads (fsync, snapshot
/// writers), the load progress of a file and log lines read the system clock directly.
public final class EngineClock {
    @usableFromInline var offsetMicroseconds = 0

    public init() {}

    /// Moves this clock (both its wall and its monotonic readings) forward.
    public func advance(milliseconds: Int) {
        offsetMicroseconds += milliseconds * 1000
    }

    @inlinable public func unixMicroseconds() -> Int {
        Engine.unixMicroseconds() + offsetMicroseconds
    }

    @inlinable public func unixMilliseconds() -> Int {
        unixMicroseconds() / 1000
    }

    @inlinable public func monotonicMicroseconds() -> Int {
        Engine.monotonicMicroseconds() + offsetMicroseconds
    }

    /// How far `advance` moved this clock from the system's.
    package var offset: Int { offsetMicroseconds }
}
