import PushBridgeJSON

/// Rewords PushBridgeJSON's syntax errors the way Jackson (the parser in front of event-ruler) words the
/// common ones, so `{"source": [shop]}` is reported as AWS reports it.
///
/// For an unrecognized token Jackson reports the location *after* the token, so the column is moved past it.
enum JSONSyntaxReason {
    static func reason(for error: JSONParseError, in text: String) -> (reason: String, column: Int) {
        let bytes = Array(text.utf8)
        guard error.offset < bytes.count else { return ("Unexpected end-of-input", error.column) }
        let byte = bytes[error.offset]
        if isTokenByte(byte) {
            var end = error.offset
            while end < bytes.count && isTokenByte(bytes[end]) { end += 1 }
            let token = String(decoding: bytes[error.offset..<end], as: UTF8.self)
            return (
                "Unrecognized token '\(token)': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                error.column + token.unicodeScalars.count
            )
        }
        if byte < 0x80 && byte >= 0x20 {
            return ("Unexpected character ('\(Character(Unicode.Scalar(byte)))' (code \(byte))): \(error.reason)", error.column)
        }
        return (error.reason, error.column)
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }
}
