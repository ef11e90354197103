/// Redis's glob matching (`stringmatchlen`): `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, and `\` escapes.
/// Used by KEYS, SCAN MATCH, CONFIG GET and PUBSUB patterns.
public enum GlobPattern {
    /// Whether `string` matches `pattern`; `nocase` folds ASCII case.
    public static func matches(
        _ pattern: UnsafeRawBufferPointer, _ string: UnsafeRawBufferPointer, nocase: Bool = false
    ) -> Bool {
        var budget = 1000
        return match(pattern, 0, string, 0, nocase, &budget)
    }

    public static func matches(_ pattern: String, _ string: String, nocase: Bool = false) -> Bool {
        Array(pattern.utf8).withUnsafeBytes { p in
            Array(string.utf8).withUnsafeBytes { s in matches(p, s, nocase: nocase) }
        }
    }

    @inline(__always) static func fold(_ byte: UInt8, _ nocase: Bool) -> UInt8 {
        nocase && byte >= 65 && byte <= 90 ? byte | 0x20 : byte
    }

    /// `budget` bounds the recursion of pathological patterns such as `*a*a*a*a*b`, like Redis 7's nesting limit.
    static func match(
        _ p: UnsafeRawBufferPointer, _ pStart: Int, _ s: UnsafeRawBufferPointer, _ sStart: Int,
        _ nocase: Bool, _ budget: inout Int
    ) -> Bool {
        budget -= 1
        if budget <= 0 { return false }
        var pi = pStart
        var si = sStart
        while pi < p.count && si < s.count {
            switch p[pi] {
            case UInt8(ascii: "*"):
                while pi + 1 < p.count && p[pi + 1] == UInt8(ascii: "*") { pi += 1 }
                if pi + 1 == p.count { return true }
                var position = si
                while position < s.count {
                    if match(p, pi + 1, s, position, nocase, &budget) { return true }
                    if budget <= 0 { return false }
                    position += 1
                }
                return false
            case UInt8(ascii: "?"):
                si += 1
            case UInt8(ascii: "["):
                pi += 1
                let negate = pi < p.count && p[pi] == UInt8(ascii: "^")
                if negate { pi += 1 }
                var matched = false
                while true {
                    if pi >= p.count {
                        pi -= 1
                        break
                    }
                    if p[pi] == UInt8(ascii: "\\") && pi + 1 < p.count {
                        pi += 1
                        if p[pi] == s[si] { matched = true }
                    } else if p[pi] == UInt8(ascii: "]") {
                        break
                    } else if pi + 2 < p.count && p[pi + 1] == UInt8(ascii: "-") {
                        var start = fold(p[pi], nocase)
                        var end = fold(p[pi + 2], nocase)
                        let c = fold(s[si], nocase)
                        if start > end { swap(&start, &end) }
                        pi += 2
                        if c >= start && c <= end { matched = true }
                    } else if fold(p[pi], nocase) == fold(s[si], nocase) {
                        matched = true
                    }
                    pi += 1
                }
                if negate { matched = !matched }
                if !matched { return false }
                si += 1
            case UInt8(ascii: "\\"):
                if pi + 1 < p.count { pi += 1 }
                fallthrough
            default:
                if fold(p[pi], nocase) != fold(s[si], nocase) { return false }
                si += 1
            }
            pi += 1
        }
        // Like Redis, trailing stars are skipped only once the string was consumed, so `*` patterns other
        // than the KEYS fast path don't match an empty string.
        if si == s.count && si > sStart {
            while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
        }
        return pi == p.count && si == s.count
    }
}
