import PushBridgeJSON

/// One entry of a PutEvents request as it arrived, before validation.
public struct PutEventsEntry: Sendable {
    public var source: String?
    public var detailType: String?
    public var detail: String?
    public var time: EntryTime?
    public var resources: [String]
    public var eventBusName: String?
    public var traceHeader: String?

    /// `Time` as botocore sends it (epoch seconds) or as people write it (RFC 3339).
    public enum EntryTime: Sendable, Equatable {
        case epochSeconds(Double)
        case text(String)
    }

    public init(
        source: String? = nil,
        detailType: String? = nil,
        detail: String? = nil,
        time: EntryTime? = nil,
        resources: [String] = [],
        eventBusName: String? = nil,
        traceHeader: String? = nil
    ) {
        self.source = source
        self.detailType = detailType
        self.detail = detail
        self.time = time
        self.resources = resources
        self.eventBusName = eventBusName
        self.traceHeader = traceHeader
    }
}

/// The body of a PutEvents request: `{"Entries":[…],"EndpointId":…}`.
public struct PutEventsRequest: Sendable {
    public var entries: [PutEventsEntry]

    public init(entries: [PutEventsEntry]) { self.entries = entries }

    /// Decodes the awsJson1_1 body. Wrong JSON types are a `SerializationException`, as in AWS.
    public init(json: JSONValue) throws(AWSServiceError) {
        guard case .object(let body) = json else {
            throw AWSServiceError.serialization("Request body must be a JSON object.")
        }
        guard let entriesValue = body["Entries"], !entriesValue.isNull else {
            self.entries = []
            return
        }
        guard case .array(let array) = entriesValue else {
            throw AWSServiceError.serialization("Entries must be a list.")
        }
        var entries: [PutEventsEntry] = []
        entries.reserveCapacity(array.count)
        for element in array {
            guard case .object(let object) = element else {
                throw AWSServiceError.serialization("Each entry of Entries must be an object.")
            }
            entries.append(try PutEventsEntry(object: object))
        }
        self.entries = entries
    }
}

extension PutEventsEntry {
    init(object: JSONObject) throws(AWSServiceError) {
        func string(_ key: String) throws(AWSServiceError) -> String? {
            switch object[key] {
            case .none, .null: return nil
            case .string(let value): return value
            case .some(let other): throw AWSServiceError.serialization("\(key) must be a string, not \(other.typeDescription).")
            }
        }
        self.init()
        self.source = try string("Source")
        self.detailType = try string("DetailType")
        self.detail = try string("Detail")
        self.eventBusName = try string("EventBusName")
        self.traceHeader = try string("TraceHeader")
        switch object["Time"] {
        case .none, .null: self.time = nil
        case .number(let number):
            guard let seconds = number.double else { throw AWSServiceError.serialization("Time is out of range.") }
            self.time = .epochSeconds(seconds)
        case .string(let text): self.time = .text(text)
        case .some: throw AWSServiceError.serialization("Time must be a timestamp.")
        }
        switch object["Resources"] {
        case .none, .null: self.resources = []
        case .array(let values):
            var resources: [String] = []
            for value in values {
                guard case .string(let resource) = value else { throw AWSServiceError.serialization("Resources must be a list of strings.") }
                resources.append(resource)
            }
            self.resources = resources
        case .some: throw AWSServiceError.serialization("Resources must be a list of strings.")
        }
    }
}
