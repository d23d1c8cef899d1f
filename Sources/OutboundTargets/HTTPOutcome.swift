import CurlTransport
import Foundation
import PushBridgeCore

/// How an HTTP exchange with a target ends, in EventBridge's terms, for every outbound target kind:
/// 2xx delivered; timeouts, connection failures, 429 and 5xx retryable (honouring `Retry-After`);
/// any other 4xx not retryable, straight to the DLQ with a code that says why.
enum HTTPOutcome {
    static let bodyExcerptLength = 256

    static func classify(_ response: HTTPResponse, now: Date = Date()) -> DeliveryOutcome {
        let status = response.status
        if (200..<300).contains(status) { return .delivered }
        let message = "HTTP \(status): \(excerpt(response.body))"
        let retryAfter = response.header("Retry-After").flatMap { RetryAfter.parse($0, now: now) }
        switch status {
        case 429:
            return .failed(DeliveryFailure(code: "THROTTLING", message: message, retryable: true, retryAfter: retryAfter))
        case 500...599:
            return .failed(DeliveryFailure(code: "ERROR_FROM_TARGET", message: message, retryable: true, retryAfter: retryAfter))
        case 401, 403:
            return .failed(DeliveryFailure(code: "NO_PERMISSIONS", message: message, retryable: false))
        case 404, 410:
            return .failed(DeliveryFailure(code: "NO_RESOURCE", message: message, retryable: false))
        case 400, 413, 422:
            return .failed(DeliveryFailure(code: "INVALID_PARAMETER", message: message, retryable: false))
        default:
            return .failed(DeliveryFailure(code: "ERROR_FROM_TARGET", message: message, retryable: false))
        }
    }

    static func classify(_ error: CurlError) -> DeliveryOutcome {
        switch error.kind {
        case .timeout: .failed(DeliveryFailure(code: "TIMEOUT", message: error.message, retryable: true))
        case .connectionFailed: .failed(DeliveryFailure(code: "CONNECTION_FAILURE", message: error.message, retryable: true))
        case .cancelled: .failed(DeliveryFailure(code: "INTERNAL_ERROR", message: "Delivery cancelled: \(error.message)", retryable: true))
        // The target's address is configuration the server refuses: retrying cannot help.
        case .deniedByPolicy: .failed(DeliveryFailure(code: "NO_PERMISSIONS", message: error.message, retryable: false))
        default: .failed(DeliveryFailure(code: "SDK_CLIENT_ERROR", message: error.message, retryable: true))
        }
    }

    /// The start of a response body, as text, for ERROR_MESSAGE.
    static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(bodyExcerptLength), as: UTF8.self)
        return body.count > bodyExcerptLength ? text + "…" : text
    }
}

/// `Retry-After` as delay-seconds or an HTTP date, from a target's answer: untrusted, so bounded before any
/// arithmetic. No wait is longer than ``maximumDelay`` (a day, past EventBridge's longest event age, so a later
/// time could never be used anyway); a date in the past means "now".
enum RetryAfter {
    static let maximumDelay: Int64 = 86_400

    static func parse(_ value: String, now: Date) -> Timestamp? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        let nowTimestamp = Timestamp(date: now)
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Digits only: more of them than Int64 holds is still "a very long time".
            let seconds = min(Int64(trimmed) ?? maximumDelay, maximumDelay)
            return nowTimestamp + .seconds(seconds)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        let delay = date.timeIntervalSince(now)
        guard delay.isFinite else { return nil }
        return nowTimestamp + .milliseconds(Int64(min(max(delay, 0), Double(maximumDelay)) * 1000))
    }
}
