import Foundation

/// Base64url without padding (RFC 7515 §2), for reading a token's header and payload. Signatures are left to
/// jwt-kit.
enum Base64URL {
    static func decode(_ text: Substring) -> [UInt8]? {
        var base64 = String(text).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        switch base64.utf8.count % 4 {
        case 0: break
        case 2: base64 += "=="
        case 3: base64 += "="
        default: return nil
        }
        return Data(base64Encoded: base64).map { [UInt8]($0) }
    }
}
