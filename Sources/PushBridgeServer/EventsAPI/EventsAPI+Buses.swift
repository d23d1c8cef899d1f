import Foundation
import PushBridgeCore
import PushBridgeJSON

extension EventsAPI {
    func createEventBus(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let parameters = try RequestParameters(body)
        let name = try parameters.required("Name")
        let valid = (1...256).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-".contains($0)) }
        guard valid, name != AccountContext.defaultBusName, !name.hasPrefix("aws.") else {
            throw .validation("Event bus name \(name) is not valid: use 1 to 256 characters of [/.-_A-Za-z0-9], not 'default' or 'aws.*'.")
        }
        let description = try parameters.string("Description")
        let settings = try parameters.busSettings()
        let arn = try runtime.router.createBus(name, description: description, settings: settings, tags: try parameters.tags())
        // CreateEventBusResponse: the ARN and the settings as kept.
        var object = JSONObject([("EventBusArn", .string(arn))])
        if let description { object["Description"] = .string(description) }
        settings.add(to: &object)
        return .object(object)
    }

    /// DescribeEventBusResponse's members (`describe`) or those of ListEventBuses' `EventBus`, which lacks the
    /// settings. PushBridge has no resource policies, so `Policy` is never set.
    func busJSON(_ name: String, describe: Bool) -> JSONValue? {
        guard let bus = runtime.router.bus(named: name) else { return nil }
        var object = JSONObject([("Name", .string(bus.name)), ("Arn", .string(bus.arn))])
        if let description = bus.description { object["Description"] = .string(description) }
        if describe { bus.settings.add(to: &object) }
        object["CreationTime"] = Self.epochSeconds(bus.createdAt)
        object["LastModifiedTime"] = Self.epochSeconds(bus.modifiedAt ?? bus.createdAt)
        return .object(object)
    }

    static func epochSeconds(_ time: Timestamp) -> JSONValue { .number(JSONNumber(Double(time.milliseconds) / 1000)) }

    func describeEventBus(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let name = try RequestParameters(body).busName(key: "Name")
        guard let json = busJSON(name, describe: true) else { throw .resourceNotFound("Event bus \(name) does not exist.") }
        return json
    }

    func listEventBuses(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let parameters = try RequestParameters(body)
        let prefix = try parameters.string("NamePrefix") ?? ""
        let page = try Page(runtime.router.busNames().filter { $0.hasPrefix(prefix) }, parameters: parameters)
        var object = JSONObject([("EventBuses", .array(page.items.compactMap { busJSON($0, describe: false) }))])
        if let token = page.nextToken { object["NextToken"] = .string(token) }
        return .object(object)
    }

    /// UpdateEventBus: the description and settings become what the request gives, an omitted one none (AWS
    /// documents an omitted KmsKeyIdentifier as going back to its own key); tags are left alone.
    func updateEventBus(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let parameters = try RequestParameters(body)
        let bus = try runtime.router.updateBus(
            try parameters.busName(key: "Name"),
            description: try parameters.string("Description"),
            settings: try parameters.busSettings()
        )
        var object = JSONObject([("Arn", .string(bus.arn)), ("Name", .string(bus.name))])
        if let description = bus.description { object["Description"] = .string(description) }
        bus.settings.add(to: &object)
        return .object(object)
    }

    func deleteEventBus(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        try runtime.router.deleteBus(try RequestParameters(body).required("Name"))
        return [:]
    }
}
