import HTTPTypes
import HummingbirdTesting
import NIOCore
import PushBridgeCore
import PushBridgeJSON
import PushBridgeServer
import Testing

/// PutEvents over awsJson1_1: whole-request errors, per-entry errors, and what gets pushed.
@Suite struct PutEventsTests {
    static let tooManyEntries =
        "1 validation error detected: Value '[PutEventsRequestEntry]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10"
    static let noEntries =
        "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1"
    static let entriesMissing = "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null"
    static let overLimit = "Total size of the entries in the request is over the limit."

    @Test func elevenEntriesIsValidationException() async throws {
        try await withPushBridgeServer { server in
            let entries = (0..<11).map { entityUpdated(entityId: "e\($0)", message: "m") }
            let response = try await server.putEvents(body: entriesBody(entries))
            try expectAWSError(response, type: "ValidationException", message: Self.tooManyEntries)
            try await expectStillServing(server)
        }
    }

    @Test func noEntriesIsValidationException() async throws {
        try await withPushBridgeServer { server in
            try expectAWSError(try await server.putEvents(body: #"{"Entries":[]}"#), type: "ValidationException", message: Self.noEntries)
            // Entries is required by AWS's model; null is absence in its JSON protocol.
            for body in ["{}", #"{"Entries":null}"#] {
                try expectAWSError(try await server.putEvents(body: body), type: "ValidationException", message: Self.entriesMissing)
            }
            try await expectStillServing(server)
        }
    }

    @Test func overTheSizeLimitIsValidationException() async throws {
        try await withPushBridgeServer { server in
            let big = entityUpdated(entityId: "big", message: String(repeating: "x", count: 300_000))
            let response = try await server.putEvents(body: entriesBody([big]))
            try expectAWSError(response, type: "ValidationException", message: Self.overLimit)
            try await expectStillServing(server)
        }
    }

    @Test func sizeLimitCountsEntriesAsAWSDoes() async throws {
        let configure: (inout ServerConfiguration) -> Void = { $0.maximumPutEventsSize = 1024 }
        try await withPushBridgeServer(configure: configure) { server in
            // Source (5) + DetailType (14) + Detail: AWS wants the total below the limit, so 1024 is over, 1023 is not.
            func entry(detailBytes: Int) -> JSONValue {
                let detail = #"{"entityId":"e","pad":""#
                let pad = String(repeating: "p", count: detailBytes - detail.utf8.count - 2)
                return ["Source": "tests", "DetailType": "Entity Updated", "Detail": .string(detail + pad + #""}"#)]
            }
            let over = try await server.putEvents(body: entriesBody([entry(detailBytes: 1024 - 19)]))
            try expectAWSError(over, type: "ValidationException", message: Self.overLimit)
            try await server.putEventsOK([entry(detailBytes: 1023 - 19)])
            try await expectStillServing(server)
        }
    }

    @Test func bodyFarOverTheLimitIsValidationException() async throws {
        let configure: (inout ServerConfiguration) -> Void = { $0.maximumPutEventsSize = 1024 }
        try await withPushBridgeServer(configure: configure) { server in
            // Beyond what the server reads at all (1 MiB here).
            let response = try await server.putEvents(body: String(repeating: " ", count: 1_100_000) + "{}")
            try expectAWSError(response, type: "ValidationException", message: Self.overLimit)
            try await expectStillServing(server)
        }
    }

    @Test func badJSONBodyIsSerializationException() async throws {
        try await withPushBridgeServer { server in
            let response = try await server.putEvents(body: "{not json")
            #expect(response.status == .badRequest)
            let json = try response.json()
            #expect(json.objectValue?.keys == ["__type", "message"])
            #expect(json["__type"] == "SerializationException")
            #expect(json["message"]?.stringValue?.hasPrefix("Request body is not valid JSON: ") == true)

            try expectAWSError(
                try await server.putEvents(body: #"{"Entries":"nope"}"#),
                type: "SerializationException",
                message: "STRING_VALUE can not be converted to PutEventsRequestEntryList"
            )
            try expectAWSError(
                try await server.putEvents(body: #"{"Entries":[{"Source":1}]}"#),
                type: "SerializationException",
                message: "NUMBER_VALUE can not be converted to String"
            )
            try await expectStillServing(server)
        }
    }

    @Test func unknownTargetIsUnknownOperationException() async throws {
        try await withPushBridgeServer { server in
            try expectAWSError(
                try await server.putEvents(body: "{}", target: "AWSEvents.NoSuchOp"),
                type: "UnknownOperationException",
                message: "Unknown operation AWSEvents.NoSuchOp"
            )
            try expectAWSError(
                try await server.putEvents(body: "{}", target: "AmazonSQS.SendMessage"),
                type: "UnknownOperationException",
                message: "Unknown operation AmazonSQS.SendMessage"
            )
            try await expectStillServing(server)
        }
    }

    @Test func missingTargetIsUnknownOperationException() async throws {
        try await withPushBridgeServer { server in
            let body = entriesBody([entityUpdated(entityId: "e", message: "m")])
            try expectAWSError(
                try await server.putEvents(body: body, target: nil),
                type: "UnknownOperationException",
                message: "Missing X-Amz-Target header; this endpoint speaks awsJson1_1."
            )
            try await expectStillServing(server)
        }
    }

    @Test func perEntryErrorsArePositionalWithHTTP200() async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL()) { socket in
                let (first, second) = (unique("good1"), unique("good2"))
                try await socket.subscribe(first)
                try await socket.subscribe(second)
                let detail = #"{"entityId":"x"}"#
                let entries: [JSONValue] = [
                    ["Source": "tests", "DetailType": "Entity Updated", "Detail": "not json"],
                    entityUpdated(entityId: first, message: "one"),
                    ["DetailType": "Entity Updated", "Detail": .string(detail)],
                    ["Source": "aws.s3", "DetailType": "Entity Updated", "Detail": .string(detail)],
                    ["Source": "tests", "DetailType": "Entity Updated", "Detail": "[1,2]"],
                    ["Source": "tests", "Detail": .string(detail)],
                    ["Source": "tests", "DetailType": "Entity Updated"],
                    entityUpdated(entityId: second, message: "two"),
                ]
                let response = try await server.putEvents(body: entriesBody(entries))
                #expect(response.status == .ok)
                let json = try response.json()
                #expect(json["FailedEntryCount"] == 6)
                let results = try #require(json["Entries"]?.arrayValue)
                try #require(results.count == entries.count)
                let failure = { (code: String, message: String) -> JSONValue in
                    ["ErrorCode": .string(code), "ErrorMessage": .string(message)]
                }
                #expect(results[0] == failure("MalformedDetail", "Detail is malformed."))
                #expect(results[2] == failure("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."))
                #expect(results[3] == failure("NotAuthorizedForSourceException", "Not authorized for the source."))
                #expect(results[4] == failure("MalformedDetail", "Detail is malformed."))
                #expect(
                    results[5] == failure("InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument.")
                )
                #expect(results[6] == failure("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."))
                for index in [1, 7] {
                    #expect(results[index].objectValue?.keys == ["EventId"])
                    #expect(results[index]["EventId"]?.stringValue?.isEmpty == false)
                }
                #expect(results[1]["EventId"] != results[7]["EventId"])
                // The response is written as text, not through a JSON tree: it must be that tree's compact form.
                #expect(response.bodyText == json.jsonText)
                try await socket.expectPush(entityId: first, message: "one")
                try await socket.expectPush(entityId: second, message: "two")
            }
            try await expectStillServing(server)
        }
    }

    @Test func unknownBusNameIsAnEntryErrorAndAMalformedOneIsRefusedEscaped() async throws {
        try await withPushBridgeServer { server in
            let unknown: JSONValue = ["Source": "tests", "DetailType": "x", "Detail": "{}", "EventBusName": "no-such.bus"]
            let response = try await server.putEvents(body: entriesBody([unknown]))
            #expect(response.status == .ok)
            let json = try response.json()
            #expect(json["FailedEntryCount"] == 1)
            #expect(
                json["Entries"]?.arrayValue?.first?["ErrorMessage"]
                    == "Parameter EventBusName is not valid. Reason: Event bus no-such.bus does not exist."
            )

            // A name outside AWS's pattern refuses the whole request, as AWS does; the name is escaped in the answer.
            let malformed: JSONValue = ["Source": "tests", "DetailType": "x", "Detail": "{}", "EventBusName": "no\"such\\bus"]
            let refused = try await server.putEvents(body: entriesBody([malformed]))
            #expect(refused.status == .badRequest)
            let error = try refused.json()
            #expect(refused.bodyText == error.jsonText)
            #expect(error["__type"] == "ValidationException")
            #expect(
                error["message"]?.stringValue?.hasPrefix("1 validation error detected: Value 'no\"such\\bus' at 'entries.1.member.eventBusName'")
                    == true
            )
        }
    }

