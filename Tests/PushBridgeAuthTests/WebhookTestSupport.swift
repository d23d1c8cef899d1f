import CurlTransport
import PushBridgeAuth
import PushBridgeJSON
import Synchronization

/// A clock tests move by hand, so cache expiry is tested without sleeping.
final class ManualClock: Sendable {
    private let start = ContinuousClock.now
    private let elapsed = Mutex<Duration>(.zero)

    func now() -> ContinuousClock.Instant { start + elapsed.withLock { $0 } }

    func advance(by duration: Duration) { elapsed.withLock { $0 += duration } }
}

/// Stands in for the libcurl client: records each request and answers with what `answer` returns (or throws).
final class FakeTransport: Sendable {
    private let recorded = Mutex<[HTTPRequest]>([])
    private let answer: @Sendable (HTTPRequest) throws -> HTTPResponse

    init(_ answer: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) {
        self.answer = answer
    }

    convenience init(status: Int = 200, body: String) {
        self.init { _ in HTTPResponse(status: status, body: Array(body.utf8)) }
    }

    var requests: [HTTPRequest] { recorded.withLock { $0 } }

    /// The JSON body of the last request.
    var lastBody: JSONValue? {
        guard let request = requests.last else { return nil }
        return try? JSONParser.parse(request.body)
    }

    var transport: JSONWebhook.Transport {
        { request in
            self.recorded.withLock { $0.append(request) }
            return try self.answer(request)
        }
    }
}
