import CurlTransport
import PushBridgeAuth
import PushBridgeJSON
import Testing

@Suite struct SubscribeWebhookTests {
    func check(user: String? = "user-1", connection: String = "conn-1", entity: String = "order-7") -> SubscribeCheck {
        SubscribeCheck(connectionId: connection, userId: user, claims: JSONObject([("plan", "pro")]), entityId: entity)
    }

    func webhook(_ fake: FakeTransport, clock: ManualClock = ManualClock()) -> SubscribeWebhook {
        SubscribeWebhook(url: "http://127.0.0.1:9/may-subscribe", timeToLive: .seconds(60), transport: fake.transport, now: clock.now)
    }

    @Test func parsesTheUrlPolicy() throws {
        #expect(try SubscribePolicy(parsing: "url:https://auth.example.com/may-subscribe") == .url("https://auth.example.com/may-subscribe"))
        #expect(try SubscribePolicy(parsing: "url:http://127.0.0.1:9000/x").description == "url:http://127.0.0.1:9000/x")
        for bad in ["url:", "url:auth.example.com", "url:ftp://auth.example.com/x", "url:https://"] {
            #expect(throws: SubscribePolicy.Invalid.self, "\(bad)") { try SubscribePolicy(parsing: bad) }
        }
        let grant = SubscribePolicy.url("http://x.example").grant(for: JSONObject(), userId: "u")
        #expect(grant == .askWebhook(userId: "u", claims: JSONObject()))
        #expect(!grant.allows("anything"), "never allowed without asking")
    }

    @Test func sendsTheDocumentedBody() async throws {
        let fake = FakeTransport(body: #"{"allow":true}"#)
        #expect(await webhook(fake).ask(check()) == .allowed)
        let body = try #require(fake.lastBody)
        #expect(body == ["connectionId": "conn-1", "userId": "user-1", "claims": ["plan": "pro"], "entityId": "order-7", "action": "subscribe"])
        let anonymous = SubscribeCheck(connectionId: "c", userId: nil, claims: nil, entityId: "e")
        #expect(anonymous.body["userId"] == .null && anonymous.body["claims"] == .null)
    }

    @Test func answersAreCachedPerUserAndEntity() async {
        let fake = FakeTransport(body: #"{"allow":false}"#)
        let clock = ManualClock()
        let webhook = webhook(fake, clock: clock)
        #expect(await webhook.ask(check()) == .denied)
        #expect(webhook.cachedVerdict(check(connection: "conn-2")) == .denied, "the same user on another connection")
        #expect(webhook.cachedVerdict(check(entity: "order-8")) == nil)
        #expect(webhook.cachedVerdict(check(user: nil)) == nil, "a connection without a user is its own subject")
        clock.advance(by: .seconds(60))
        #expect(webhook.cachedVerdict(check()) == nil)
        #expect(fake.requests.count == 1)
    }

    @Test func failuresDenyAndAreNotCached() async {
        let answers: [FakeTransport] = [
            FakeTransport(status: 503, body: #"{"allow":true}"#), FakeTransport(body: "yes"), FakeTransport(body: #"{"allow":"true"}"#),
            FakeTransport(body: "{}"), FakeTransport { _ in throw CurlError(kind: .timeout, message: "timed out") },
        ]
        for fake in answers {
            let webhook = webhook(fake)
            let verdict = await webhook.ask(check())
            #expect(!verdict.allows)
            if case .failed = verdict {} else { Issue.record("\(verdict) is not a failure") }
            #expect(webhook.cachedVerdict(check()) == nil)
        }
    }
}