    @Test func otherDetailTypesAreNotPushed() async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL()) { socket in
                let entity = unique("dt")
                try await socket.subscribe(entity)
                try await server.putEventsOK([
                    entityUpdated(entityId: entity, message: "deleted", detailType: "Entity Deleted"),
                    entityUpdated(entityId: entity, message: "lowercase", detailType: "entity updated"),
                ])
                try await server.publish(entityId: entity, message: "control")
                try await socket.expectPush(entityId: entity, message: "control")
            }
        }
    }

    @Test func timeAsEpochSecondsOrRFC3339IsAccepted() async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL()) { socket in
                let entity = unique("time")
                try await socket.subscribe(entity)
                var epoch = entityUpdated(entityId: entity, message: "epoch")
                var text = entityUpdated(entityId: entity, message: "text")
                if case .object(var object) = epoch {
                    object["Time"] = 1_714_564_800
                    epoch = .object(object)
                }
                if case .object(var object) = text {
                    object["Time"] = "2024-05-01T12:00:00Z"
                    text = .object(object)
                }
                try await server.putEventsOK([epoch, text])
                try await socket.expectPush(entityId: entity, message: "epoch")
                try await socket.expectPush(entityId: entity, message: "text")
            }
        }
    }
}

/// An awsJson1_1 error: HTTP 400, `{"__type":…,"message":…}` exactly, in the awsJson1_1 content type.
func expectAWSError(
    _ response: TestClient.Response,
    type: String,
    message: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(response.status == .badRequest, sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "application/x-amz-json-1.1", sourceLocation: sourceLocation)
    let expected: JSONValue = ["__type": .string(type), "message": .string(message)]
    #expect(response.bodyText == expected.jsonText, sourceLocation: sourceLocation)
}

/// A fresh socket subscribes, an event is published and pushed: the server is healthy.
func expectStillServing(_ server: TestServer, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    try await TestWebSocket.with(server.webSocketURL()) { socket in
        let entity = unique("healthy")
        try await socket.subscribe(entity, sourceLocation: sourceLocation)
        try await server.publish(entityId: entity, message: "still serving", sourceLocation: sourceLocation)
        try await socket.expectPush(entityId: entity, message: "still serving", sourceLocation: sourceLocation)
    }
}
