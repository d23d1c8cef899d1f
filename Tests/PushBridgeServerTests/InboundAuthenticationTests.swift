import AWSSigV4
import Foundation
import Logging
import PushBridgeJSON
import PushBridgeServer
import Testing

/// `--aws-credentials-file` and `--ingest-tokens-file` through the server: signed requests pass on both ways
/// PutEvents arrives (on the event loop, and routed), every other request is refused in each API's own shape.
@Suite struct InboundAuthenticationTests {
    static let publisher = AWSCredentials(accessKeyId: "AKIDPUBLISHER", secretAccessKey: "publisher-secret")
    static let operatorKeys = AWSCredentials(accessKeyId: "AKIDOPERATOR", secretAccessKey: "operator-secret")
    static let token = "ingest-token-0123456789abcdef"
    static let oneEntry = entriesBody([entityUpdated(entityId: "auth", message: "hi")])

    /// A server whose credentials file holds both key pairs and whose tokens file holds `token`.
    func withAuthenticatedServer(_ body: @escaping @Sendable (TestServer) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(unique("auth"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let credentials = folder.appendingPathComponent("credentials")
        let tokens = folder.appendingPathComponent("tokens")
        try """
        [publisher]
        aws_access_key_id = \(Self.publisher.accessKeyId)
        aws_secret_access_key = \(Self.publisher.secretAccessKey)

        [operator]
        aws_access_key_id = \(Self.operatorKeys.accessKeyId)
        aws_secret_access_key = \(Self.operatorKeys.secretAccessKey)
        """.write(to: credentials, atomically: true, encoding: .utf8)
        try "# curl publishers\n\(Self.token)\n".write(to: tokens, atomically: true, encoding: .utf8)
        try await withPushBridgeServer(
            configure: {
                $0.awsCredentialsFile = credentials.path
                $0.ingestTokensFile = tokens.path
            },
            body
        )
    }

    /// A request's bytes signed as the AWS CLI signs them (`Host: 127.0.0.1`, the given headers, now).
    static func signed(
        _ method: String,
        _ path: String,
        headers: [(name: String, value: String)] = [],
        body: String = "",
        credentials: AWSCredentials = publisher,
        service: String = "events",
        date: Date = Date()
    ) -> String {
        let request = SigningRequest(method: method, path: path, headers: [(name: "Host", value: "127.0.0.1")] + headers, body: Array(body.utf8))
        let signed = SigV4Signer(credentials: credentials, region: "us-east-1", service: service).sign(request, date: date)
        let lines = ["\(method) \(path) HTTP/1.1"] + signed.allHeaders.map { "\($0.name): \($0.value)" } + ["Content-Length: \(body.utf8.count)"]
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    static let putEventsHeaders: [(name: String, value: String)] = [
        (name: "X-Amz-Target", value: "AWSEvents.PutEvents"), (name: "Content-Type", value: "application/x-amz-json-1.1"),
    ]

    @Test func signedPutEventsIsAcceptedWithEveryKeyPairOnTheFastPath() async throws {
        try await withAuthenticatedServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            for credentials in [Self.publisher, Self.operatorKeys] {
                try await connection.send(Self.signed("POST", "/", headers: Self.putEventsHeaders, body: Self.oneEntry, credentials: credentials))
                let response = try await connection.readResponse()
                #expect(response.status == 200, "\(response.body)")
                #expect(try JSONParser.parse(response.body)["FailedEntryCount"] == 0)
            }
            #expect(try await server.ingestedCount() == 2)
        }
    }

    @Test func aBodyInPiecesIsHashedWhole() async throws {
        try await withAuthenticatedServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            let request = Self.signed("POST", "/", headers: Self.putEventsHeaders, body: Self.oneEntry)
            let middle = request.index(request.endIndex, offsetBy: -10)
            try await connection.send(String(request[..<middle]))
            try await Task.sleep(for: .milliseconds(50))
            try await connection.send(String(request[middle...]))
            #expect(try await connection.readResponse().status == 200)
        }
    }

    @Test func signedRoutedOperationsAreAccepted() async throws {
        try await withAuthenticatedServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            let listRules: [(name: String, value: String)] = [
                (name: "X-Amz-Target", value: "AWSEvents.ListRules"), (name: "Content-Type", value: "application/x-amz-json-1.1"),
            ]
            try await connection.send(Self.signed("POST", "/", headers: listRules, body: "{}"))
            let response = try await connection.readResponse()
            #expect(response.status == 200, "\(response.body)")
            #expect(try JSONParser.parse(response.body)["Rules"]?.arrayValue != nil)
        }
    }

