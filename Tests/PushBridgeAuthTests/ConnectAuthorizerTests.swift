import CurlTransport
import PushBridgeAuth
import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite struct ConnectAuthorizerTests {
    static let allow = #"""
        {"principalId":"user-1","policyDocument":{"Version":"2012-10-17",
         "Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:000000000000:pushbridge/dev/$connect"}]},
         "context":{"plan":"pro"}}
        """#
    static let deny = #"{"principalId":"user-1","policyDocument":{"Statement":[{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"*"}]}}"#

    func request(connectionId: String = "conn-1") -> ConnectRequest {
        ConnectRequest(
            headers: [(name: "Authorization", value: "Bearer tok")],
            uri: "/dev",
            sourceIp: "127.0.0.1",
            connectionId: connectionId,
            requestId: "r",
            time: Timestamp(milliseconds: 0),
            domainName: "localhost",
            stage: "dev"
        )
    }

    func authorizer(_ fake: FakeTransport, clock: ManualClock = ManualClock(), ttl: Duration = .seconds(300)) -> ConnectAuthorizer {
        var settings = AuthorizerSettings(url: "http://127.0.0.1:9/authorize")
        settings.timeToLive = ttl
        return ConnectAuthorizer(settings: settings, account: AccountContext(), transport: fake.transport, now: clock.now)
    }

    @Test func postsTheEventAndLetsAnAllowedUserIn() async throws {
        let fake = FakeTransport(body: Self.allow)
        let outcome = await authorizer(fake).authorize(request(), identity: ["tok"])
        #expect(outcome == .allowed(AuthenticatedIdentity(userId: "user-1", claims: JSONObject([("plan", "pro")]))))
        let sent = try #require(fake.requests.first)
        #expect(sent.method == .post)
        #expect(sent.url == "http://127.0.0.1:9/authorize")
        #expect(sent.headers.contains { $0.0 == "Content-Type" && $0.1 == "application/json" })
        #expect(sent.maximumResponseBytes == AuthorizerAnswer.maximumBytes)
        #expect(sent.totalTimeout == .seconds(5))
        #expect(fake.lastBody?["requestContext"]?["connectionId"] == "conn-1")
        #expect(fake.lastBody?["headers"]?["Authorization"] == "Bearer tok")
    }

    @Test func answersAreCachedPerIdentityUntilTheTimeToLiveEnds() async {
        let fake = FakeTransport(body: Self.allow)
        let clock = ManualClock()
        let authorizer = authorizer(fake, clock: clock)
        _ = await authorizer.authorize(request(), identity: ["tok"])
        clock.advance(by: .seconds(299))
        #expect(await authorizer.authorize(request(connectionId: "conn-2"), identity: ["tok"]) != .denied)
        #expect(fake.requests.count == 1, "the second connect with the same token was answered from the cache")
        _ = await authorizer.authorize(request(), identity: ["other"])
        #expect(fake.requests.count == 2, "another identity asks")
        clock.advance(by: .seconds(1))
        _ = await authorizer.authorize(request(), identity: ["tok"])
        #expect(fake.requests.count == 3, "after the time to live it asks again")
    }

    @Test func denialsAreCachedToo() async {
        let fake = FakeTransport(body: Self.deny)
        let authorizer = authorizer(fake)
        #expect(await authorizer.authorize(request(), identity: ["tok"]) == .denied)
        #expect(await authorizer.authorize(request(), identity: ["tok"]) == .denied)
        #expect(fake.requests.count == 1)
    }

    @Test func zeroTimeToLiveAsksEveryTime() async {
        let fake = FakeTransport(body: Self.allow)
        let authorizer = authorizer(fake, ttl: .zero)
        _ = await authorizer.authorize(request(), identity: ["tok"])
        _ = await authorizer.authorize(request(), identity: ["tok"])
        #expect(fake.requests.count == 2)
    }

    @Test func failuresRefuseAndAreNotCached() async {
        let cases: [(FakeTransport, AuthorizerOutcome?)] = [
            (FakeTransport(status: 500, body: Self.allow), .failed("HTTP 500")),
            (FakeTransport(status: 401, body: "Unauthorized"), .unauthorized),
            (FakeTransport(body: "garbage"), nil),
            (
                FakeTransport { _ in throw CurlError(kind: .timeout, message: "Operation timed out") },
                .failed("no answer (timed out after 5.0 seconds)")
            ),
            (
                FakeTransport { _ in HTTPResponse(status: 200, body: Array(Self.allow.utf8), bodyTruncated: true) },
                .failed("the answer is larger than 8192 bytes")
            ),
        ]
        for (fake, expected) in cases {
            let authorizer = authorizer(fake)
            let first = await authorizer.authorize(request(), identity: ["tok"])
            if let expected { #expect(first == expected) } else if case .failed = first {} else { Issue.record("\(first)") }
            _ = await authorizer.authorize(request(), identity: ["tok"])
            #expect(fake.requests.count == 2, "\(first) was cached")
        }
    }
}
