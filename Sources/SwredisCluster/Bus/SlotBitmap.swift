import SwredisBytes

/// The 16384 slots as the bus carries them: 2048 bytes, slot `s` in bit `s & 7` of byte `s / 8` (Redis's
/// `bitmapTestBit`).
public struct SlotBitmap: Equatable, Sendable {
    public static let byteCount = HashSlot.count / 8
    public private(set) var bytes: [UInt8]

    public init() { bytes = Array(repeating: 0, count: SlotBitmap.byteCount) }

    /// A bitmap from exactly `byteCount` bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == SlotBitmap.byteCount else { return nil }
        self.bytes = Array(bytes)
    }

    public func contains(_ slot: Int) -> Bool {
        bytes[slot >> 3] & (1 << UInt8(slot & 7)) != 0
    }

    public mutating func insert(_ slot: Int) {
        bytes[slot >> 3] |= 1 << UInt8(slot & 7)
    }

    public mutating func remove(_ slot: Int) {
        bytes[slot >> 3] &= ~(1 << UInt8(slot & 7))
    }

    /// Clears every slot `other` holds.
    public mutating func subtract(_ other: SlotBitmap) {
        for index in bytes.indices { bytes[index] &= ~other.bytes[index] }
    }

    public var isEmpty: Bool { bytes.allSatisfy { $0 == 0 } }

    public var count: Int { bytes.reduce(0) { $0 + $1.nonzeroBitCount } }
}
