/// LZF, the compression Redis applies to RDB strings longer than 20 bytes (`rdbcompression yes`).
///
/// The stream is a sequence of chunks, each introduced by a control byte:
/// - `000LLLLL`: a literal run of L+1 bytes follows;
/// - `LLLOOOOO oooooooo` (L in 1...6) or `111OOOOO llllllll oooooooo`: a back reference copying L+2 bytes
///   (L = 7 + l for the long form) from `O*256 + o + 1` bytes behind the output position.
public enum LZF {
    static let maxLiteral = 32
    static let maxOffset = 1 << 13
    static let maxMatch = (1 << 8) + (1 << 3)
    static let hashBits = 14
    /// The most output one input byte can stand for: a 3-byte long back reference copies up to 264 bytes.
    static let maxExpansionRatio = (7 + 255 + 2) / 3

    /// Compresses `input` into at most `limit` bytes; nil when the result would not fit (Redis then stores
    /// the string uncompressed). Inputs of 2 GiB or more are not compressed: the hash table holds 32-bit positions.
    public static func compress(_ input: UnsafeRawBufferPointer, limit: Int) -> [UInt8]? {
        let length = input.count
        guard length >= 4, length <= Int(Int32.max), limit > 0,
            let source = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        else { return nil }
        var table = [Int32](repeating: -1, count: 1 << hashBits)
        var output = [UInt8](repeating: 0, count: limit + maxLiteral + 4)
        let produced: Int? = output.withUnsafeMutableBufferPointer { out -> Int? in
            table.withUnsafeMutableBufferPointer { table -> Int? in
                var outPosition = 1
                var literalControl = 0
                var literalCount = 0
                var position = 0
                /// Copies the byte at `position` into the open literal run, closing the run when it is full.
                @inline(__always) func emitLiteral() {
                    if literalCount == 0 { literalControl = outPosition - 1 }
                    out[outPosition] = source[position]
                    outPosition += 1
                    position += 1
                    literalCount += 1
                    if literalCount == maxLiteral {
                        out[literalControl] = UInt8(maxLiteral - 1)
                        literalCount = 0
                        outPosition += 1
                    }
                }
                @inline(__always) func hash(_ at: Int) -> Int {
                    let value = UInt32(source[at]) << 16 | UInt32(source[at + 1]) << 8 | UInt32(source[at + 2])
                    return Int((value &* 2_654_435_761) >> UInt32(32 - hashBits))
                }
                while position + 2 < length {
                    if outPosition > limit { return nil }
                    let slot = hash(position)
                    let reference = Int(table[slot])
                    table[slot] = Int32(position)
                    let offset = position - reference - 1
                    if reference >= 0, offset < maxOffset,
                        source[reference] == source[position], source[reference + 1] == source[position + 1],
                        source[reference + 2] == source[position + 2]
                    {
                        let longest = min(maxMatch, length - position)
                        var match = 3
                        while match < longest && source[reference + match] == source[position + match] { match += 1 }
                        // Close the pending literal run (or drop its unused control byte).
                        if literalCount > 0 {
                            out[literalControl] = UInt8(literalCount - 1)
                            literalCount = 0
                        } else {
                            outPosition -= 1
                        }
                        let encoded = match - 2
                        if encoded < 7 {
                            out[outPosition] = UInt8(encoded << 5 | offset >> 8)
                            outPosition += 1
                        } else {
                            out[outPosition] = UInt8(7 << 5 | offset >> 8)
                            out[outPosition + 1] = UInt8(encoded - 7)
                            outPosition += 2
                        }
                        out[outPosition] = UInt8(offset & 0xff)
                        outPosition += 1
                        literalControl = outPosition
                        outPosition += 1
                        position += match
                        if position + 2 < length { table[hash(position - 1)] = Int32(position - 1) }
                        continue
                    }
                    emitLiteral()
                }
                while position < length {
                    emitLiteral()
                }
                if literalCount > 0 {
                    out[literalControl] = UInt8(literalCount - 1)
                } else {
                    outPosition -= 1
                }
                return outPosition <= limit ? outPosition : nil
            }
        }
        guard let produced else { return nil }
        output.removeSubrange(produced...)
        return output
    }

    /// Decompresses `input` that must expand to exactly `expectedLength` bytes; nil when the data is corrupt.
    /// A length no stream of `input.count` bytes can reach is refused before the output is allocated, so a
    /// corrupt header can't make the loader allocate up to its claim.
    public static func decompress(_ input: UnsafeRawBufferPointer, expectedLength: Int) -> [UInt8]? {
        guard expectedLength >= 0, expectedLength / maxExpansionRatio <= input.count else { return nil }
        var output = [UInt8](repeating: 0, count: expectedLength)
        let ok = output.withUnsafeMutableBufferPointer { out -> Bool in
            var inPosition = 0
            var outPosition = 0
            while inPosition < input.count {
                let control = Int(input[inPosition])
                inPosition += 1
                if control < 32 {
                    let run = control + 1
                    guard inPosition + run <= input.count, outPosition + run <= expectedLength else { return false }
                    for index in 0..<run { out[outPosition + index] = input[inPosition + index] }
                    inPosition += run
                    outPosition += run
                } else {
                    var run = control >> 5
                    if run == 7 {
                        guard inPosition < input.count else { return false }
                        run += Int(input[inPosition])
                        inPosition += 1
                    }
                    run += 2
                    guard inPosition < input.count else { return false }
                    let back = ((control & 0x1f) << 8) + Int(input[inPosition]) + 1
                    inPosition += 1
                    guard back <= outPosition, outPosition + run <= expectedLength else { return false }
                    for index in 0..<run { out[outPosition + index] = out[outPosition - back + index] }
                    outPosition += run
                }
            }
            return outPosition == expectedLength
        }
        return ok ? output : nil
    }
}
