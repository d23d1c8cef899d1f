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
        let arn = try runtime.router.createBus(name, description: try parameters.string("Description"))
        return ["EventBusArn": .string(arn)]
    }

    func busJSON(_ name: String) -> JSONValue? {
        guard let bus = runtime.router.bus(named: name) else { return nil }
        var object = JSONObject([("Name", .string(bus.name)), ("Arn", .string(bus.arn))])
        if let description = bus.description { object["Description"] = .string(description) }
        let created = JSONValue.number(JSONNumber(Double(bus.createdAt.milliseconds) / 1000))
        object["CreationTime"] = created
        object["LastModifiedTime"] = created
        return .object(object)
    }

    func describeEventBus(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let name = try RequestParameters(body).busName(key: "Name")
        guard let json = busJSON(name) else { throw .resourceNotFound("Event bus \(name) does not exist.") }
        return json
    }

    func listEventBuses(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let parameters = try RequestParameters(body)
        let prefix = try parameters.string("NamePrefix") ?? ""
        let page = try Page(runtime.router.busNames().filter { $0.hasPrefix(prefix) }, parameters: parameters)
        var object = JSONObject([("EventBuses", .array(page.items.compactMap(busJSON)))])
        if let token = page.nextToken { object["NextToken"] = .string(token) }
        return .object(object)
    }

    func deleteEventBus(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        try runtime.router.deleteBus(try RequestParameters(body).required("Name"))
        return [:]
    }
}
