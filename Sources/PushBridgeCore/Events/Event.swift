import PushBridgeJSON

/// An event accepted onto a bus: the EventBridge envelope plus the parsed detail.
///
/// Immutable and shared by reference between every target it is routed to, so fan-out to many targets
/// never copies the detail.
public final class Event: Sendable {
    public let id: String
    public let source: String
    public let detailType: String
    public let account: String
    public let region: String
    public let time: Timestamp
    public let resources: [String]
    public let detail: JSONValue
    public let eventBusName: String
    /// When PushBridge accepted the event; retry age limits count from here.
    public let ingestedAt: Timestamp

    /// The event as targets receive it (EventBridge's envelope, key order as AWS sends it).
    public let json: JSONValue
    /// About how many bytes the event's JSON text takes: what a queued message of it counts against the
    /// queues' memory budget.
    public let estimatedBytes: Int

    /// - Parameters:
    ///   - timeText: `time` already formatted (``Timestamp/rfc3339Seconds``), when the caller stamps many
    ///     events with one time.
    ///   - detailBytes: the size of the detail's JSON text when the caller knows it (PutEvents' `Detail`);
    ///     otherwise it is measured from `detail`.
    public init(
        id: String,
        source: String,
        detailType: String,
        account: String,
        region: String,
        time: Timestamp,
        timeText: String? = nil,
        resources: [String],
        detail: JSONValue,
        eventBusName: String,
        ingestedAt: Timestamp,
        detailBytes: Int? = nil
    ) {
        self.id = id
        self.source = source
        self.detailType = detailType
        self.account = account
        self.region = region
        self.time = time
        self.resources = resources
        self.detail = detail
        self.eventBusName = eventBusName
        self.ingestedAt = ingestedAt
        self.json = .object(
            JSONObject([
                ("version", "0"),
                ("id", .string(id)),
                ("detail-type", .string(detailType)),
                ("source", .string(source)),
                ("account", .string(account)),
                ("time", .string(timeText ?? time.rfc3339Seconds)),
                ("region", .string(region)),
                ("resources", .array(resources.map { .string($0) })),
                ("detail", detail),
            ])
        )
        var envelope = 160 + id.utf8.count + source.utf8.count + detailType.utf8.count + account.utf8.count + region.utf8.count
        for resource in resources { envelope += resource.utf8.count + 3 }
        self.estimatedBytes = envelope + (detailBytes ?? detail.estimatedTextBytes)
    }

    /// Rebuilds an event from its delivered JSON form (used by redrive and the operator API).
    public convenience init?(json: JSONValue, eventBusName: String, ingestedAt: Timestamp) {
        guard let id = json["id"]?.stringValue, let source = json["source"]?.stringValue,
            let detailType = json["detail-type"]?.stringValue, let detail = json["detail"]
        else { return nil }
        let time = json["time"]?.stringValue.flatMap { Timestamp(rfc3339: $0) } ?? ingestedAt
        self.init(
            id: id,
            source: source,
            detailType: detailType,
            account: json["account"]?.stringValue ?? "",
            region: json["region"]?.stringValue ?? "",
            time: time,
            resources: json["resources"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            detail: detail,
            eventBusName: eventBusName,
            ingestedAt: ingestedAt
        )
    }

    /// Compact JSON text of ``json``.
    public var jsonText: String { json.jsonText }
}
