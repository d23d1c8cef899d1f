/// The `$connect` authorizer webhook (`--authorizer-…`): where it is, how long its answers are kept, how long it may
/// take, and what identifies a caller.
public struct AuthorizerSettings: Sendable, Equatable {
    public var url: String
    /// How long an answer is reused for the same identity; zero asks on every `$connect` (API Gateway: 300 s).
    public var timeToLive: Duration = .seconds(300)
    /// How long the webhook may take to answer; past it the connect is refused (500).
    public var timeout: Duration = .seconds(5)
    public var identitySource = AuthorizerIdentitySource.token
    /// The most answers cached at once; the oldest makes room.
    public var maximumCachedAnswers = 10_000

    public init(url: String) {
        self.url = url
    }
}
