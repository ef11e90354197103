/// Comparisons whose running time does not depend on a secret's contents (AUTH passwords).
public enum ConstantTime {
    /// Whether `given` equals `secret`. Every byte of `given` is compared, with no early exit, against the secret
    /// read cyclically, so the time depends only on the length the client chose; lengths are compared last.
    public static func equal(_ given: UnsafeRawBufferPointer, _ secret: UnsafeRawBufferPointer) -> Bool {
        var difference = UInt8(truncatingIfNeeded: given.count ^ secret.count) | (given.count != secret.count ? 1 : 0)
        guard secret.count > 0 else { return given.isEmpty }
        var index = 0
        for byte in given {
            difference |= byte ^ secret[index]
            index = index + 1 == secret.count ? 0 : index + 1
        }
        return difference == 0
    }
}
