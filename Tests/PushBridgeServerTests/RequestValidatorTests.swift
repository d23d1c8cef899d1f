import PushBridgeCore
import PushBridgeJSON
import Testing

@testable import PushBridgeServer

@Suite("Request validation against AWS's model")
struct RequestValidatorTests {
    let validator = RequestValidator(model: .events)

    func refusal(_ operation: String, _ body: String) throws -> AWSServiceError? {
        let json = try JSONParser.parse(body)
        do throws(AWSServiceError) {
            try validator.validate(json, operation: operation)
            return nil
        } catch {
            return error
        }
    }

    @Test("Every shape the operations name is in the model, and every pattern compiles")
    func theModelIsWhole() {
        // Every served operation is validated, and the model holds no operation that is not served.
        #expect(Set(ServiceModel.events.operations.keys) == Set(EventsAPI.operations.keys).union(["PutEvents"]))
        #expect(ServiceModel.events.operations.count == 19)
        for (_, shape) in ServiceModel.events.shapes {
            let references: [String]
            switch shape {
            case .structure(let members): references = members.map(\.shape)
            case .list(let member, _, _): references = [member]
            case .map(let key, let value, _): references = [key, value]
            default: references = []
            }
            for name in references { #expect(ServiceModel.events.shapes[name] != nil, "\(name)") }
        }
        for (_, input) in ServiceModel.events.operations { #expect(ServiceModel.events.shapes[input] != nil) }
        #expect(ModelPattern.uncompilable(in: .events).isEmpty)
    }

    @Test("A list member's path counts from 1 and says member, as AWS's does")
    func nestedPaths() throws {
        let id = String(repeating: "x", count: 65)
        let error = try refusal("PutTargets", #"{"Rule":"r","Targets":[{"Id":"\#(id)","Arn":"a"}]}"#)
        #expect(
            error
                == .validation(
                    "1 validation error detected: Value '\(id)' at 'targets.1.member.id' failed to satisfy constraint: Member must have length less than or equal to 64"
                )
        )
    }

    @Test("A wrong JSON type is a SerializationException before any constraint is looked at")
    func typesFirst() throws {
        let error = try refusal("ListRules", #"{"NamePrefix":"bad name","Limit":"5"}"#)
        #expect(error?.code == "SerializationException")
        #expect(try refusal("PutRule", #"{"Name":{"a":1}}"#)?.message == "Start of structure or map found where not expected.")
        #expect(try refusal("ListRules", #"{"Limit":1.5}"#)?.code == "SerializationException")
        #expect(try refusal("ListRules", #"{"Limit":99999999999}"#)?.code == "SerializationException")
    }

    @Test("Sensitive members are named without their value")
    func sensitiveValues() throws {
        let operation = String(repeating: "q", count: 1_048_577)
        let body = #"{"Rule":"r","Targets":[{"Id":"t","Arn":"a","AppSyncParameters":{"GraphQLOperation":"\#(operation)"}}]}"#
        #expect(
            try refusal("PutTargets", body)?.message
                == "1 validation error detected: Value at 'targets.1.member.appSyncParameters.graphQLOperation' failed to satisfy constraint: Member must have length less than or equal to 1048576"
        )
    }

    @Test("Null is absence, and what the model does not name is ignored, as AWS's JSON protocol does")
    func nullsAndUnknownMembers() throws {
        #expect(try refusal("ListRules", #"{"NamePrefix":null,"Surprise":[1,2]}"#) == nil)
        #expect(
            try refusal("DescribeRule", #"{"Name":null}"#)?.message
                == "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"
        )
    }
}
