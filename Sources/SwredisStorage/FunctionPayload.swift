import SwredisBytes

/// FUNCTION DUMP / RESTORE payloads: one FUNCTION2 record per library (its whole code), then the RDB version (2
/// bytes little endian) and the CRC-64 of all that, as Redis 7.0 writes them.
public enum FunctionPayload {
    public static func encode(_ libraries: [[UInt8]], compression: Bool) -> [UInt8] {
        var encoder = RDBEncoder(compression: compression)
        for code in libraries { encoder.appendFunctionLibrary(code) }
        encoder.appendDumpFooter()
        return encoder.buffer
    }

    /// The libraries' code in payload order, or Redis's error text (without `ERR `). Pre-GA FUNCTION records (name,
    /// engine, description, body) become `#!<engine> name=<name>` code, as Redis rebuilds them.
    public static func decode(_ payload: UnsafeRawBufferPointer) -> Result<[[UInt8]], FunctionPayloadError> {
        guard let body = DumpPayload.verifiedBody(payload) else {
            return .failure(FunctionPayloadError("DUMP payload version or checksum are wrong"))
        }
        var cursor = RDBCursor(body)
        var libraries: [[UInt8]] = []
        while cursor.remaining > 0 {
            guard let type = try? cursor.byte() else { return .failure(FunctionPayloadError("can not read data type")) }
            switch type {
            case RDBFormat.Opcode.function2:
                guard let code = try? cursor.byteString() else {
                    return .failure(FunctionPayloadError("Failed loading library payload"))
                }
                libraries.append(code.withUnsafeBytes { Array($0) })
            case RDBFormat.Opcode.functionPreGA:
                guard let name = try? cursor.byteString() else {
                    return .failure(FunctionPayloadError("Failed loading library name"))
                }
                guard let engine = try? cursor.byteString() else {
                    return .failure(FunctionPayloadError("Failed loading engine name"))
                }
                guard let hasDescription = try? cursor.length() else {
                    return .failure(FunctionPayloadError("Failed loading library description indicator"))
                }
                if hasDescription != 0 && (try? cursor.byteString()) == nil {
                    return .failure(FunctionPayloadError("Failed loading library description"))
                }
                guard let body = try? cursor.byteString() else {
                    return .failure(FunctionPayloadError("Failed loading library blob"))
                }
                var code = Array("#!".utf8)
                engine.withUnsafeBytes { code += $0 }
                code += Array(" name=".utf8)
                name.withUnsafeBytes { code += $0 }
                code.append(10)
                body.withUnsafeBytes { code += $0 }
                libraries.append(code)
            default:
                return .failure(FunctionPayloadError("given type is not a function"))
            }
        }
        return .success(libraries)
    }
}

/// Why a FUNCTION RESTORE payload was refused: Redis's error text, without `ERR `.
public struct FunctionPayloadError: Error {
    public let message: String
    public init(_ message: String) { self.message = message }
}
