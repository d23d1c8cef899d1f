import PushBridgeCore

/// Names one message waiting for a retry: `bus/rule/targetId/messageId`.
///
/// Rule names and target ids never hold `/` (EventBridge's character sets), so the last three parts are
/// unambiguous even for a bus name that does. In the URL the target part is one segment, `/` as `%2F`:
/// `POST /admin/retries/default%2FEntityUpdated%2Fpush/12/now`.
struct RetryID: Equatable, Sendable {
    var target: TargetKey
    var messageId: UInt64

    var text: String { "\(target)/\(messageId)" }

    /// Parses `bus/rule/targetId` (the `{target}` path segment, decoded).
    static func target(from text: String) -> TargetKey? {
        var parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3 else { return nil }
        let targetId = parts.removeLast()
        let rule = parts.removeLast()
        let bus = parts.joined(separator: "/")
        guard !bus.isEmpty, !rule.isEmpty, !targetId.isEmpty else { return nil }
        return TargetKey(busName: bus, ruleName: rule, targetId: targetId)
    }
}
