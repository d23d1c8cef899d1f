import PushBridgeCore
import PushBridgeJSON

extension EventsAPI {
    /// AWS's default quota of targets per rule.
    static let maximumTargetsPerRule = 5

    /// Target parameter structures of AWS target kinds PushBridge does not deliver to, with the kind's name.
    static let undeliverableParameters: [(member: String, kind: String)] = [
        ("KinesisParameters", "Kinesis streams"), ("RunCommandParameters", "Systems Manager Run Command"),
        ("EcsParameters", "ECS tasks"), ("BatchParameters", "Batch jobs"), ("SqsParameters", "SQS FIFO queues"),
        ("RedshiftDataParameters", "the Redshift Data API"), ("SageMakerPipelineParameters", "SageMaker pipelines"),
        ("AppSyncParameters", "AppSync"),
    ]

    func putTargets(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let parameters = try RequestParameters(body)
        let ruleName = try parameters.required("Rule")
        let bus = try parameters.busName()
        // Length and every member were checked against AWS's model before this operation ran.
        let elements = try parameters.array("Targets") ?? []
        for (index, element) in elements.enumerated() {
            for (member, kind) in Self.undeliverableParameters where !(element[member]?.isNull ?? true) {
                throw .validation(
                    """
                    Target \(element["Id"]?.stringValue ?? "\(index + 1)") has \(member): PushBridge does not deliver to \(kind). \
                    It delivers to WebSocket subscribers, webhooks (http(s):// URLs), SQS standard queues, EventBridge buses \
                    and API Gateway WebSocket APIs.
                    """
                )
            }
        }
        guard let rule = runtime.router.rule(ruleName, bus: bus) else {
            throw .resourceNotFound("Rule \(ruleName) does not exist on EventBus \(bus).")
        }
        // The quota is checked on the ids before any target is decoded: decoding compiles templates and paths,
        // and a request may carry a hundred of them.
        let requestedIds = Set(elements.compactMap { $0["Id"]?.stringValue })
        guard rule.targets.count + requestedIds.subtracting(rule.targets.map(\.id)).count <= Self.maximumTargetsPerRule else {
            throw .limitExceeded(
                "The requested resource exceeds the maximum number allowed: a rule can have at most \(Self.maximumTargetsPerRule) targets."
            )
        }
        let targets = try elements.map { (element) throws(AWSServiceError) -> TargetDefinition in
            try TargetDefinition(json: element, retryDefaults: runtime.retryDefaults)
        }
        let newIds = Set(targets.map(\.id)).subtracting(rule.targets.map(\.id))
        guard rule.targets.count + newIds.count <= Self.maximumTargetsPerRule else {
            throw .limitExceeded(
                "The requested resource exceeds the maximum number allowed: a rule can have at most \(Self.maximumTargetsPerRule) targets."
            )
        }
        let rejected = try runtime.router.putTargets(rule: ruleName, bus: bus, targets: targets)
        return [
            "FailedEntryCount": .number(JSONNumber(rejected.count)),
            "FailedEntries": .array(
                rejected.map {
                    [
                        "TargetId": .string($0.targetId), "ErrorCode": .string($0.rejection.errorCode),
                        "ErrorMessage": .string($0.rejection.errorMessage),
                    ]
                }
            ),
        ]
    }

    func removeTargets(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let parameters = try RequestParameters(body)
        // Checked against AWS's model before this operation ran: 1 to 100 valid ids.
        let ids = try (parameters.array("Ids") ?? []).compactMap(\.stringValue)
        let missing = try runtime.router.removeTargets(rule: try parameters.required("Rule"), bus: try parameters.busName(), ids: ids)
        return [
            "FailedEntryCount": .number(JSONNumber(missing.count)),
            "FailedEntries": .array(
                missing.map {
                    ["TargetId": .string($0), "ErrorCode": "ResourceNotFoundException", "ErrorMessage": .string("Target \($0) does not exist.")]
                }
            ),
        ]
    }

    func listTargetsByRule(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let parameters = try RequestParameters(body)
        let ruleName = try parameters.required("Rule")
        let bus = try parameters.busName()
        guard let rule = runtime.router.rule(ruleName, bus: bus) else {
            throw .resourceNotFound("Rule \(ruleName) does not exist on EventBus \(bus).")
        }
        let page = try Page(rule.targets, parameters: parameters)
        var object = JSONObject([("Targets", .array(page.items.map { .object($0.definition) }))])
        if let token = page.nextToken { object["NextToken"] = .string(token) }
        return .object(object)
    }
}
