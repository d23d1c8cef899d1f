import PushBridgeCore
import PushBridgeJSON

/// The EventBridge API (awsJson1_1): one function per operation, JSON in, JSON text out, ``AWSServiceError`` for
/// whole-request failures.
struct EventsAPI: Sendable {
    let runtime: PushBridgeRuntime

    /// Returns the response body's JSON text.
    typealias Operation = @Sendable (EventsAPI, JSONValue) throws(AWSServiceError) -> String

    /// Operations by their `X-Amz-Target` name (`AWSEvents.<Name>`); PutEvents answers through
    /// ``putEvents(_:completion:)`` instead, since it waits for the store.
    static let operations: [String: Operation] = [
        "PutRule": { api, body throws(AWSServiceError) in try api.putRule(body).jsonText },
        "DescribeRule": { api, body throws(AWSServiceError) in try api.describeRule(body).jsonText },
        "ListRules": { api, body throws(AWSServiceError) in try api.listRules(body).jsonText },
        "DeleteRule": { api, body throws(AWSServiceError) in try api.deleteRule(body).jsonText },
        "EnableRule": { api, body throws(AWSServiceError) in try api.setRuleState(body, to: .enabled).jsonText },
        "DisableRule": { api, body throws(AWSServiceError) in try api.setRuleState(body, to: .disabled).jsonText },
        "PutTargets": { api, body throws(AWSServiceError) in try api.putTargets(body).jsonText },
        "RemoveTargets": { api, body throws(AWSServiceError) in try api.removeTargets(body).jsonText },
        "ListTargetsByRule": { api, body throws(AWSServiceError) in try api.listTargetsByRule(body).jsonText },
        "TestEventPattern": { api, body throws(AWSServiceError) in try api.testEventPattern(body).jsonText },
        "CreateEventBus": { api, body throws(AWSServiceError) in try api.createEventBus(body).jsonText },
        "DescribeEventBus": { api, body throws(AWSServiceError) in try api.describeEventBus(body).jsonText },
        "ListEventBuses": { api, body throws(AWSServiceError) in try api.listEventBuses(body).jsonText },
        "UpdateEventBus": { api, body throws(AWSServiceError) in try api.updateEventBus(body).jsonText },
        "DeleteEventBus": { api, body throws(AWSServiceError) in try api.deleteEventBus(body).jsonText },
        "ListTagsForResource": { api, body throws(AWSServiceError) in try api.listTagsForResource(body).jsonText },
        "TagResource": { api, body throws(AWSServiceError) in try api.tagResource(body).jsonText },
        "UntagResource": { api, body throws(AWSServiceError) in try api.untagResource(body).jsonText },
    ]

    /// AWS's constraints for every operation's input, checked before the operation runs.
    static let requestValidator = RequestValidator(model: .events)

    /// Operations whose changes a durable store records before the answer.
    static func changesState(_ target: String) -> Bool {
        let name = target.dropFirst("AWSEvents.".count)
        return !(name.hasPrefix("Describe") || name.hasPrefix("List") || name.hasPrefix("Test"))
    }

    func perform(target: String, body: JSONValue) throws(AWSServiceError) -> String {
        let prefix = "AWSEvents."
        let name = String(target.dropFirst(prefix.count))
        guard target.hasPrefix(prefix), let operation = Self.operations[name] else { throw .unknownOperation(target) }
        try Self.requestValidator.validate(body, operation: name)
        return try operation(self, body)
    }

    /// Answers through `completion` once the accepted entries are recorded (see ``EventIngest``); `admit` is the
    /// caller's rate limit (see ``EventIngest/putEvents(_:admit:completion:)``).
    func putEvents(_ body: JSONValue, admit: (Int) -> Int = { $0 }, completion: @escaping @Sendable (String) -> Void) throws(AWSServiceError) {
        try Self.requestValidator.validate(body, operation: "PutEvents")
        try runtime.ingest.putEvents(try PutEventsRequest(json: body), admit: admit) { completion(Self.putEventsText($0)) }
    }

    /// Written straight to text: this is the one hot operation, and building a ``JSONValue`` tree per result only
    /// to serialize it cost more than the text itself. Same bytes as the tree's compact form.
    static func putEventsText(_ response: EventIngest.Response) -> String {
        var text = #"{"FailedEntryCount":"#
        text.reserveCapacity(40 + 52 * response.entries.count)
        text += String(response.failedEntryCount)
        text += #","Entries":["#
        for (index, entry) in response.entries.enumerated() {
            if index > 0 { text += "," }
            switch entry {
            case .accepted(let eventId):
                text += #"{"EventId":"#
                JSONValue.writeString(eventId, to: &text)
            case .failed(let code, let message):
                text += #"{"ErrorCode":"#
                JSONValue.writeString(code, to: &text)
                text += #","ErrorMessage":"#
                JSONValue.writeString(message, to: &text)
            }
            text += "}"
        }
        text += "]}"
        return text
    }
}
