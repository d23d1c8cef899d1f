import PushBridgeCore
import PushBridgeJSON

extension EventsAPI {
    static let namePattern = "[\\.\\-_A-Za-z0-9]+"

    static func validateRuleName(_ name: String) throws(AWSServiceError) {
        let valid = (1...64).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        guard valid else {
            throw .validation(
                "1 validation error detected: Value '\(name)' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: \(namePattern)"
            )
        }
    }

    func putRule(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let parameters = try RequestParameters(body)
        let name = try parameters.required("Name")
        try Self.validateRuleName(name)
        let pattern = try parameters.string("EventPattern")
        let schedule = try parameters.string("ScheduleExpression")
        guard pattern != nil || schedule != nil else { throw .validation("Parameter(s) EventPattern or ScheduleExpression must be specified.") }
        guard (pattern?.utf8.count ?? 0) <= 4096 else {
            throw .validation(
                "1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to 4096"
            )
        }
        // The model's enum was checked before; anything else cannot reach here.
        let state = try parameters.string("State").flatMap(RuleDefinition.State.init(rawValue:))
        let rule = try runtime.router.putRule(
            name: name,
            bus: try parameters.busName(),
            eventPattern: pattern,
            scheduleExpression: schedule,
            state: state,
            description: try parameters.string("Description"),
            roleArn: try parameters.string("RoleArn"),
            tags: try parameters.tags()
        )
        return ["RuleArn": .string(rule.arn)]
    }

    private func existingRule(_ parameters: RequestParameters, key: String = "Name") throws(AWSServiceError) -> RuleDefinition {
        let name = try parameters.required(key)
        let bus = try parameters.busName()
        guard let rule = runtime.router.rule(name, bus: bus) else { throw .resourceNotFound("Rule \(name) does not exist on EventBus \(bus).") }
        return rule
    }

    func ruleJSON(_ rule: RuleDefinition, describe: Bool) -> JSONValue {
        var object = JSONObject([("Name", .string(rule.name)), ("Arn", .string(rule.arn))])
        if let pattern = rule.eventPattern { object["EventPattern"] = .string(pattern) }
        if let schedule = rule.scheduleExpression { object["ScheduleExpression"] = .string(schedule) }
        object["State"] = .string(rule.state.rawValue)
        if let description = rule.description { object["Description"] = .string(description) }
        if let roleArn = rule.roleArn { object["RoleArn"] = .string(roleArn) }
        object["EventBusName"] = .string(rule.busName)
        if describe { object["CreatedBy"] = .string(runtime.configuration.account.accountId) }
        return .object(object)
    }

    func describeRule(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        ruleJSON(try existingRule(try RequestParameters(body)), describe: true)
    }

    func listRules(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let parameters = try RequestParameters(body)
        let prefix = try parameters.string("NamePrefix") ?? ""
        let rules = try runtime.router.rules(bus: try parameters.busName()).filter { $0.name.hasPrefix(prefix) }
        let page = try Page(rules, parameters: parameters)
        var object = JSONObject([("Rules", .array(page.items.map { ruleJSON($0, describe: false) }))])
        if let token = page.nextToken { object["NextToken"] = .string(token) }
        return .object(object)
    }

    func deleteRule(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let parameters = try RequestParameters(body)
        let name = try parameters.required("Name")
        let bus = try parameters.busName()
        if try parameters.bool("Force") == true, let rule = runtime.router.rule(name, bus: bus) {
            _ = try runtime.router.removeTargets(rule: name, bus: bus, ids: rule.targets.map(\.id))
        }
        try runtime.router.deleteRule(name, bus: bus)
        return [:]
    }

    func setRuleState(_ body: JSONValue, to state: RuleDefinition.State) throws(AWSServiceError) -> JSONValue {
        let parameters = try RequestParameters(body)
        try runtime.router.setRuleState(try parameters.required("Name"), bus: try parameters.busName(), to: state)
        return [:]
    }

    func testEventPattern(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let parameters = try RequestParameters(body)
        let patternText = try parameters.required("EventPattern")
        let eventText = try parameters.required("Event")
        let pattern: EventPatternHandle
        do {
            pattern = try EventPatternHandle(patternText)
        }
        guard case .some(.object(let event)) = try? JSONParser.parse(eventText),
            ["id", "account", "source", "time", "region", "resources", "detail-type"].allSatisfy({ event[$0] != nil })
        else { throw .validation("Parameter Event is not valid.") }
        return ["Result": .bool(pattern.matches(.object(event)))]
    }
}
