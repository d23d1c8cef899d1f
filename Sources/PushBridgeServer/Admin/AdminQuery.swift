import Foundation
import Hummingbird
import PushBridgeCore
import PushBridgeJSON

/// Parsing of the admin API's query parameters and JSON bodies: filters, times and paging.
enum AdminQuery {
    static let defaultLimit = 100
    static let maximumLimit = 1000
    /// Redrive paces between one entry every 100 s and a million a second.
    static let redriveRates: ClosedRange<Double> = 0.01...1_000_000

    static func limit(_ text: String?) throws(AdminError) -> Int {
        guard let text else { return defaultLimit }
        guard let value = Int(text), (1...maximumLimit).contains(value) else {
            throw .badRequest("limit must be a whole number from 1 to \(maximumLimit), not '\(text)'.")
        }
        return value
    }

    /// A time: RFC 3339 (`2024-05-01T12:00:00Z`), epoch milliseconds, or an age like `30s`, `15m`, `2h`, `7d`.
    static func time(_ text: String, name: String, now: Timestamp = .now()) throws(AdminError) -> Timestamp {
        if let timestamp = Timestamp(rfc3339: text) { return timestamp }
        if let milliseconds = Int64(text) { return Timestamp(milliseconds: milliseconds) }
        if let unit = text.last, let amount = Int64(text.dropLast()), amount >= 0 {
            let factor: Int64? =
                switch unit {
                case "s": 1000
                case "m": 60_000
                case "h": 3_600_000
                case "d": 86_400_000
                default: nil
                }
            // An age from a query string: multiplied only once it is known to fit.
            if let factor {
                let (age, overflow) = amount.multipliedReportingOverflow(by: factor)
                guard !overflow else { throw .badRequest("\(name) is too long an age: '\(text)'.") }
                return Timestamp(milliseconds: now.milliseconds.subtractingReportingOverflow(age).overflow ? .min : now.milliseconds - age)
            }
        }
        throw .badRequest("\(name) must be an RFC 3339 time, epoch milliseconds or an age like 30m, 2h, 7d; got '\(text)'.")
    }

    /// A dead-letter filter from named values (query parameters or a JSON body's strings).
    ///
    /// `target` is a target id, or `bus/rule/targetId` to name one target exactly.
    static func filter(_ value: (String) -> String?) throws(AdminError) -> DeadLetterFilter {
        var filter = DeadLetterFilter(busName: value("bus"), ruleName: value("rule"), errorCode: value("errorCode"))
        if let target = value("target") {
            if target.contains("/") {
                guard let key = RetryID.target(from: target) else { throw .badRequest("target must be a target id or bus/rule/targetId.") }
                filter.busName = key.busName
                filter.ruleName = key.ruleName
                filter.targetId = key.targetId
            } else {
                filter.targetId = target
            }
        }
        if let since = value("since") { filter.since = try time(since, name: "since") }
        if let until = value("until") { filter.until = try time(until, name: "until") }
        return filter
    }

    static func filter(query: Request) throws(AdminError) -> DeadLetterFilter {
        try filter { name in query.uri.queryParameters[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
    }

    static func isEmpty(_ filter: DeadLetterFilter) -> Bool { filter == .all }

    /// The JSON object body of a POST (an empty body is an empty object).
    /// The largest admin request body read.
    static let maximumBodyBytes = 1024 * 1024

    static let bodyTooLarge = AdminError(
        status: .contentTooLarge,
        code: "PayloadTooLarge",
        message: "The request body is over \(maximumBodyBytes) bytes."
    )
    static let bodyIncomplete = AdminError.badRequest("The request body ended before its declared length; send the whole body.")

    static func body(_ request: Request, context: some RequestContext) async throws -> JSONObject {
        let buffer: ByteBuffer
        switch await request.body.collectWhole(upTo: maximumBodyBytes) {
        case .success(let bytes): buffer = bytes
        case .failure(.tooLarge): throw bodyTooLarge
        case .failure(.incomplete): throw bodyIncomplete
        }
        guard buffer.readableBytes > 0 else { return JSONObject() }
        let json: JSONValue
        do {
            json = try JSONParser.parse(Array(buffer.readableBytesView))
        } catch {
            throw AdminError.badRequest("The request body is not valid JSON: \(error.description)")
        }
        guard let object = json.objectValue else { throw AdminError.badRequest("The request body must be a JSON object.") }
        return object
    }

    /// A string member of a body object, or a 400 if present with another type.
    static func string(_ object: JSONObject, _ key: String) throws(AdminError) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw .badRequest("\(key) must be a string.") }
        return text
    }

    /// An opaque paging token: the sort key of the last item returned.
    static func encodeToken(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeToken(_ token: String) throws(AdminError) -> String {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            throw .badRequest("nextToken is not a token this server returned.")
        }
        return text
    }
}
