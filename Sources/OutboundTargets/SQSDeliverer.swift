import CurlTransport
import PushBridgeCore
import PushBridgeJSON

/// Sends each target input to an SQS queue with SendMessage (awsJson1_0, as current SDKs speak it).
public struct SQSDeliverer: TargetDeliverer {
    public let caller: AWSCaller
    public let endpoint: String
    public let region: String
    public let queueURL: String
    public var maximumConcurrency: Int { 8 }

    public init(caller: AWSCaller, endpoint: String, region: String, account: String, queueName: String) {
        self.caller = caller
        self.endpoint = endpoint
        self.region = region
        self.queueURL = "\(endpoint)/\(account)/\(queueName)"
    }

    public func deliver(_ message: DeliveryMessage) async -> DeliveryOutcome {
        switch message.deliverableInput {
        case .success(let input): await send(body: input, attributes: nil)
        case .failure(let failure): .failed(failure)
        }
    }

    /// SendMessage with `body`, and `attributes` as SQS MessageAttributes when given.
    func send(body messageBody: String, attributes: JSONValue?) async -> DeliveryOutcome {
        var request = JSONObject([("QueueUrl", .string(queueURL)), ("MessageBody", .string(messageBody))])
        if let attributes { request["MessageAttributes"] = attributes }
        do {
            let response = try await caller.send(
                method: "POST",
                url: endpoint + "/",
                signingName: "sqs",
                region: region,
                headers: [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "AmazonSQS.SendMessage")],
                body: Array(JSONValue.object(request).jsonText.utf8)
            )
            return HTTPOutcome.classify(response)
        } catch {
            return HTTPOutcome.classify(error)
        }
    }
}
