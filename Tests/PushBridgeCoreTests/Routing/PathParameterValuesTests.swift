import PushBridgeCore
import PushBridgeJSON
import Testing

/// `HttpParameters.PathParameterValues` as AWS reads them: a value that starts with `$` is a JSON path into the
/// event, any other is the value itself.
@Suite("PathParameterValues")
struct PathParameterValuesTests {
    private func target(_ values: String) throws -> TargetDefinition {
        let json =
            #"{"Id":"t","Arn":"arn:pushbridge:websocket:us-east-1:123456789012:subscribers/*","HttpParameters":{"PathParameterValues":"#
            + values + "}}"
        return try TargetDefinition(json: try JSONParser.parse(json))
    }

    private func routingKeys(_ target: TargetDefinition, details: [JSONValue]) throws -> [String?] {
        let router = makeRouter(deliverer: FakeDeliverer())
        try router.putRule(name: "r", bus: "default", eventPattern: #"{"source":["CLI"]}"#, state: nil, description: nil)
        #expect(try router.putTargets(rule: "r", bus: "default", targets: [target]).isEmpty)
        return details.map { detail in router.route(makeEvent(detail: detail)).first?.routingKey }
    }

    @Test("A literal value is the routing key of every event the rule matches")
    func literal() throws {
        let literal = try target(#"["orders"]"#)
        #expect(literal.routingKeyLiteral == "orders")
        #expect(try routingKeys(literal, details: [["entityId": "a"], [:]]) == ["orders", "orders"])
    }

    @Test("A JSON path selects the routing key from each event")
    func path() throws {
        let path = try target(#"["$.detail.orderId"]"#)
        #expect(path.routingKeyLiteral == nil)
        #expect(try routingKeys(path, details: [["orderId": "o1"], ["orderId": 7], [:]]) == ["o1", "7", nil])
    }

    @Test("A value that starts with $ must be a JSON path PushBridge reads")
    func badPath() throws {
        #expect(throws: AWSServiceError.self) { try target(#"["$.detail[oops"]"#) }
        #expect(throws: AWSServiceError.self) { try target("[42]") }
    }
}
