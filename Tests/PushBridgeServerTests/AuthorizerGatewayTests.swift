import HTTPTypes
import NIOHTTP1
import PushBridgeAuth
import Testing

@testable import PushBridgeServer

/// What `$connect` decides before the authorizer webhook is asked, and how its outcomes are answered.
@Suite struct AuthorizerUpgradeRulesTests {
    func head(_ uri: String = "/dev", _ headers: [(String, String)] = []) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: HTTPHeaders(headers))
    }

    let byToken = UpgradeRules(stage: "dev", requiresToken: false, allowedOrigins: nil, authorizer: .token)

    @Test func aMissingIdentityIs401WithoutAskingTheWebhook() {
        #expect(byToken.decide(head("/dev"), draining: false) == .unauthorized)
        #expect(byToken.decide(head("/dev", [("Authorization", "Basic x")]), draining: false) == .unauthorized)
        #expect(byToken.decide(head("/other"), draining: false) == .notAWebSocketPath)
        #expect(byToken.decide(head("/dev"), draining: true) == .draining)
    }

    @Test func aPresentIdentityAsksTheWebhook() {
        let decision = byToken.decide(head("/dev", [("Sec-WebSocket-Protocol", "websocket, opaque-token")]), draining: false)
        #expect(decision == .authorize(identity: ["opaque-token"], ["Sec-WebSocket-Protocol": "websocket"]))
        let apiKey = UpgradeRules(stage: "dev", requiresToken: false, allowedOrigins: nil, authorizer: .parameters([.header("X-Api-Key")]))
        #expect(apiKey.decide(head("/dev", [("x-api-key", "k-1")]), draining: false) == .authorize(identity: ["k-1"], [:]))
        #expect(apiKey.decide(head("/dev?access_token=t"), draining: false) == .unauthorized)
    }

    @Test func anAuthorizerWithoutAnAnswerIs500() {
        #expect(Refusal(.authorizerFailed(reason: "HTTP 502")).status == .internalServerError)
        #expect(Refusal(.authorizerFailed(reason: "x")).body == #"{"message":"Internal server error"}"#)
        #expect(Refusal(.authorize(identity: ["t"], [:])).status == .badRequest, "never left undecided")
    }
}

@Suite struct PendingMessagesTests {
    @Test func withoutAPendingCheckMessagesAreHandledAtOnce() {
        var pending = PendingMessages(limit: 3)
        #expect(pending.arrive("a") == .handleNow)
        #expect(pending.next() == nil)
    }

    @Test func messagesWaitForTheCheckAndAreHandledInOrder() {
        var pending = PendingMessages(limit: 10)
        pending.startWaiting()
        #expect(pending.arrive("unsubscribe") == .queued(pauseReading: false))
        #expect(pending.arrive("whoami") == .queued(pauseReading: false))
        #expect(pending.next() == nil, "nothing runs before the answer")
        pending.finishWaiting()
        #expect(pending.next() == "unsubscribe")
        // The next message starts another check: the rest waits again.
        pending.startWaiting()
        #expect(pending.next() == nil)
        #expect(pending.arrive("later") == .queued(pauseReading: false))
        pending.finishWaiting()
        #expect(pending.next() == "whoami")
        #expect(pending.next() == "later")
        #expect(pending.next() == nil)
    }

    @Test func readingPausesAtTheLimitAndResumesOnceDrained() {
        var pending = PendingMessages(limit: 2)
        pending.startWaiting()
        #expect(pending.arrive("1") == .queued(pauseReading: false))
        #expect(pending.arrive("2") == .queued(pauseReading: true))
        #expect(pending.arrive("3") == .queued(pauseReading: false), "already paused; what was read still waits")
        var resume = pending.shouldResumeReading()
        #expect(!resume)
        pending.finishWaiting()
        #expect(pending.next() == "1")
        resume = pending.shouldResumeReading()
        #expect(!resume, "messages still wait")
        #expect(pending.next() == "2")
        #expect(pending.next() == "3")
        resume = pending.shouldResumeReading()
        #expect(resume)
        resume = pending.shouldResumeReading()
        #expect(!resume, "once")
    }
}
