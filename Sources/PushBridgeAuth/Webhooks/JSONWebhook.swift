import CurlTransport

/// A webhook PushBridge asks a question (the `$connect` authorizer, the `url:` subscribe policy): a JSON POST with a
/// bounded time and a bounded answer, sent over the server's libcurl client, which never blocks an event loop.
public struct JSONWebhook: Sendable {
    /// Sends one request; the server's ``CurlHTTPClient``, or a stand-in in tests.
    public typealias Transport = @Sendable (HTTPRequest) async throws -> HTTPResponse

    public let url: String
    public let timeout: Duration
    public let maximumAnswerBytes: Int
    private let transport: Transport

    public init(url: String, timeout: Duration, maximumAnswerBytes: Int, transport: @escaping Transport) {
        self.url = url
        self.timeout = timeout
        self.maximumAnswerBytes = maximumAnswerBytes
        self.transport = transport
    }

    public init(url: String, timeout: Duration, maximumAnswerBytes: Int, client: CurlHTTPClient) {
        self.init(url: url, timeout: timeout, maximumAnswerBytes: maximumAnswerBytes) { request in try await client.execute(request) }
    }

    /// Why a webhook gave no usable answer.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// No answer: a timeout, a refused or broken connection, an address the outbound policy denies.
        case noAnswer(String)
        /// An HTTP status other than 2xx.
        case status(Int)
        /// An answer body longer than ``JSONWebhook/maximumAnswerBytes``.
        case tooLarge(Int)

        public var description: String {
            switch self {
            case .noAnswer(let reason): "no answer (\(reason))"
            case .status(let status): "HTTP \(status)"
            case .tooLarge(let limit): "the answer is larger than \(limit) bytes"
            }
        }
    }

    /// POSTs `body` as JSON; the answer's bytes when its status is 2xx.
    public func post(_ body: [UInt8]) async -> Result<[UInt8], Failure> {
        var request = HTTPRequest(
            method: .post,
            url: url,
            headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
            body: body,
            connectTimeout: timeout,
            totalTimeout: timeout
        )
        request.maximumResponseBytes = maximumAnswerBytes
        let response: HTTPResponse
        do {
            response = try await transport(request)
        } catch let error as CurlError {
            return .failure(.noAnswer(error.kind == .timeout ? "timed out after \(timeout)" : error.message))
        } catch {
            return .failure(.noAnswer("\(error)"))
        }
        guard (200...299).contains(response.status) else { return .failure(.status(response.status)) }
        guard !response.bodyTruncated else { return .failure(.tooLarge(maximumAnswerBytes)) }
        return .success(response.body)
    }
}
