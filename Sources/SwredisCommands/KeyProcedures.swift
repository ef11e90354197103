import SwredisEngine

/// Key finders for commands whose key specs cannot name every key (Redis's getkeys procedures in db.c).
enum KeyProcedures {
    /// SORT: the sorted key, and the destination after the last STORE (skipping LIMIT's two arguments and GET's and
    /// BY's one), as `sortGetKeys` finds them.
    static let sort: KeyProcedure = { args, offset in
        var keys = [KeyReference(index: 1, flags: [.readOnly, .access])]
        var index = offset + 2
        var destination: Int?
        while index < args.count {
            if args.matches(index, "limit") {
                index += 2
            } else if args.matches(index, "get") || args.matches(index, "by") {
                index += 1
            } else if args.matches(index, "store") && index + 1 < args.count {
                destination = index + 1 - offset
            }
            index += 1
        }
        if let destination { keys.append(KeyReference(index: destination, flags: [.overwrite, .update])) }
        return keys
    }

    /// SORT_RO: the sorted key (`sortROGetKeys`).
    static let sortReadOnly: KeyProcedure = { _, _ in [KeyReference(index: 1, flags: [.readOnly, .access])] }

    /// SET: the key is read too when GET is given (`setGetKeys`).
    static let set: KeyProcedure = { args, offset in
        let reads = (offset + 3..<max(offset + 3, args.count)).contains { args.matches($0, "get") }
        return [KeyReference(index: 1, flags: reads ? [.readWrite, .access, .update] : [.overwrite, .update])]
    }

    /// BITFIELD: read-only when it only has GET and OVERFLOW operations (`bitfieldGetKeys`).
    static let bitfield: KeyProcedure = { args, offset in
        var readOnly = true
        var index = offset + 2
        while index < args.count {
            let remaining = args.count - index - 1
            if args.matches(index, "get") && remaining >= 2 {
                index += 3
            } else if args.matches(index, "overflow") && remaining >= 1 {
                index += 2
            } else {
                // SET/INCRBY write; anything else is a syntax error, assumed to write.
                readOnly = false
                break
            }
        }
        return [KeyReference(index: 1, flags: readOnly ? [.readOnly, .access] : [.readWrite, .access, .update])]
    }
}
