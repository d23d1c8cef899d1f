import AWSSigV4
import Foundation
import Logging
import NIOCore
import Testing

@testable import PushBridgeServer

/// The decisions behind `--aws-credentials-file` and `--ingest-tokens-file`, without a server: the tokens file,
/// which credential each API takes, and the clock (injected).
@Suite struct InboundAuthenticationUnitTests {
    static let signedAt = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let keys = AWSCredentials(accessKeyId: "AKIDUNIT", secretAccessKey: "unit-secret")

    static func authentication(tokens: [String]? = ["token-one", "token-two"], now: Date = signedAt) throws -> InboundAuthentication {
        let credentials = try AWSCredentialsFile.parse(
            "[unit]\naws_access_key_id = \(keys.accessKeyId)\naws_secret_access_key = \(keys.secretAccessKey)\n",
            path: "credentials"
        )
        return InboundAuthentication(
            credentials: credentials,
            ingestTokens: tokens.map(IngestTokens.init),
            region: "us-east-1",
            logger: Logger(label: "unit"),
            clock: { now }
        )
    }

    static func head(_ authorization: String?, path: String = "/events", query: String = "") -> InboundRequestHead {
        var headers = [(name: "Host", value: "127.0.0.1")]
        if let authorization { headers.append((name: "Authorization", value: authorization)) }
        return InboundRequestHead(method: "POST", path: path, query: query, headers: headers)
    }

    static func signed(service: String, path: String = "/", body: String = "{}", at date: Date = signedAt) -> InboundRequestHead {
        let request = SigningRequest(method: "POST", path: path, headers: [(name: "Host", value: "127.0.0.1")], body: Array(body.utf8))
        let signed = SigV4Signer(credentials: keys, region: "us-east-1", service: service).sign(request, date: date)
        return InboundRequestHead(method: "POST", path: path, headers: signed.allHeaders)
    }

    func refusal(_ check: InboundAuthentication.HeadCheck) -> InboundAuthentication.Refusal? {
        if case .refused(let refusal) = check { return refusal }
        return nil
    }

    // MARK: - The tokens file

    @Test func tokensFileSkipsCommentsAndBlankLines() throws {
        let tokens = try IngestTokens.parse("# publishers\n\n  token-one  \r\ntoken-two\n# token-three\n", path: "tokens")
        #expect(tokens.count == 2)
        #expect(tokens.accepts("token-one") && tokens.accepts("token-two"))
        #expect(!tokens.accepts("token-three") && !tokens.accepts("token-on") && !tokens.accepts("token-one ") && !tokens.accepts(""))
    }

    @Test(arguments: [
        ("", "--ingest-tokens-file tokens: no token in the file (one a line; lines starting with # are comments)"),
        ("# nothing\n\n", "--ingest-tokens-file tokens: no token in the file (one a line; lines starting with # are comments)"),
        ("ok\ntwo words\n", "--ingest-tokens-file tokens:2: a token may hold printable ASCII only, without spaces (one token a line)"),
        ("tökén\n", "--ingest-tokens-file tokens:1: a token may hold printable ASCII only, without spaces (one token a line)"),
    ])
    func badTokensFilesNameTheLine(_ text: String, _ message: String) {
        #expect(throws: InboundAuthentication.LoadError.self) { try IngestTokens.parse(text, path: "tokens") }
        do {
            _ = try IngestTokens.parse(text, path: "tokens")
        } catch {
            #expect(error.description == message)
            #expect(!error.description.contains("two words"), "a token is never echoed")
        }
    }

    // MARK: - POST /events

