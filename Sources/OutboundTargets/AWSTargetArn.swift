/// The parts of an AWS target ARN that say where to deliver.
public struct AWSTargetArn: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `arn:aws:events:{region}:{account}:event-bus/{name}`
        case eventBus(name: String)
        /// `arn:aws:sqs:{region}:{account}:{queue}`
        case sqsQueue(name: String)
        /// `arn:aws:execute-api:{region}:{account}:{api-id}/{stage}`
        case webSocketApi(apiId: String, stage: String)
    }

    public let kind: Kind
    public let region: String
    public let account: String
    public let arn: String

    public init?(_ arn: String) {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), !parts[3].isEmpty else { return nil }
        self.arn = arn
        self.region = parts[3]
        self.account = parts[4]
        let resource = parts[5]
        switch parts[2] {
        case "events":
            guard resource.hasPrefix("event-bus/"), resource.count > "event-bus/".count else { return nil }
            self.kind = .eventBus(name: String(resource.dropFirst("event-bus/".count)))
        case "sqs":
            guard !resource.isEmpty, !resource.contains("/") else { return nil }
            self.kind = .sqsQueue(name: resource)
        case "execute-api":
            let pieces = resource.split(separator: "/").map(String.init)
            guard pieces.count >= 2, !pieces[0].isEmpty, !pieces[1].isEmpty else { return nil }
            self.kind = .webSocketApi(apiId: pieces[0], stage: pieces[1])
        default:
            return nil
        }
    }
}
