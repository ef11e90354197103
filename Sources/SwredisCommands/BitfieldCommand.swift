import SwredisBytes
import SwredisEngine
import SwredisKeyspace

/// BITFIELD and BITFIELD_RO: signed and unsigned integers of 1 to 64 bits at any bit offset, with
/// WRAP / SAT / FAIL overflow handling, following Redis's `bitfieldGeneric`. Every operation is parsed
/// before any runs, so a bad argument changes nothing.
extension BitCommands {
    enum FieldOperation { case get, set, incrby }
    enum Overflow { case wrap, sat, fail }

    struct FieldOp {
        let operation: FieldOperation
        let signed: Bool
        let bits: Int
        let offset: Int
        let value: Int
        let overflow: Overflow
    }

    static let typeError =
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."

    static func fieldType(_ client: ClientSession, _ args: Arguments, _ index: Int) -> (signed: Bool, bits: Int)? {
        let bytes = args[index]
        guard let first = bytes.first else {
            client.error(typeError)
            return nil
        }
        let signed: Bool
        switch first {
        // Lower case only, as Redis's getBitfieldTypeFromArgument.
        case UInt8(ascii: "i"): signed = true
        case UInt8(ascii: "u"): signed = false
        default:
            client.error(typeError)
            return nil
        }
        guard let bits = StringNumbers.parseCanonicalInteger(UnsafeRawBufferPointer(rebasing: bytes[1...])),
            bits >= 1, bits <= (signed ? 64 : 63)
        else {
            client.error(typeError)
            return nil
        }
        return (signed, bits)
    }

    static func bitfield(_ engine: Engine, _ client: ClientSession, _ args: Arguments, readOnly: Bool) {
        var operations: [FieldOp] = []
        var overflow = Overflow.wrap
        var writes = false
        var highestBit = 0
        var index = 2
        while index < args.count {
            let remaining = args.count - index - 1
            let operation: FieldOperation
            if args.matches(index, "get") && remaining >= 2 {
                operation = .get
            } else if args.matches(index, "set") && remaining >= 3 {
                operation = .set
            } else if args.matches(index, "incrby") && remaining >= 3 {
                operation = .incrby
            } else if args.matches(index, "overflow") && remaining >= 1 {
                if args.matches(index + 1, "wrap") {
                    overflow = .wrap
                } else if args.matches(index + 1, "sat") {
                    overflow = .sat
                } else if args.matches(index + 1, "fail") {
                    overflow = .fail
                } else {
                    client.error("ERR Invalid OVERFLOW type specified")
                    return
                }
                index += 2
                continue
            } else {
                client.error(RedisError.syntax)
                return
            }
            guard let type = fieldType(client, args, index + 1) else { return }
            guard let offset = bitOffset(engine, client, args, index + 2, width: type.bits) else { return }
            var value = 0
            if operation != .get {
                writes = true
                guard let parsed = args.integerOrReply(index + 3, client) else { return }
                value = parsed
                highestBit = max(highestBit, offset + type.bits - 1)
            }
            operations.append(
                FieldOp(
                    operation: operation, signed: type.signed, bits: type.bits, offset: offset, value: value,
                    overflow: overflow))
            index += operation == .get ? 3 : 4
        }
        var bytes: [UInt8]
        var grew = false
        if writes {
            guard !readOnly else {
                client.error("ERR BITFIELD_RO only supports the GET subcommand")
                return
            }
            guard let existing = writableBytes(engine, client, args[1]) else { return }
            bytes = existing
            let needed = (highestBit >> 3) + 1
            if bytes.count < needed {
                bytes.append(contentsOf: repeatElement(0, count: needed - bytes.count))
                grew = true
            }
        } else {
            guard let existing = stringBytes(engine, client, args[1]) else { return }
            bytes = existing
        }
        client.reply.arrayHeader(operations.count)
        var changed = false
        for op in operations {
            switch op.operation {
            case .get:
                let raw = readBits(bytes, op.offset, op.bits)
                client.reply.integer(op.signed ? signExtend(raw, op.bits) : Int(raw))
            case .set, .incrby:
                let old = readBits(bytes, op.offset, op.bits)
                let result =
                    op.signed
                    ? signedResult(old: signExtend(old, op.bits), op)
                    : unsignedResult(old: old, op)
                guard let (stored, reply) = result else {
                    client.reply.null()
                    continue
                }
                writeBits(&bytes, op.offset, op.bits, stored)
                client.reply.integer(reply)
                // Writing the bits a field already holds changes nothing, unless the string was created or grown.
                if stored != old || grew { changed = true }
            }
        }
        if changed {
            store(engine, client, args[1], bytes)
            engine.dirty += 1
            engine.notify(client, .string, "setbit", args[1])
        } else if grew {
            // Like Redis, the string is created (or grown) to hold the written fields before any of them runs,
            // even when OVERFLOW FAIL then refuses every write; that alone is not a change to propagate.
            store(engine, client, args[1], bytes)
        }
    }

