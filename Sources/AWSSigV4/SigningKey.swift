import Crypto

/// SigV4 step 3: the day-scoped key that signs every request of one access key, day, region and service.
///
/// Shared by the signer and the verifier so both derive it the one way the specification gives:
/// `AWS4`+secret → date → region → service → `aws4_request`, each step an HMAC-SHA256 of the next label.
enum SigningKey {
    static func derive(secretAccessKey: String, date: String, region: String, service: String) -> SymmetricKey {
        let secret = SymmetricKey(data: Array("AWS4\(secretAccessKey)".utf8))
        let dateKey = hmac(secret, date)
        let regionKey = hmac(dateKey, region)
        let serviceKey = hmac(regionKey, service)
        return hmac(serviceKey, "aws4_request")
    }

    /// Lowercase hex HMAC-SHA256 of the string to sign.
    static func signature(of stringToSign: String, with key: SymmetricKey) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    private static func hmac(_ key: SymmetricKey, _ message: String) -> SymmetricKey {
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: key))
    }
}
