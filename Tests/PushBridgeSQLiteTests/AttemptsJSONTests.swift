import Foundation
import PushBridgeCore
import Testing

@testable import PushBridgeSQLite

@Suite("AttemptsJSON")
struct AttemptsJSONTests {
    private static let awkwardText = "quote \" backslash \\ slash / newline \n tab \t bell \u{07} é 日本 🚀"

    private static let samples: [[DeliveryAttempt]] = [
        [],
        [DeliveryAttempt(number: 1, startedAt: t0, failure: nil)],
        [failedAttempt(1), failedAttempt(2, retryAfter: Timestamp(milliseconds: t0.milliseconds + 9_000))],
        [
            DeliveryAttempt(
                number: 3,
                startedAt: Timestamp(milliseconds: -1),
                failure: DeliveryFailure(code: "", message: awkwardText, retryable: false, retryAfter: Timestamp(milliseconds: .min))
            ),
            DeliveryAttempt(number: .max, startedAt: Timestamp(milliseconds: .max), failure: nil),
        ],
    ]

    @Test("What it writes, it reads back, and so does JSONDecoder", arguments: samples)
    func roundTrip(_ attempts: [DeliveryAttempt]) throws {
        let text = AttemptsJSON.encode(attempts)
        #expect(AttemptsJSON.decode(text) == attempts)
        #expect(try JSONDecoder().decode([DeliveryAttempt].self, from: Data(text.utf8)) == attempts)
    }

    @Test("Escapes it does not write itself are read too")
    func foreignEscapes() {
        let text = #"[{"number":1,"startedAt":{"milliseconds":5},"failure":{"code":"a\/b\u00e9\ud83d\ude80","message":"\b\f\r","retryable":true}}]"#
        #expect(AttemptsJSON.decode(text)?.first?.failure?.code == "a/bé🚀")
        #expect(AttemptsJSON.decode(text)?.first?.failure?.message == "\u{08}\u{0C}\r")
    }

    @Test("Anything else is nil (left to JSONDecoder), never a trap")
    func rejects() {
        let valid = AttemptsJSON.encode([failedAttempt(1, retryAfter: t0)])
        for length in 0..<valid.utf8.count {  // every truncation
            #expect(AttemptsJSON.decode(String(decoding: valid.utf8.prefix(length), as: UTF8.self)) == nil)
        }
        for text in [
            "", "[", "[]x", " []", "[{}]", #"[{"number":1}]"#, #"[{"number":99999999999999999999,"startedAt":{"milliseconds":1}}]"#,
            #"[{"number":1,"startedAt":{"milliseconds":-}}]"#, #"[{"number":1,"startedAt":{"milliseconds":1},"failure":{"code":"\q"}}]"#,
            #"[{"number":1,"startedAt":{"milliseconds":1},"failure":{"code":"\ud83d","message":"","retryable":true}}]"#,
        ] {
            #expect(AttemptsJSON.decode(text) == nil, "\(text)")
        }
    }

    @Test("JSONEncoder's own output (keys in any order) still recovers, through the fallback")
    func foreignWriterRecovers() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory)
            try await store.commit([.accept(event("e1"), messages: [message(target())])])
            let attempts = [failedAttempt(1, retryAfter: t0), failedAttempt(2)]
            let text = String(decoding: try JSONEncoder().encode(attempts), as: UTF8.self)
            try store.execute(sql: "UPDATE messages SET attempts = ?", text: text)
            #expect(try store.recover().messages.first?.attempts == attempts)
            try store.execute(sql: "UPDATE messages SET attempts = 'not json'")
            #expect {
                try store.recover()
            } throws: { error in
                (error as? EventStoreError)?.kind == .unreadable
            }
            store.close()
        }
    }

    /// A field added to either type must be written and read by AttemptsJSON as well.
    @Test("DeliveryAttempt and DeliveryFailure have the fields AttemptsJSON knows")
    func knownFields() {
        let attempt = failedAttempt(1, retryAfter: t0)
        #expect(Mirror(reflecting: attempt).children.map(\.label) == ["number", "startedAt", "failure"])
        if let failure = attempt.failure {
            #expect(Mirror(reflecting: failure).children.map(\.label) == ["code", "message", "retryable", "retryAfter"])
        }
        #expect(Mirror(reflecting: t0).children.map(\.label) == ["milliseconds"])
    }
}
