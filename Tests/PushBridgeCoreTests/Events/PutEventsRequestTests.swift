import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite("PutEventsRequest decoding")
struct PutEventsRequestTests {
    private func decode(_ text: String) throws(AWSServiceError) -> PutEventsRequest {
        try PutEventsRequest(json: try! JSONParser.parse(text))
    }

    private func serializationError(_ text: String) -> String? {
        do {
            _ = try decode(text)
            Issue.record("\(text) decoded")
            return nil
        } catch {
            #expect(error.code == "SerializationException")
            #expect(error.httpStatus == 400)
            return error.message
        }
    }

    @Test("The botocore body decodes")
    func botocoreBody() throws {
        let request = try decode(
            #"{"Entries":[{"Source":"CLI","DetailType":"Entity Updated","Detail":"{\"entityId\":\"myEntityId\"}","Time":1714564800,"Resources":["arn:a","arn:b"],"EventBusName":"default","TraceHeader":"Root=1"}],"EndpointId":"abc.xyz"}"#
        )
        #expect(request.entries.count == 1)
        let entry = try #require(request.entries.first)
        #expect(entry.source == "CLI")
        #expect(entry.detailType == "Entity Updated")
        #expect(entry.detail == #"{"entityId":"myEntityId"}"#)
        #expect(entry.time == .epochSeconds(1_714_564_800))
        #expect(entry.resources == ["arn:a", "arn:b"])
        #expect(entry.eventBusName == "default")
        #expect(entry.traceHeader == "Root=1")
    }

    @Test("Absent and null members are nil; Time may be text")
    func optionalMembers() throws {
        let request = try decode(#"{"Entries":[{"Source":null,"Time":"2024-05-01T12:00:00Z","Resources":null},{}]}"#)
        #expect(request.entries.count == 2)
        #expect(request.entries[0].source == nil)
        #expect(request.entries[0].time == .text("2024-05-01T12:00:00Z"))
        #expect(request.entries[0].resources.isEmpty)
        #expect(request.entries[1].detail == nil)
        #expect(request.entries[1].time == nil)
    }

    @Test("Missing or null Entries decode as no entries (then rejected by the validator)")
    func missingEntries() throws {
        #expect(try decode("{}").entries.isEmpty)
        #expect(try decode(#"{"Entries":null}"#).entries.isEmpty)
        #expect(throws: AWSServiceError.self) { try PutEventsValidator().validate(try decode("{}")) }
    }

    @Test("Wrong JSON types are a SerializationException")
    func typeErrors() {
        #expect(serializationError("[]") == "Request body must be a JSON object.")
        #expect(serializationError(#""x""#) == "Request body must be a JSON object.")
        #expect(serializationError(#"{"Entries":{}}"#) == "Entries must be a list.")
        #expect(serializationError(#"{"Entries":"x"}"#) == "Entries must be a list.")
        #expect(serializationError(#"{"Entries":[1]}"#) == "Each entry of Entries must be an object.")
        #expect(serializationError(#"{"Entries":[{"Source":1}]}"#) == "Source must be a string, not a number.")
        #expect(serializationError(#"{"Entries":[{"DetailType":true}]}"#) == "DetailType must be a string, not a boolean.")
        #expect(serializationError(#"{"Entries":[{"Detail":{"a":1}}]}"#) == "Detail must be a string, not an object.")
        #expect(serializationError(#"{"Entries":[{"EventBusName":[]}]}"#) == "EventBusName must be a string, not an array.")
        #expect(serializationError(#"{"Entries":[{"TraceHeader":1}]}"#) == "TraceHeader must be a string, not a number.")
        #expect(serializationError(#"{"Entries":[{"Time":true}]}"#) == "Time must be a timestamp.")
        #expect(serializationError(#"{"Entries":[{"Time":{}}]}"#) == "Time must be a timestamp.")
        #expect(serializationError(#"{"Entries":[{"Time":1e400}]}"#) == "Time is out of range.")
        #expect(serializationError(#"{"Entries":[{"Resources":"arn"}]}"#) == "Resources must be a list of strings.")
        #expect(serializationError(#"{"Entries":[{"Resources":["arn",1]}]}"#) == "Resources must be a list of strings.")
    }

    @Test("A type error in a later entry fails the whole request")
    func laterEntry() {
        #expect(serializationError(#"{"Entries":[{"Source":"ok"},{"Source":2}]}"#) == "Source must be a string, not a number.")
    }
}
