import Foundation
import PushBridgeCore
import PushBridgeJSON

/// Rules, targets and buses declared in a JSON file and loaded at start (`pushbridge serve --config FILE`).
///
/// Each entry is applied through the same operations as the Events API (CreateEventBus, PutRule,
/// PutTargets), so the file can express exactly what the API can, with the same validation:
///
///     {
///       "EventBuses": [{ "Name": "orders", "Tags": [{ "Key": "team", "Value": "shop" }] }],
///       "Rules": [{
///         "Name": "OrderShipped", "EventBusName": "orders",
///         "EventPattern": { "source": ["shop"], "detail": { "status": ["shipped"] } },
///         "Targets": [{ "Id": "push", "Arn": "arn:pushbridge:websocket:us-east-1:000000000000:subscribers/*",
///                       "HttpParameters": { "PathParameterValues": ["$.detail.orderId"] } }]
///       }]
///     }
public struct RulesFile {
    /// Why the file could not be applied: names the file, the rule and the reason.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func apply(path: String, to runtime: PushBridgeRuntime) throws(LoadError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "\(path): cannot read the file (does it exist, and may this user read it?)")
        }
        let document: JSONValue
        do {
            document = try JSONParser.parse(Array(data))
        } catch {
            throw LoadError(description: "\(path): not valid JSON: \(error.description)")
        }
        guard case .object(let root) = document else { throw LoadError(description: "\(path): the top level must be a JSON object") }
        let unknown = root.keys.filter { !["EventBuses", "Rules"].contains($0) }
        guard unknown.isEmpty else {
            throw LoadError(description: "\(path): unknown key(s) \(unknown.joined(separator: ", ")); expected EventBuses and Rules")
        }
        let api = EventsAPI(runtime: runtime)
        for (index, bus) in (root["EventBuses"]?.arrayValue ?? []).enumerated() {
            let name = bus["Name"]?.stringValue ?? "#\(index + 1)"
            do {
                try EventsAPI.requestValidator.validate(bus, operation: "CreateEventBus")
                _ = try api.createEventBus(bus)
            } catch {
                throw LoadError(description: "\(path): event bus \(name): \(error.code): \(error.message)")
            }
        }
        for (index, ruleValue) in (root["Rules"]?.arrayValue ?? []).enumerated() {
            guard case .object(var rule) = ruleValue else { throw LoadError(description: "\(path): rule #\(index + 1) must be an object") }
            let name = rule["Name"]?.stringValue ?? "#\(index + 1)"
            let targets = rule["Targets"]
            rule["Targets"] = nil
            // A pattern may be written as JSON in the file rather than as a string holding JSON.
            if let pattern = rule["EventPattern"], pattern.stringValue == nil { rule["EventPattern"] = .string(pattern.jsonText) }
            do throws(AWSServiceError) {
                try EventsAPI.requestValidator.validate(.object(rule), operation: "PutRule")
                _ = try api.putRule(.object(rule))
                if let targets, !(targets.arrayValue?.isEmpty ?? true) {
                    var request = JSONObject([("Rule", .string(name)), ("Targets", targets)])
                    if let bus = rule["EventBusName"] { request["EventBusName"] = bus }
                    try EventsAPI.requestValidator.validate(.object(request), operation: "PutTargets")
                    let result = try api.putTargets(.object(request))
                    if let failed = result["FailedEntries"]?.arrayValue?.first {
                        throw AWSServiceError.validation(
                            "target \(failed["TargetId"]?.stringValue ?? "?"): \(failed["ErrorMessage"]?.stringValue ?? "rejected")"
                        )
                    }
                }
            } catch {
                throw LoadError(description: "\(path): rule \(name): \(error.code): \(error.message)")
            }
        }
    }
}
