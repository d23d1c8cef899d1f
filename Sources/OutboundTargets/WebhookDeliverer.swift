import Crypto
import CurlTransport
import Foundation
import PushBridgeCore

/// Delivers a target's input as a JSON POST to an `http://` or `https://` URL, signed per Standard Webhooks.
///
/// `webhook-id` is derived from the event id and the target, so every retry of one event to one target carries
/// the same id and receivers can drop duplicates.
public struct WebhookDeliverer: TargetDeliverer {
    public let url: String
    public let signer: WebhookSigner?
    public let headers: [(String, String)]
    public let client: CurlHTTPClient
    public let timeout: Duration
    public let maximumConcurrency: Int

    public init(
        url: String,
        signer: WebhookSigner?,
        headers: [(String, String)] = [],
        client: CurlHTTPClient,
        timeout: Duration = .seconds(10),
        maximumConcurrency: Int = 8
    ) {
        self.url = url
        self.signer = signer
        self.headers = headers
        self.client = client
        self.timeout = timeout
        self.maximumConcurrency = maximumConcurrency
    }

    public static func webhookId(eventId: String, target: TargetKey) -> String {
        let digest = SHA256.hash(data: Array("\(eventId)|\(target.description)".utf8))
        return "msg_" + digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    public func deliver(_ message: DeliveryMessage) async -> DeliveryOutcome {
        let input: String
        switch message.deliverableInput {
        case .success(let text): input = text
        case .failure(let failure): return .failed(failure)
        }
        let body = Array(input.utf8)
        var requestHeaders = headers + [("Content-Type", "application/json"), ("User-Agent", "PushBridge")]
        let id = Self.webhookId(eventId: message.event.id, target: message.target)
        let timestamp = Int64(Date().timeIntervalSince1970)
        requestHeaders.append(("webhook-id", id))
        requestHeaders.append(("webhook-timestamp", String(timestamp)))
        if let signer { requestHeaders.append(("webhook-signature", signer.signature(id: id, timestamp: timestamp, body: body))) }
        let request = HTTPRequest(
            method: .post,
            url: url,
            headers: requestHeaders,
            body: body,
            connectTimeout: min(timeout, .seconds(5)),
            totalTimeout: timeout
        )
        do {
            return HTTPOutcome.classify(try await client.execute(request))
        } catch {
            return HTTPOutcome.classify(error)
        }
    }
}
