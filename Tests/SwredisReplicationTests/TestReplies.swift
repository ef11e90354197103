import NIOCore
import SwredisClient

/// One reply from its RESP text, for feeding the link's state machines.
func reply(_ text: String) -> RESPToken {
    var buffer = ByteBuffer(string: text)
    guard let token = try? RESPToken(consuming: &buffer) else { fatalError("bad test reply \(text)") }
    return token
}
