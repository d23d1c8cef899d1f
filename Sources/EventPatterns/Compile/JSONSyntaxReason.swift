import PushBridgeJSON

/// Rewords PushBridgeJSON's syntax errors the way Jackson (the parser in front of event-ruler) words the
/// common ones, so `{"source": [shop]}` is reported as AWS reports it.
enum JSONSyntaxReason {
    static func reason(for error: JSONParseError, in text: String) -> String {
        let bytes = Array(text.utf8)
        guard error.offset < bytes.count else { return "Unexpected end-of-input" }
        let byte = bytes[error.offset]
        if isTokenByte(byte) {
            var end = error.offset
            while end < bytes.count && isTokenByte(bytes[end]) { end += 1 }
            let token = String(decoding: bytes[error.offset..<end], as: UTF8.self)
            return "Unrecognized token '\(token)': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        }
        if byte < 0x80 && byte >= 0x20 {
            return "Unexpected character ('\(Character(Unicode.Scalar(byte)))' (code \(byte))): \(error.reason)"
        }
        return error.reason
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }
}
