import PushBridgeJSON

/// What a client's message asks for, decided the way API Gateway selects a route on `$request.body.action`.
enum ClientMessage: Equatable {
    case subscribe(entityId: String)
    case unsubscribe(entityId: String)
    /// No route matched (not JSON, no `action`, an unknown action): API Gateway answers "Forbidden".
    case noRoute
    /// A known route with a bad argument; the reason goes back in an error frame.
    case invalid(reason: String)

    static let maximumEntityIdBytes = 256

    init(text: String) {
        guard case .some(.object(let object)) = try? JSONParser.parse(text) else {
            self = .noRoute
            return
        }
        let action: String
        switch object["action"] {
        case .string(let value): action = value
        case .number(let number): action = number.text
        case .bool(let bool): action = bool ? "true" : "false"
        default:
            self = .noRoute
            return
        }
        switch action {
        case "subscribe", "unsubscribe":
            switch Self.entityId(object["entityId"]) {
            case .success(let entityId): self = action == "subscribe" ? .subscribe(entityId: entityId) : .unsubscribe(entityId: entityId)
            case .failure(let reason): self = .invalid(reason: "\(action): \(reason.message)")
            }
        default:
            self = .noRoute
        }
    }

    struct Reason: Error {
        let message: String
    }

    private static func entityId(_ value: JSONValue?) -> Result<String, Reason> {
        guard let value else { return .failure(Reason(message: "entityId is required")) }
        guard case .string(let entityId) = value else {
            return .failure(Reason(message: "entityId must be a string, not \(value.typeDescription)"))
        }
        guard !entityId.isEmpty else { return .failure(Reason(message: "entityId must not be empty")) }
        guard entityId.utf8.count <= maximumEntityIdBytes else {
            return .failure(Reason(message: "entityId must be at most \(maximumEntityIdBytes) UTF-8 bytes"))
        }
        return .success(entityId)
    }
}
