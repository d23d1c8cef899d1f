import AWSSigV4
import CurlTransport
import Foundation
import PushBridgeCore
import PushBridgeJSON

/// Forwards events to a bus of a real (or emulated) EventBridge with PutEvents, the way an EventBridge rule
/// targets another bus: source, detail-type, detail, resources and time go on unchanged.
public struct EventBridgeDeliverer: TargetDeliverer {
    public let caller: AWSCaller
    public let endpoint: String
    public let region: String
    public let busArn: String
    public var maximumConcurrency: Int { 4 }

    public init(caller: AWSCaller, endpoint: String, region: String, busArn: String) {
        self.caller = caller
        self.endpoint = endpoint
        self.region = region
        self.busArn = busArn
    }

    static func entry(for event: Event, busArn: String) -> JSONValue {
        [
            "Source": .string(event.source),
            "DetailType": .string(event.detailType),
            "Detail": .string(event.detail.jsonText),
            "Resources": .array(event.resources.map { .string($0) }),
            "Time": .number(JSONNumber(Int(event.time.milliseconds / 1000))),
            "EventBusName": .string(busArn),
        ]
    }

    public func deliver(_ message: DeliveryMessage) async -> DeliveryOutcome {
        let body: JSONValue = ["Entries": [Self.entry(for: message.event, busArn: busArn)]]
        let response: HTTPResponse
        do {
            response = try await caller.send(
                method: "POST",
                url: endpoint + "/",
                signingName: "events",
                region: region,
                headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "AWSEvents.PutEvents")],
                body: Array(body.jsonText.utf8)
            )
        } catch {
            return HTTPOutcome.classify(error)
        }
        let outcome = HTTPOutcome.classify(response)
        guard outcome == .delivered else { return outcome }
        // PutEvents reports per-entry failures inside a 200.
        guard let reply = try? JSONParser.parse(response.body) else {
            return .failed(DeliveryFailure(code: "ERROR_FROM_TARGET", message: "PutEvents reply is not JSON", retryable: true))
        }
        guard let entry = reply["Entries"]?.arrayValue?.first, let code = entry["ErrorCode"]?.stringValue else { return .delivered }
        let message = "PutEvents entry failed: \(code): \(entry["ErrorMessage"]?.stringValue ?? "")"
        let retryable = code == "InternalFailure" || code == "ThrottlingException"
        return .failed(
            DeliveryFailure(code: code == "ThrottlingException" ? "THROTTLING" : "ERROR_FROM_TARGET", message: message, retryable: retryable)
        )
    }
}
