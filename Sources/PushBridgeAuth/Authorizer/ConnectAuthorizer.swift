import Crypto
import CurlTransport
import PushBridgeCore
import PushBridgeJSON
import Synchronization

/// Asks the authorizer webhook (`--authorizer-url`) whether a `$connect` may upgrade: POSTs API Gateway's REQUEST
/// authorizer event (``AuthorizerEvent``) and evaluates the IAM policy it answers (``AuthorizerAnswer``) against the
/// method ARN. Allow and deny answers are cached per identity (``AuthorizerIdentitySource``) for the time to live;
/// failures are not, so the next connect asks again.
public final class ConnectAuthorizer: Sendable {
    public let settings: AuthorizerSettings
    private let account: AccountContext
    private let webhook: JSONWebhook
    private let now: @Sendable () -> ContinuousClock.Instant
    /// Keyed by a SHA-256 of the identity's values: the tokens themselves are not kept in memory.
    private let cache: Mutex<ExpiringCache<[UInt8], AuthorizerAnswer.Decision>>

    /// - Parameters:
    ///   - transport: sends the webhook request (the server's libcurl client; a stand-in in tests).
    ///   - now: the clock cache entries expire by.
    public init(
        settings: AuthorizerSettings,
        account: AccountContext,
        transport: @escaping JSONWebhook.Transport,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.settings = settings
        self.account = account
        self.webhook = JSONWebhook(
            url: settings.url,
            timeout: settings.timeout,
            maximumAnswerBytes: AuthorizerAnswer.maximumBytes,
            transport: transport
        )
        self.now = now
        self.cache = Mutex(ExpiringCache(timeToLive: settings.timeToLive, capacity: settings.maximumCachedAnswers))
    }

    public convenience init(settings: AuthorizerSettings, account: AccountContext, client: CurlHTTPClient) {
        self.init(settings: settings, account: account) { request in try await client.execute(request) }
    }

    /// The identity a `$connect` carries, or nil when it lacks one (answered 401 without asking the webhook).
    public func identity(headers: [(name: String, value: String)], uri: String) -> [String]? {
        settings.identitySource.values(headers: headers, uri: uri)
    }

    /// Decides `request`, whose identity values ``identity(headers:uri:)`` found: from the cache, else by asking.
    public func authorize(_ request: ConnectRequest, identity: [String]) async -> AuthorizerOutcome {
        let key = Self.cacheKey(identity)
        if let cached = cache.withLock({ $0.value(for: key, now: now()) }) { return Self.outcome(cached) }
        let event = AuthorizerEvent(request, account: account)
        switch await webhook.post(Array(event.json.jsonText.utf8)) {
        case .failure(.status(401)):
            return .unauthorized
        case .failure(let failure):
            return .failed(failure.description)
        case .success(let body):
            let decision: AuthorizerAnswer.Decision
            do {
                decision = try AuthorizerAnswer.parse(body).decision(for: event.methodArn)
            } catch {
                return .failed("\(error)")
            }
            cache.withLock { $0.store(decision, for: key, now: now()) }
            return Self.outcome(decision)
        }
    }

    private static func outcome(_ decision: AuthorizerAnswer.Decision) -> AuthorizerOutcome {
        switch decision {
        case .allow(let identity): .allowed(identity)
        case .deny: .denied
        }
    }

    /// Each value with its length first, so `["ab", "c"]` and `["a", "bc"]` differ.
    static func cacheKey(_ values: [String]) -> [UInt8] {
        var hash = SHA256()
        for value in values {
            let bytes = Array(value.utf8)
            withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { hash.update(bufferPointer: $0) }
            hash.update(data: bytes)
        }
        return Array(hash.finalize())
    }
}
