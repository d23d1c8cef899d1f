import Foundation

/// The long-term or temporary key pair a request is signed with.
///
/// `description` redacts the secret and the session token so that credentials can be logged or interpolated
/// into error messages without leaking them.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyId: String
    public var secretAccessKey: String
    /// Present for temporary (STS) credentials; sent as `X-Amz-Security-Token`.
    public var sessionToken: String?

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// Reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, the variables every AWS SDK and
    /// the CLI honour, so one shell setup drives both PushBridge and the AWS tools.
    ///
    /// Returns `nil` unless both the key id and the secret are set and non-empty. An empty `AWS_SESSION_TOKEN` counts
    /// as absent (shells often export empty variables); the legacy `AWS_SECURITY_TOKEN` is the fallback, as in botocore.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> AWSCredentials? {
        guard let accessKeyId = nonEmpty(env["AWS_ACCESS_KEY_ID"]),
            let secretAccessKey = nonEmpty(env["AWS_SECRET_ACCESS_KEY"])
        else { return nil }
        let sessionToken = nonEmpty(env["AWS_SESSION_TOKEN"]) ?? nonEmpty(env["AWS_SECURITY_TOKEN"])
        return AWSCredentials(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey, sessionToken: sessionToken)
    }

    public var description: String {
        let token = sessionToken == nil ? "nil" : "<redacted>"
        return "AWSCredentials(accessKeyId: \(accessKeyId), secretAccessKey: <redacted>, sessionToken: \(token))"
    }
}

private func nonEmpty(_ value: String?) -> String? {
    guard let value, !value.isEmpty else { return nil }
    return value
}