    /// (bits to store, reply) for a signed SET/INCRBY, or nil when FAIL refuses an overflow.
    static func signedResult(old: Int, _ op: FieldOp) -> (UInt64, Int)? {
        let maximum = op.bits == 64 ? Int.max : (1 << (op.bits - 1)) - 1
        let minimum = -maximum - 1
        let base = op.operation == .incrby ? old : op.value
        let increment = op.operation == .incrby ? op.value : 0
        let (sum, overflowed) = base.addingReportingOverflow(increment)
        var result = sum
        if overflowed || sum > maximum || sum < minimum {
            switch op.overflow {
            case .fail: return nil
            case .sat:
                let upward = overflowed ? increment > 0 : sum > maximum
                result = upward ? maximum : minimum
            case .wrap:
                result = signExtend(UInt64(bitPattern: Int64(base &+ increment)) & mask(op.bits), op.bits)
            }
        }
        return (UInt64(bitPattern: Int64(result)) & mask(op.bits), op.operation == .incrby ? result : old)
    }

    /// (bits to store, reply) for an unsigned SET/INCRBY, or nil when FAIL refuses an overflow.
    static func unsignedResult(old: UInt64, _ op: FieldOp) -> (UInt64, Int)? {
        let maximum = mask(op.bits)
        var result: UInt64
        if op.operation == .incrby {
            let increment = op.value
            if increment >= 0 {
                let (sum, overflowed) = old.addingReportingOverflow(UInt64(increment))
                if overflowed || sum > maximum {
                    switch op.overflow {
                    case .fail: return nil
                    case .sat: result = maximum
                    case .wrap: result = (old &+ UInt64(increment)) & maximum
                    }
                } else {
                    result = sum
                }
            } else {
                let decrement = UInt64(increment.magnitude)
                if decrement > old {
                    switch op.overflow {
                    case .fail: return nil
                    case .sat: result = 0
                    case .wrap: result = (old &- decrement) & maximum
                    }
                } else {
                    result = old - decrement
                }
            }
            return (result, Int(result))
        }
        let value = UInt64(bitPattern: Int64(op.value))
        if value > maximum {
            switch op.overflow {
            case .fail: return nil
            // Redis reads a negative value as a huge unsigned one, so SAT clamps it to the maximum.
            case .sat: result = maximum
            case .wrap: result = value & maximum
            }
        } else {
            result = value
        }
        return (result, Int(old))
    }

    static func mask(_ bits: Int) -> UInt64 {
        bits == 64 ? UInt64.max : (1 << UInt64(bits)) - 1
    }

    static func signExtend(_ raw: UInt64, _ bits: Int) -> Int {
        if bits == 64 { return Int(Int64(bitPattern: raw)) }
        let shift = UInt64(64 - bits)
        return Int(Int64(bitPattern: raw << shift) >> Int64(shift))
    }

    /// Reads `bits` bits at `offset` (big-endian bit order); bits past the end read as zero.
    static func readBits(_ bytes: [UInt8], _ offset: Int, _ bits: Int) -> UInt64 {
        var value: UInt64 = 0
        for position in offset..<(offset + bits) {
            let byte = position >> 3
            let set = byte < bytes.count && bytes[byte] & UInt8(1 << (7 - (position & 7))) != 0
            value = value << 1 | (set ? 1 : 0)
        }
        return value
    }

    static func writeBits(_ bytes: inout [UInt8], _ offset: Int, _ bits: Int, _ value: UInt64) {
        for index in 0..<bits {
            let position = offset + index
            let set = (value >> UInt64(bits - 1 - index)) & 1 == 1
            let bitMask = UInt8(1 << (7 - (position & 7)))
            if set { bytes[position >> 3] |= bitMask } else { bytes[position >> 3] &= ~bitMask }
        }
    }
}
