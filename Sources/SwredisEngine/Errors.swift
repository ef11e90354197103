/// Redis's error texts, byte for byte, in one place.
public enum RedisError {
    public static let wrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"
    public static let notInteger = "ERR value is not an integer or out of range"
    public static let notFloat = "ERR value is not a valid float"
    public static let syntax = "ERR syntax error"
    public static let noAuth = "NOAUTH Authentication required."
    public static let wrongPass = "WRONGPASS invalid username-password pair or user is disabled."
    public static let noSuchKey = "ERR no such key"
    public static let dbIndexOutOfRange = "ERR DB index is out of range"
    public static let overflow = "ERR increment or decrement would overflow"
    public static let stringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    public static let invalidCursor = "ERR invalid cursor"

    public static func wrongArity(_ name: String) -> String {
        "ERR wrong number of arguments for '\(name)' command"
    }

    public static func invalidExpire(_ command: String) -> String {
        "ERR invalid expire time in '\(command)' command"
    }

    /// A known subcommand given a number of arguments its handler refuses (Redis's addReplySubcommandSyntaxError).
    public static func subcommandSyntax(_ sub: String, _ command: String) -> String {
        "ERR unknown subcommand or wrong number of arguments for '\(sub.prefix(128))'. Try \(command.uppercased()) HELP."
    }

    public static func unknownSubcommand(_ sub: String, _ command: String) -> String {
        "ERR unknown subcommand '\(sub.prefix(128))'. Try \(command.uppercased()) HELP."
    }

    /// Redis: `unknown command 'foo', with args beginning with: 'a' 'b' ` (each argument quoted and followed
    /// by a space, at most 128 bytes of the name and of each argument shown).
    public static func unknownCommand(_ name: String, arguments: [String]) -> String {
        // Redis formats with %s, so each part ends at its first NUL byte.
        func cString(_ text: String) -> String { String(text.prefix { $0 != "\0" }) }
        let name = cString(name)
        var list = ""
        for argument in arguments.map(cString) {
            let room = 128 - list.utf8.count
            guard room > 0 else { break }
            list += "'\(String(decoding: argument.utf8.prefix(room), as: UTF8.self))' "
        }
        return
            "ERR unknown command '\(String(decoding: name.utf8.prefix(128), as: UTF8.self))', with args beginning with: \(list)"
    }
}
