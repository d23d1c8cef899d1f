import ArgumentParser
import Foundation

/// The ranges `serve`'s numeric flags (and their `PUSHBRIDGE_…` variables) must fall in. A value outside is a
/// start-up error that names the flag, never a size or duration that overflows later.
enum FlagRange {
    static let seconds: ClosedRange<Int> = 1...31_536_000
    static let frameBytes: ClosedRange<Int> = 125...(64 << 20)
    static let messageBytes: ClosedRange<Int> = 1024...(64 << 20)
    static let count: ClosedRange<Int> = 1...100_000_000
    static let rate: ClosedRange<Int> = 0...1_000_000
    /// A token bucket's size: what may come at once above its rate.
    static let burst: ClosedRange<Int> = 1...10_000_000
    static let budgetBytes: ClosedRange<Int> = (1 << 20)...(1 << 50)
    static let timeoutSeconds: ClosedRange<Double> = 0.001...3600
    static let delayMilliseconds: ClosedRange<Int> = 1...86_400_000
    static let graceSeconds: ClosedRange<Double> = 0...3600
    static let threads: ClosedRange<Int> = 1...256
    /// SQS's message retention bounds: one minute to 14 days.
    static let retentionSeconds: ClosedRange<Int> = 60...1_209_600
    /// Clock skew allowed on a token's exp and nbf: up to five minutes.
    static let leewaySeconds: ClosedRange<Int> = 0...300
    static let jwksRefreshSeconds: ClosedRange<Int> = 10...86_400
    /// How long a cluster node's messages stay its own without a heartbeat.
    static let nodeLeaseSeconds: ClosedRange<Int> = 2...300
    /// How long a webhook's answer may be reused: up to an hour, as API Gateway caches an authorizer's policy.
    static let answerCacheSeconds: ClosedRange<Int> = 0...3600
    /// How long an authorizer or subscribe-policy webhook may take (API Gateway's integrations: at most 29 s).
    static let webhookTimeoutSeconds: ClosedRange<Double> = 0.1...30

    /// `value` if it is in `range`; `name` is the variable's suffix (`IDLE_TIMEOUT` → `--idle-timeout`).
    static func check<T: Comparable & LosslessStringConvertible>(
        _ value: T?,
        name: String,
        _ range: ClosedRange<T>,
        unit: String
    ) throws -> T? {
        guard let value else { return nil }
        guard range.contains(value) else {
            let flag = "--" + name.lowercased().replacingOccurrences(of: "_", with: "-")
            let unitText = unit.isEmpty ? "" : " " + unit
            throw ValidationError(
                "\(flag) (or PUSHBRIDGE_\(name)) must be from \(range.lowerBound) to \(range.upperBound)\(unitText), not \(value)."
            )
        }
        return value
    }
}
