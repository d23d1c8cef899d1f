import Foundation
import PushBridgeCore
import PushBridgeJSON

/// Typed access to an awsJson request body, with AWS's validation messages for missing or mistyped members.
struct RequestParameters {
    let object: JSONObject

    init(_ body: JSONValue) throws(AWSServiceError) {
        guard case .object(let object) = body else { throw .serialization("Request body must be a JSON object.") }
        self.object = object
    }

    func string(_ key: String) throws(AWSServiceError) -> String? {
        switch object[key] {
        case .none, .null: return nil
        case .string(let value): return value
        case .some(let other): throw .serialization("\(key) must be a string, not \(other.typeDescription).")
        }
    }

    func required(_ key: String) throws(AWSServiceError) -> String {
        guard let value = try string(key) else {
            throw .validation(
                "1 validation error detected: Value null at '\(Self.lowerFirst(key))' failed to satisfy constraint: Member must not be null"
            )
        }
        return value
    }

    func int(_ key: String) throws(AWSServiceError) -> Int? {
        switch object[key] {
        case .none, .null: return nil
        case .number(let number):
            guard let value = number.int64 else { throw .serialization("\(key) must be an integer.") }
            return Int(value)
        case .some: throw .serialization("\(key) must be a number.")
        }
    }

    func bool(_ key: String) throws(AWSServiceError) -> Bool? {
        switch object[key] {
        case .none, .null: return nil
        case .bool(let value): return value
        case .some: throw .serialization("\(key) must be a boolean.")
        }
    }

    func array(_ key: String) throws(AWSServiceError) -> [JSONValue]? {
        switch object[key] {
        case .none, .null: return nil
        case .array(let values): return values
        case .some: throw .serialization("\(key) must be a list.")
        }
    }

    /// `EventBusName` as a name or an ARN; `default` when absent.
    func busName(key: String = "EventBusName") throws(AWSServiceError) -> String {
        AccountContext.busName(from: try string(key))
    }

    static func lowerFirst(_ key: String) -> String { key.prefix(1).lowercased() + key.dropFirst() }
}

/// Paging over a list with an opaque `NextToken` (the offset) and `Limit`, as the List* operations do.
struct Page<Element> {
    let items: [Element]
    let nextToken: String?

    init(_ all: [Element], parameters: RequestParameters) throws(AWSServiceError) {
        let limit = try parameters.int("Limit") ?? 100
        guard (1...100).contains(limit) else {
            throw .validation(
                "1 validation error detected: Value '\(limit)' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100"
            )
        }
        var offset = 0
        if let token = try parameters.string("NextToken") {
            guard let decoded = Int(token.dropFirst("pb-".count)), token.hasPrefix("pb-"), decoded >= 0 else {
                throw .validation("The NextToken is not valid.")
            }
            // The token came from the client: an offset past the end is the end, never arithmetic that overflows.
            offset = min(decoded, all.count)
        }
        let end = min(all.count, offset + limit)
        self.items = offset < all.count ? Array(all[offset..<end]) : []
        self.nextToken = end < all.count ? "pb-\(end)" : nil
    }
}
