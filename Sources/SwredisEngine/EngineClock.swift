/// The engine's time: the system clocks shifted by an offset that is zero in a server. A test moves time forward
/// with `advance(milliseconds:)` instead of sleeping, and every clock reading the engine and its handlers make
/// for a command (expiry, TTLs, idle times, timeouts, the batch clock) sees the move. Background threads and log
/// lines read the system clock directly.
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
}
