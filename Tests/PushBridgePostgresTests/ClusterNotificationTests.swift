import Testing

@testable import PushBridgePostgres

@Suite("Cluster notifications")
struct ClusterNotificationTests {
    let node = "6f1c2b1e-0000-4000-8000-000000000001"

    @Test("Payloads parse back to what was sent")
    func roundTrip() {
        let config = ClusterNotification.configurationChanged(node: node, version: 42)
        #expect(ClusterNotification(payload: config.payload) == config)
        let dlq = ClusterNotification.deadLettersChanged(node: node, added: ["a-1", "b-2"], removed: ["c-3"])
        #expect(ClusterNotification(payload: dlq.payload) == dlq)
        let onlyRemoved = ClusterNotification.deadLettersChanged(node: node, added: [], removed: ["c-3"])
        #expect(ClusterNotification(payload: onlyRemoved.payload) == onlyRemoved)
    }

    @Test(
        "Anything else is refused, never trapped on: other words, huge or negative versions, bad ids",
        arguments: [
            "", "config", "config node", "config node 1 2", "config node -1", "config node 9999999999999999999",
            "config node 123456789012345678901234567890", "config node 1e5", "config bad/node 1", "dlq node", "dlq node +",
            "dlq node +a,,b", "dlq node *a", "dlq node +a b", "hello node 1", "config \(String(repeating: "n", count: 200)) 1",
        ]
    )
    func refused(payload: String) {
        #expect(ClusterNotification(payload: payload) == nil)
    }

    @Test("Dead-letter payloads are cut under NOTIFY's 8000-byte limit and name every valid id once")
    func chunking() {
        let added = (0..<1000).map { "00000000-0000-4000-8000-\($0)" }
        let removed = (0..<500).map { "11111111-0000-4000-8000-\($0)" }
        let payloads = ClusterNotification.deadLetterPayloads(node: node, added: added + ["bad id"], removed: removed)
        #expect(payloads.count > 1)
        var seenAdded: [String] = []
        var seenRemoved: [String] = []
        for payload in payloads {
            #expect(payload.utf8.count <= ClusterNotification.maximumPayloadBytes)
            guard case .deadLettersChanged(let sender, let a, let r)? = ClusterNotification(payload: payload) else {
                Issue.record("unparsable \(payload.prefix(80))")
                continue
            }
            #expect(sender == node)
            seenAdded += a
            seenRemoved += r
        }
        #expect(seenAdded == added && seenRemoved == removed)
        #expect(ClusterNotification.deadLetterPayloads(node: node, added: [], removed: []).isEmpty)
    }
}
