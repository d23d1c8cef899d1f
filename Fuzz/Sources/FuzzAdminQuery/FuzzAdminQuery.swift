import FuzzSupport
import HTTPTypes
import Hummingbird
import NIOCore
import PushBridgeCore
import PushBridgeJSON

@testable import PushBridgeServer

// Why: the admin API turns query strings and JSON bodies into filters, times, limits and paging tokens.
//
// Input: a query string (`limit=10&since=2h&target=default/rule/id&nextToken=…`), or a JSON object body when it
// starts with `{`. Each is read the way the admin routes read it. Properties checked besides "no crash":
// - a limit that is accepted is 1 to 1000; a target `bus/rule/id` that parses prints back as itself;
// - paging tokens decode to what was encoded, for any text;
// - only RFC 3339 text parses as RFC 3339, and such a time (years 1-9999) prints as ISO 8601 that parses back to
//   the same millisecond.
@main
enum FuzzAdminQuery {
    static let filterKeys = ["bus", "rule", "target", "errorCode", "since", "until"]

    static func main() {
        Fuzz.run { data in
            let text = Fuzz.text(data)
            if data.first == UInt8(ascii: "{") { body(data) } else { query(text) }
            Fuzz.require((try? AdminQuery.decodeToken(AdminQuery.encodeToken(text))) == text, "token round trip of \(text)")
        }
    }

    static func query(_ text: String) {
        let request = Request(
            head: HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/admin/dlq?" + text),
            body: RequestBody(buffer: ByteBuffer())
        )
        let parameters = request.uri.queryParameters
        if let limit = try? AdminQuery.limit(parameters["limit"].map(String.init)) {
            Fuzz.require((1...AdminQuery.maximumLimit).contains(limit), "limit \(limit)")
        }
        _ = try? AdminQuery.filter(query: request)
        for (name, value) in parameters {
            let value = String(value)
            if name == "nextToken", let decoded = try? AdminQuery.decodeToken(value) { _ = Int(decoded) }
            checkTarget(value)
            checkTime(value, name: String(name))
        }
    }

    static func body(_ data: UnsafeRawBufferPointer) {
        guard case .object(let object)? = try? JSONParser.parse(Array(data)) else { return }
        var values: [String: String] = [:]
        for key in ["id"] + filterKeys {
            if let value = try? AdminQuery.string(object, key) { values[key] = value }
        }
        if let filter = try? AdminQuery.filter({ values[$0] }), AdminQuery.isEmpty(filter) {
            Fuzz.require(filterKeys.allSatisfy { values[$0] == nil }, "an empty filter from \(values)")
        }
        for (key, value) in values {
            checkTarget(value)
            checkTime(value, name: key)
        }
    }

    static func checkTarget(_ text: String) {
        guard let key = RetryID.target(from: text) else { return }
        Fuzz.require(key.description == text, "target \(text) parsed as \(key)")
    }

    static func checkTime(_ text: String, name: String) {
        guard let time = try? AdminQuery.time(text, name: name), Timestamp(rfc3339: text) != nil else { return }
        Fuzz.require(RFC3339.isValid(text), "\(text.debugDescription) accepted as RFC 3339", id: "rfc3339-strict")
        guard (-62_135_596_800_000...253_402_300_799_999).contains(time.milliseconds) else { return }
        let printed = time.iso8601Milliseconds
        Fuzz.require(
            Timestamp(rfc3339: printed) == time,
            "\(text) is \(time.milliseconds) ms, printed \(printed), parsed back as \(String(describing: Timestamp(rfc3339: printed)?.milliseconds))",
            id: "time-round-trip"
        )
    }
}
