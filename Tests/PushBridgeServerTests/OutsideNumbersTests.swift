import HTTPTypes
import HummingbirdTesting
import NIOCore
import PushBridgeCore
import PushBridgeJSON
import PushBridgeServer
import Testing

/// Numbers from requests are checked before any arithmetic: each of these trapped (killing the process) before.
@Suite struct OutsideNumbersTests {
    private func eventsCall(_ server: TestServer, _ operation: String, _ body: String) async throws -> TestClient.Response {
        try await server.request(
            .post,
            "/",
            headers: [.contentType: "application/x-amz-json-1.1", .amzTarget: "AWSEvents.\(operation)"],
            body: ByteBuffer(string: body)
        )
    }

    @Test(arguments: ["pb-9223372036854775807", "pb-9223372036854775700", "pb-99999999999999999999", "pb--1", "pb-x"])
    func aPagingTokenNeverOverflows(_ token: String) async throws {
        try await withPushBridgeServer { server in
            for operation in ["ListRules", "ListEventBuses"] {
                let response = try await eventsCall(server, operation, #"{"Limit":100,"NextToken":"\#(token)"}"#)
                #expect(response.status == .ok || response.status == .badRequest, "\(operation) \(token): \(response.bodyText)")
                if response.status == .ok { #expect(try response.json()["NextToken"] == nil) }
            }
            try await expectStillServing(server)
        }
    }

    @Test(arguments: ["9223372036854775807d", "9223372036854775807s", "106751991167301d", "-1d", "9223372036854775807"])
    func anAdminAgeNeverOverflows(_ age: String) async throws {
        try await withOperatedServer { operated in
            let server = operated.server
            let response = try await server.admin(.get, "/admin/dlq?since=\(age)")
            #expect(response.status == .ok || response.status == .badRequest, "\(age): \(response.bodyText)")
            try await expectStillServing(server)
        }
    }

    @Test(arguments: ["0", "-1", "1e-300", "1e300", "\"fast\""])
    func aRedriveRateOutOfRangeIsABadRequest(_ rate: String) async throws {
        try await withOperatedServer { operated in
            let response = try await operated.server.admin(.post, "/admin/dlq/redrive", body: #"{"all":true,"ratePerSecond":\#(rate)}"#)
            #expect(response.status == .badRequest, "\(rate): \(response.bodyText)")
            #expect(response.bodyText.contains("ratePerSecond must be a number from 0.01 to 1000000"))
        }
    }
}

/// HeaderParameters become lines of outbound requests: what could forge a header is refused at PutTargets.
@Suite struct HeaderParameterTests {
    @Test(arguments: [
        ("X-Ok", "a\r\nX-Injected: 1"), ("X-Ok", "line\nbreak"), ("Bad Name", "v"), ("X-Ok:", "v"), ("", "v"), ("X-Ok", "nul\u{0}"),
        ("X-Ok", String(repeating: "v", count: 513)),
    ])
    func unsafeHeadersAreRefused(_ name: String, _ value: String) throws {
        let target: JSONValue = [
            "Id": "hook", "Arn": "https://example.com/hook",
            "HttpParameters": ["HeaderParameters": .object(JSONObject([(name, .string(value))]))],
        ]
        #expect(throws: AWSServiceError.self) { try TargetDefinition(json: target) }
    }

    @Test func ordinaryHeadersAreKept() throws {
        let target: JSONValue = [
            "Id": "hook", "Arn": "https://example.com/hook",
            "HttpParameters": ["HeaderParameters": ["X-Api-Key": "k-123", "Authorization": "Bearer a.b.c", "X-Tab": "a\tb"]],
        ]
        let definition = try TargetDefinition(json: target)
        #expect(definition.headerParameters.map(\.0).sorted() == ["Authorization", "X-Api-Key", "X-Tab"])
    }
}
