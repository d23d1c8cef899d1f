import AWSSigV4
import CurlTransport
import Foundation
import PushBridgeCore

/// Makes deliverers for the target kinds that leave the process, chosen by the target's Arn:
/// a webhook URL, an EventBridge bus, an SQS queue, or an API Gateway WebSocket API.
public struct OutboundTargetFactory: Sendable {
    public let client: CurlHTTPClient
    public let environment: [String: String]
    public let timeout: Duration

    public init(client: CurlHTTPClient, environment: [String: String] = ProcessInfo.processInfo.environment, timeout: Duration = .seconds(10)) {
        self.client = client
        self.environment = environment
        self.timeout = timeout
    }

    /// Whether this factory is the one to ask about `target`.
    public func handles(_ target: TargetDefinition) -> Bool {
        target.isWebhookTarget || Self.isAWSArn(target.arn)
    }

    /// An ARN of a service this factory delivers to, well formed or not (a malformed one gets its reason here).
    static func isAWSArn(_ text: String) -> Bool {
        let parts = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "arn" && parts[1].hasPrefix("aws") && ["events", "sqs", "execute-api"].contains(parts[2])
    }

    public func deliverer(for target: TargetDefinition) throws(TargetRejection) -> any TargetDeliverer {
        if target.isWebhookTarget {
            guard let url = URL(string: target.arn), ["http", "https"].contains(url.scheme?.lowercased()), url.host?.isEmpty == false else {
                throw TargetRejection(errorCode: "ValidationException", errorMessage: "Target \(target.id): \(target.arn) is not a valid URL.")
            }
            var signer: WebhookSigner?
            if let secret = target.webhookSecret {
                do {
                    signer = try WebhookSigner(secret: secret)
                } catch {
                    throw TargetRejection(errorCode: "ValidationException", errorMessage: "Target \(target.id): \(error.description).")
                }
            }
            return WebhookDeliverer(url: target.arn, signer: signer, headers: target.headerParameters, client: client, timeout: timeout)
        }
        guard let arn = AWSTargetArn(target.arn) else {
            throw TargetRejection(
                errorCode: "ValidationException",
                errorMessage: "Target \(target.id): \(target.arn) is not a valid ARN: it must be arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE "
                    + "with a region such as us-east-1, a 12-digit account and a resource name of AWS's characters."
            )
        }
        let caller = try awsCaller(for: target.id)
        switch arn.kind {
        case .eventBus:
            let endpoint = AWSEndpoints.endpoint(service: "EventBridge", region: arn.region, environment: environment)
            return EventBridgeDeliverer(caller: caller, endpoint: endpoint, region: arn.region, busArn: arn.arn)
        case .sqsQueue(let name):
            return sqsDeliverer(caller: caller, arn: arn, queueName: name)
        case .webSocketApi(let apiId, let stage):
            let configured = ["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI", "AWS_ENDPOINT_URL"].contains { !(environment[$0] ?? "").isEmpty }
            let endpoint =
                configured
                ? AWSEndpoints.endpoint(service: "ApiGatewayManagementApi", region: arn.region, environment: environment)
                : Self.managementEndpoint(apiId: apiId, stage: stage, region: arn.region)
            return APIGatewayDeliverer(caller: caller, endpoint: endpoint, region: arn.region)
        }
    }

    /// `https://{api}.execute-api.{region}.amazonaws.com/{stage}`, assembled by URLComponents from the ARN's checked parts.
    public static func managementEndpoint(apiId: String, stage: String, region: String) -> String {
        var components = URLComponents()
        components.scheme = "https"
        components.host = "\(apiId).execute-api.\(region).\(region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com")"
        components.path = "/" + stage
        return components.string ?? ""
    }

    private func awsCaller(for targetId: String) throws(TargetRejection) -> AWSCaller {
        guard let credentials = AWSCredentials.fromEnvironment(environment) else {
            throw TargetRejection(
                errorCode: "ValidationException",
                errorMessage: "Target \(targetId): no AWS credentials to sign with; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the server."
            )
        }
        return AWSCaller(client: client, credentials: credentials, timeout: timeout)
    }

    private func sqsDeliverer(caller: AWSCaller, arn: AWSTargetArn, queueName: String) -> SQSDeliverer {
        let endpoint = AWSEndpoints.endpoint(service: "SQS", region: arn.region, environment: environment)
        return SQSDeliverer(caller: caller, endpoint: endpoint, region: arn.region, account: arn.account, queueName: queueName)
    }

    /// A sender for an SQS queue ARN (a DeadLetterConfig destination).
    func sqsSender(for arnText: String) throws(TargetRejection) -> SQSDeliverer {
        guard let arn = AWSTargetArn(arnText), case .sqsQueue(let name) = arn.kind else {
            throw TargetRejection(errorCode: "ValidationException", errorMessage: "\(arnText) is not an SQS queue ARN.")
        }
        return sqsDeliverer(caller: try awsCaller(for: "DeadLetterConfig"), arn: arn, queueName: name)
    }
}
