import PushBridgeCore
import PushBridgeJSON

/// The EventBridge API (awsJson1_1): one function per operation, JSON in, JSON out, ``AWSServiceError`` for
/// whole-request failures.
struct EventsAPI: Sendable {
    let runtime: PushBridgeRuntime

    typealias Operation = @Sendable (EventsAPI, JSONValue) throws(AWSServiceError) -> JSONValue

    /// Operations by their `X-Amz-Target` name (`AWSEvents.<Name>`).
    static let operations: [String: Operation] = [
        "PutEvents": { api, body throws(AWSServiceError) in try api.putEvents(body) },
        "PutRule": { api, body throws(AWSServiceError) in try api.putRule(body) },
        "DescribeRule": { api, body throws(AWSServiceError) in try api.describeRule(body) },
        "ListRules": { api, body throws(AWSServiceError) in try api.listRules(body) },
        "DeleteRule": { api, body throws(AWSServiceError) in try api.deleteRule(body) },
        "EnableRule": { api, body throws(AWSServiceError) in try api.setRuleState(body, to: .enabled) },
        "DisableRule": { api, body throws(AWSServiceError) in try api.setRuleState(body, to: .disabled) },
        "PutTargets": { api, body throws(AWSServiceError) in try api.putTargets(body) },
        "RemoveTargets": { api, body throws(AWSServiceError) in try api.removeTargets(body) },
        "ListTargetsByRule": { api, body throws(AWSServiceError) in try api.listTargetsByRule(body) },
        "TestEventPattern": { api, body throws(AWSServiceError) in try api.testEventPattern(body) },
        "CreateEventBus": { api, body throws(AWSServiceError) in try api.createEventBus(body) },
        "DescribeEventBus": { api, body throws(AWSServiceError) in try api.describeEventBus(body) },
        "ListEventBuses": { api, body throws(AWSServiceError) in try api.listEventBuses(body) },
        "DeleteEventBus": { api, body throws(AWSServiceError) in try api.deleteEventBus(body) },
    ]

    func perform(target: String, body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let prefix = "AWSEvents."
        guard target.hasPrefix(prefix), let operation = Self.operations[String(target.dropFirst(prefix.count))] else {
            throw .unknownOperation(target)
        }
        return try operation(self, body)
    }

    func putEvents(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let response = try runtime.ingest.putEvents(try PutEventsRequest(json: body))
        let entries: [JSONValue] = response.entries.map { entry in
            switch entry {
            case .accepted(let eventId): ["EventId": .string(eventId)]
            case .failed(let code, let message): ["ErrorCode": .string(code), "ErrorMessage": .string(message)]
            }
        }
        return ["FailedEntryCount": .number(JSONNumber(response.failedEntryCount)), "Entries": .array(entries)]
    }
}
