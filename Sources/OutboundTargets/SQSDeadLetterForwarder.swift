import CurlTransport
import Logging
import PushBridgeCore
import PushBridgeJSON

/// Sends dead letters to a target's `DeadLetterConfig` SQS queue as EventBridge does: the event JSON as the body,
/// and `RULE_ARN`, `TARGET_ARN`, `ERROR_CODE`, `ERROR_MESSAGE`, `EXHAUSTED_RETRY_CONDITION` and `RETRY_ATTEMPTS`
/// as string message attributes.
public struct SQSDeadLetterForwarder: DeadLetterForwarder {
    public let factory: OutboundTargetFactory
    public let logger: Logger

    public init(factory: OutboundTargetFactory, logger: Logger) {
        self.factory = factory
        self.logger = logger
    }

    public func accepts(_ arn: String) -> Bool {
        if case .sqsQueue = AWSTargetArn(arn)?.kind { return true }
        return false
    }

    public func forward(_ entry: DeadLetterEntry, to arn: String) async {
        let sender: SQSDeliverer
        do {
            sender = try factory.sqsSender(for: arn)
        } catch {
            logger.error(
                "Dead letter not sent to its DeadLetterConfig queue",
                metadata: ["pb.dlq.arn": "\(arn)", "pb.reason": "\(error.errorMessage)"]
            )
            return
        }
        var attributes = JSONObject()
        for (name, value) in entry.attributes.sorted(by: { $0.key < $1.key }) {
            attributes[name] = ["DataType": "String", "StringValue": .string(value)]
        }
        let outcome = await sender.send(body: entry.event, attributes: .object(attributes))
        if case .failed(let failure) = outcome {
            logger.error(
                "Dead letter not sent to its DeadLetterConfig queue (it stays in the built-in DLQ)",
                metadata: ["pb.dlq.arn": "\(arn)", "pb.dlq.id": "\(entry.id)", "pb.error": "\(failure.code)", "pb.reason": "\(failure.message)"]
            )
        }
    }
}
