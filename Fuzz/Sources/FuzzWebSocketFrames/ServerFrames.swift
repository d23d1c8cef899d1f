import FuzzSupport
import PushBridgeJSON

/// Checks bytes a server wrote against RFC 6455: the frames themselves, and that text messages are JSON
/// (the only text PushBridge sends).
enum ServerFrames {
    static func check(_ bytes: [UInt8]) {
        var position = 0
        var message: [UInt8]?
        var closed = false
        while position < bytes.count {
            Fuzz.require(bytes.count - position >= 2, "a truncated frame header")
            let first = bytes[position]
            let second = bytes[position + 1]
            let fin = first & 0x80 != 0
            let opcode = first & 0x0F
            Fuzz.require(first & 0x70 == 0, "reserved bits set: \(first)")
            Fuzz.require(second & 0x80 == 0, "a masked server frame")
            var length = Int(second & 0x7F)
            position += 2
            let extra = length == 126 ? 2 : length == 127 ? 8 : 0
            Fuzz.require(bytes.count - position >= extra, "a truncated frame length")
            if extra > 0 {
                length = bytes[position..<position + extra].reduce(0) { $0 << 8 | Int($1) }
                position += extra
            }
            Fuzz.require(length >= 0 && bytes.count - position >= length, "a frame longer than what was written")
            let payload = Array(bytes[position..<position + length])
            position += length
            Fuzz.debug("server frame: fin \(fin) opcode \(opcode) \(String(decoding: payload, as: UTF8.self).debugDescription)")
            // RFC 6455 5.5.1: nothing after a close frame, not even a second close.
            Fuzz.require(!closed || opcode == 0x8, "a frame after the close frame", id: "data-after-close")
            Fuzz.require(!closed || opcode != 0x8, "a second close frame", id: "second-close")
            switch opcode {
            case 0x1, 0x2:
                Fuzz.require(message == nil, "a new message inside a fragmented one")
                Fuzz.require(opcode == 0x1, "a binary message")
                if fin { checkText(payload) } else { message = payload }
            case 0x0:
                Fuzz.require(message != nil, "a continuation without a message")
                message! += payload
                if fin {
                    checkText(message!)
                    message = nil
                }
            case 0x8, 0x9, 0xA:
                Fuzz.require(fin && length <= 125, "a control frame fragmented or longer than 125 bytes")
                if opcode == 0x8 {
                    Fuzz.require(length != 1, "a close frame with a one-byte payload")
                    if length >= 2 {
                        let code = Int(payload[0]) << 8 | Int(payload[1])
                        Fuzz.require((1000...4999).contains(code) && ![1004, 1005, 1006, 1015].contains(code), "close code \(code)")
                        Fuzz.require(String(validating: payload.dropFirst(2), as: UTF8.self) != nil, "a close reason that is not UTF-8")
                    }
                    closed = true
                }
            default:
                Fuzz.require(false, "opcode \(opcode)")
            }
        }
    }

    private static func checkText(_ payload: [UInt8]) {
        Fuzz.require((try? JSONParser.parse(payload)) != nil, "a text message that is not JSON: \(String(decoding: payload, as: UTF8.self))")
    }
}
