import PushBridgeCore
import PushBridgeJSON

/// Which claim names the user (`--jwt-user-claim`): a JSON path into the token's claims, `$.sub` by default; the
/// sample's tokens carry it at `$.data.userId`.
public struct UserIdClaim: Sendable, Equatable {
    public let path: JSONPath

    public static let subject = UserIdClaim(unchecked: "$.sub")

    public init(_ text: String) throws(JSONPath.InvalidPath) {
        path = try JSONPath(text)
    }

    private init(unchecked text: String) {
        path = try! JSONPath(text)
    }

    /// The user id: a non-empty string, or an integer written as text (some issuers number their users). Nil when
    /// the claim is missing or of another type.
    public func userId(in claims: JSONObject) -> String? {
        switch path.evaluate(.object(claims)) {
        case .string(let text)?: return text.isEmpty || text.utf8.count > Self.maximumBytes ? nil : text
        case .number(let number)? where number.int64 != nil: return number.text
        default: return nil
        }
    }

    /// Longer ids are refused: they key an index and appear in logs and admin listings.
    public static let maximumBytes = 256
}
