import CurlTransport
import PushBridgeJSON
import Synchronization

/// The `url:` subscribe policy: asks a webhook whether a connection may subscribe to an entity (``SubscribeCheck``).
/// Answers are cached per user (or connection) and entity for the time to live; a failure denies and is not cached.
public final class SubscribeWebhook: Sendable {
    public let webhook: JSONWebhook
    private let now: @Sendable () -> ContinuousClock.Instant
    private let cache: Mutex<ExpiringCache<SubscribeCheck.Key, Bool>>

    public static let defaultTimeToLive: Duration = .seconds(60)
    public static let defaultTimeout: Duration = .seconds(5)
    public static let maximumCachedAnswers = 100_000

    public enum Verdict: Sendable, Equatable, CustomStringConvertible {
        case allowed
        case denied
        /// No usable answer, which denies.
        case failed(String)

        public var allows: Bool { self == .allowed }

        public var description: String {
            switch self {
            case .allowed: "allowed"
            case .denied: "denied"
            case .failed(let reason): "failed: \(reason)"
            }
        }
    }

    public init(
        url: String,
        timeToLive: Duration = defaultTimeToLive,
        timeout: Duration = defaultTimeout,
        transport: @escaping JSONWebhook.Transport,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.webhook = JSONWebhook(url: url, timeout: timeout, maximumAnswerBytes: SubscribeCheck.maximumAnswerBytes, transport: transport)
        self.now = now
        self.cache = Mutex(ExpiringCache(timeToLive: timeToLive, capacity: Self.maximumCachedAnswers))
    }

    public convenience init(url: String, timeToLive: Duration, timeout: Duration, client: CurlHTTPClient) {
        self.init(url: url, timeToLive: timeToLive, timeout: timeout) { request in try await client.execute(request) }
    }

    /// The cached answer, if any: what lets a subscribe be answered at once, without a request.
    public func cachedVerdict(_ check: SubscribeCheck) -> Verdict? {
        cache.withLock { $0.value(for: check.cacheKey, now: now()) }.map { $0 ? .allowed : .denied }
    }

    /// Asks the webhook (or the cache).
    public func ask(_ check: SubscribeCheck) async -> Verdict {
        if let cached = cachedVerdict(check) { return cached }
        switch await webhook.post(Array(check.body.jsonText.utf8)) {
        case .failure(let failure):
            return .failed(failure.description)
        case .success(let body):
            let allow: Bool
            do {
                allow = try SubscribeCheck.parseAnswer(body)
            } catch {
                return .failed("\(error)")
            }
            cache.withLock { $0.store(allow, for: check.cacheKey, now: now()) }
            return allow ? .allowed : .denied
        }
    }
}
