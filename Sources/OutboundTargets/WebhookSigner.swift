import Crypto
import Foundation

/// Signs webhook deliveries the Standard Webhooks way, so receivers can verify them with any of its libraries:
/// `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
public struct WebhookSigner: Sendable {
    private let key: SymmetricKey

    public struct InvalidSecret: Error, CustomStringConvertible {
        public var description: String { "a webhook secret must be whsec_ followed by base64 (at least 24 bytes once decoded)" }
    }

    /// - Parameter secret: `whsec_` followed by the base64 key, as Standard Webhooks secrets are written.
    public init(secret: String) throws(InvalidSecret) {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst("whsec_".count)) : secret
        guard let bytes = Data(base64Encoded: encoded), bytes.count >= 24 else { throw InvalidSecret() }
        self.key = SymmetricKey(data: bytes)
    }

    public func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        var message = Array("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }
}