    @Test func eventsAPIRefusalsHaveAWSShapes() async throws {
        try await withAuthenticatedServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            let wrongSecret = AWSCredentials(accessKeyId: Self.publisher.accessKeyId, secretAccessKey: "guess")
            let unknown = AWSCredentials(accessKeyId: "AKIDSTRANGER", secretAccessKey: "publisher-secret")
            let cases: [(String, String, String)] = [
                (RawHTTPConnection.putEvents(Self.oneEntry), "MissingAuthenticationTokenException", "Request is missing Authentication Token"),
                (
                    Self.signed("POST", "/", headers: Self.putEventsHeaders, body: Self.oneEntry, credentials: wrongSecret),
                    "InvalidSignatureException",
                    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and "
                        + "signing method. Consult the service documentation for details."
                ),
                (
                    Self.signed("POST", "/", headers: Self.putEventsHeaders, body: Self.oneEntry, credentials: unknown),
                    "UnrecognizedClientException",
                    "The security token included in the request is invalid."
                ),
                (
                    Self.signed("POST", "/", headers: Self.putEventsHeaders, body: Self.oneEntry, date: Date().addingTimeInterval(-360)),
                    "InvalidSignatureException",
                    "Signature expired: "
                ),
                (
                    Self.signed("POST", "/", headers: Self.putEventsHeaders, body: Self.oneEntry, service: "execute-api"),
                    "InvalidSignatureException",
                    "Credential should be scoped to correct service: 'events'."
                ),
                (
                    Self.signed("POST", "/", headers: [(name: "X-Amz-Target", value: "AWSEvents.ListRules")], body: "{}", credentials: wrongSecret),
                    "InvalidSignatureException",
                    "The request signature we calculated"
                ),
            ]
            for (request, code, message) in cases {
                try await connection.send(request)
                let response = try await connection.readResponse()
                #expect(response.status == 400)
                #expect(response.header("x-amzn-ErrorType") == code)
                #expect(response.header("content-type") == "application/x-amz-json-1.1")
                let body = try JSONParser.parse(response.body)
                #expect(body["__type"]?.stringValue == code)
                #expect(body["message"]?.stringValue?.hasPrefix(message) == true, "\(response.body)")
            }
            #expect(try await server.ingestedCount() == 0)
        }
    }

    @Test func aRequestRefusedByItsHeadIsAnsweredBeforeItsBodyArrives() async throws {
        try await withAuthenticatedServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            let unsigned = RawHTTPConnection.putEvents(Self.oneEntry)
            let bodyStart = try #require(unsigned.range(of: "\r\n\r\n")).upperBound
            try await connection.send(String(unsigned[..<bodyStart]))
            let refused = try await connection.readResponse()
            #expect(refused.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException")
            // The body that follows is dropped, and the connection serves the next request.
            try await connection.send(String(unsigned[bodyStart...]))
            try await connection.send(Self.signed("POST", "/", headers: Self.putEventsHeaders, body: Self.oneEntry))
            let accepted = try await connection.readResponse()
            #expect(accepted.status == 200, "\(accepted.body)")
            #expect(try await server.ingestedCount() == 1)
        }
    }

    @Test func tamperedBodyIsRefused() async throws {
        try await withAuthenticatedServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            let request = Self.signed("POST", "/", headers: Self.putEventsHeaders, body: Self.oneEntry)
            let tampered = Self.oneEntry.replacingOccurrences(of: "hi", with: "ho")
            #expect(tampered != Self.oneEntry && tampered.utf8.count == Self.oneEntry.utf8.count)
            try await connection.send(request.replacingOccurrences(of: Self.oneEntry, with: tampered))
            let response = try await connection.readResponse()
            #expect(response.header("x-amzn-ErrorType") == "InvalidSignatureException")
            #expect(try await server.ingestedCount() == 0)
        }
    }

    @Test func plainIngestTakesABearerToken() async throws {
        try await withAuthenticatedServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            try await connection.send(
                RawHTTPConnection.request("POST", "/events", headers: ["Authorization: Bearer \(Self.token)"], body: Self.oneEntry)
            )
            let accepted = try await connection.readResponse()
            #expect(accepted.status == 200, "\(accepted.body)")

            try await connection.send(RawHTTPConnection.request("POST", "/events", body: Self.oneEntry))
            let missing = try await connection.readResponse()
            #expect(missing.status == 401)
            #expect(missing.header("www-authenticate") == #"Bearer realm="pushbridge-ingest""#)
            #expect(missing.header("x-amzn-ErrorType") == "UnauthorizedException")
            #expect(try JSONParser.parse(missing.body)["message"]?.stringValue?.hasPrefix("Missing bearer token") == true)

            try await connection.send(RawHTTPConnection.request("POST", "/events", headers: ["Authorization: Bearer nope"], body: Self.oneEntry))
            let wrong = try await connection.readResponse()
            #expect(wrong.status == 401)
            #expect(wrong.header("www-authenticate") == #"Bearer realm="pushbridge-ingest", error="invalid_token""#)
            #expect(try JSONParser.parse(wrong.body)["__type"]?.stringValue == "UnauthorizedException")

            // SigV4 is accepted on /events too, as the Events API's signing name.
            let plainHeaders: [(name: String, value: String)] = [(name: "Content-Type", value: "application/json")]
            try await connection.send(Self.signed("POST", "/events", headers: plainHeaders, body: Self.oneEntry))
            #expect(try await connection.readResponse().status == 200)
            #expect(try await server.ingestedCount() == 2)
        }
    }

    @Test func connectionsAPIRefusesWithForbidden() async throws {
        try await withAuthenticatedServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            let unsigned = RawHTTPConnection.request("POST", "/dev/@connections/abc%3D", body: "hello")
            let wrongService = Self.signed("POST", "/dev/@connections/abc%3D", body: "hello", service: "events")
            let wrongSecret = Self.signed(
                "GET",
                "/dev/@connections/abc%3D",
                credentials: AWSCredentials(accessKeyId: Self.publisher.accessKeyId, secretAccessKey: "guess"),
                service: "execute-api"
            )
            for request in [unsigned, wrongService, wrongSecret] {
                try await connection.send(request)
                let response = try await connection.readResponse()
                #expect(response.status == 403)
                #expect(response.header("x-amzn-ErrorType") == "ForbiddenException")
                #expect(response.body == #"{"message":"Forbidden"}"#)
            }
            // Signed right, the request reaches the API: this connection id does not exist.
            for method in ["POST", "GET", "DELETE"] {
                for path in ["/dev/@connections/abc%3D", "/@connections/abc%3D"] {
                    try await connection.send(Self.signed(method, path, body: method == "POST" ? "hello" : "", service: "execute-api"))
                    let response = try await connection.readResponse()
                    #expect(response.status == 410, "\(method) \(path): \(response.status) \(response.body)")
                    #expect(response.header("x-amzn-ErrorType") == "GoneException")
                }
            }
        }
    }

    @Test func aBadCredentialsFileStopsTheStartWithTheLine() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(unique("credentials"))
        try "[a]\naws_access_key_id = K\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        var configuration = ServerConfiguration()
        configuration.awsCredentialsFile = file.path
        #expect {
            _ = try PushBridgeApplication.build(configuration: configuration, logger: .init(label: "test"))
        } throws: { error in
            "\(error)" == "--aws-credentials-file \(file.path):1: profile [a] has no aws_secret_access_key"
        }
    }
}
