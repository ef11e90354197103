import SwredisBytes

/// The arguments of the command being executed: a non-owning view into the connection's read buffer
/// (or an inline command's storage). Valid only while the command runs; handlers copy what they keep
/// into `ByteString`s.
public struct Arguments {
    @usableFromInline package let base: UnsafeRawPointer
    @usableFromInline package let spans: UnsafePointer<Int>
    /// Number of arguments, the command name included.
    public let count: Int

    public init(base: UnsafeRawPointer, spans: UnsafePointer<Int>, count: Int) {
        self.base = base
        self.spans = spans
        self.count = count
    }

    /// Bytes of argument `index`.
    @inlinable public subscript(index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + spans[index &* 2], count: spans[index &* 2 &+ 1])
    }

    /// Argument `index` copied into a `ByteString`.
    @inlinable public func bytes(_ index: Int) -> ByteString {
        ByteString(self[index])
    }

    /// Argument `index` decoded as UTF-8 (lossy), for names and options.
    public func string(_ index: Int) -> String {
        String(decoding: self[index], as: UTF8.self)
    }

    /// Argument `index` lower-cased, for option and subcommand matching.
    public func lowercased(_ index: Int) -> String {
        string(index).lowercased()
    }

    /// Case-insensitive comparison of argument `index` with an ASCII keyword.
    @inlinable public func matches(_ index: Int, _ keyword: StaticString) -> Bool {
        let argument = self[index]
        guard argument.count == keyword.utf8CodeUnitCount else { return false }
        let word = keyword.utf8Start
        for offset in 0..<argument.count {
            let byte = argument[offset]
            let lower = (byte >= 65 && byte <= 90) ? byte | 0x20 : byte
            let expected = word[offset]
            let expectedLower = (expected >= 65 && expected <= 90) ? expected | 0x20 : expected
            if lower != expectedLower { return false }
        }
        return true
    }

    /// Argument `index` as a 64-bit integer with Redis's `string2ll` rules.
    @inlinable public func integer(_ index: Int) -> Int? {
        StringNumbers.parseCanonicalInteger(self[index])
    }

    /// All arguments as byte strings (for MONITOR, propagation and slow log).
    public var all: [ByteString] {
        (0..<count).map { bytes($0) }
    }
}