    @Test func ingestTakesOneOfTheTokens() throws {
        let authentication = try Self.authentication()
        guard case .proceed(nil) = authentication.checkIngestHead(Self.head("Bearer token-two")) else {
            Issue.record("token-two must be accepted")
            return
        }
        guard case .proceed(nil) = authentication.checkIngestHead(Self.head("bearer   token-one")) else {
            Issue.record("the scheme ignores case and the spaces after it")
            return
        }
        #expect(refusal(authentication.checkIngestHead(Self.head(nil))) == .missingBearerToken)
        #expect(refusal(authentication.checkIngestHead(Self.head("Basic dXNlcjpwYXNz"))) == .missingBearerToken)
        #expect(refusal(authentication.checkIngestHead(Self.head("Bearer token-three"))) == .unknownBearerToken)
        #expect(refusal(authentication.checkIngestHead(Self.head("Bearer"))) == .unknownBearerToken)
    }

    @Test func ingestTakesSigV4AsTheEventsAPI() throws {
        let authentication = try Self.authentication()
        guard case .proceed(let pending?) = authentication.checkIngestHead(Self.signed(service: "events", path: "/events")) else {
            Issue.record("a request signed for events must pass its head check")
            return
        }
        #expect(authentication.finish(pending, body: ByteBuffer(string: "{}"), api: .ingest) == nil)
        #expect(authentication.finish(pending, body: ByteBuffer(string: "{ }"), api: .ingest)?.kind == .invalidSignature)
        let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
        #expect(refusal(authentication.checkIngestHead(Self.head(nil, query: query)))?.isSignature == true)
    }

    @Test func withoutATokensFileIngestTakesSigV4Only() throws {
        let authentication = try Self.authentication(tokens: nil)
        #expect(
            refusal(authentication.checkIngestHead(Self.head(nil)))
                == .signature(SigV4Failure(.missingAuthenticationToken, "Request is missing Authentication Token"))
        )
        #expect(refusal(authentication.checkIngestHead(Self.head("Bearer token-one")))?.isSignature == true)
    }

    // MARK: - The AWS APIs

    @Test func eachAPITakesItsOwnSigningName() throws {
        let authentication = try Self.authentication()
        let forEvents = Self.signed(service: "events")
        let forConnections = Self.signed(service: "execute-api", path: "/dev/@connections/abc%3D")
        #expect(refusal(authentication.checkSignedHead(forEvents, api: .events)) == nil)
        #expect(refusal(authentication.checkSignedHead(forConnections, api: .connections)) == nil)
        #expect(refusal(authentication.checkSignedHead(forEvents, api: .connections))?.isSignature == true)
        #expect(refusal(authentication.checkSignedHead(forConnections, api: .events))?.isSignature == true)
    }

    @Test func theInjectedClockDecidesTheSkew() throws {
        let head = Self.signed(service: "events")
        #expect(refusal(try Self.authentication(now: Self.signedAt.addingTimeInterval(300)).checkSignedHead(head, api: .events)) == nil)
        let late = refusal(try Self.authentication(now: Self.signedAt.addingTimeInterval(360)).checkSignedHead(head, api: .events))
        #expect(
            late
                == .signature(
                    SigV4Failure(.expired, "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T124200Z - 5 min.)")
                )
        )
    }

    @Test func refusalsInTheEventsAPIsShapes() {
        let signature = EventsAPIEndpoint.reply(
            refusing: .signature(SigV4Failure(.unrecognizedClient, "The security token included in the request is invalid.")),
            contentType: EventsAPIEndpoint.awsJSON11
        )
        #expect(signature.status == 400 && signature.errorType == "UnrecognizedClientException" && signature.wwwAuthenticate == nil)
        #expect(signature.body == #"{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}"#)
        let missing = EventsAPIEndpoint.reply(refusing: .missingBearerToken, contentType: EventsAPIEndpoint.plainJSON)
        #expect(missing.status == 401 && missing.errorType == "UnauthorizedException")
        #expect(missing.wwwAuthenticate == #"Bearer realm="pushbridge-ingest""#)
        let unknown = EventsAPIEndpoint.reply(refusing: .unknownBearerToken, contentType: EventsAPIEndpoint.plainJSON)
        #expect(unknown.wwwAuthenticate == #"Bearer realm="pushbridge-ingest", error="invalid_token""#)
    }
}

extension InboundAuthentication.Refusal {
    var isSignature: Bool {
        if case .signature = self { return true }
        return false
    }
}
