/// PutEvents end to end: validate, stamp each good entry as an ``Event``, route it, report in position.
public struct EventIngest: Sendable {
    public let validator: PutEventsValidator
    public let router: EventRouter
    public let observer: (any IngestObserver)?

    public init(validator: PutEventsValidator, router: EventRouter, observer: (any IngestObserver)? = nil) {
        self.validator = validator
        self.router = router
        self.observer = observer
    }

    public struct Response: Sendable, Equatable {
        public var entries: [PutEventsResultEntry]
        public var failedEntryCount: Int { entries.reduce(0) { $0 + ($1.isFailure ? 1 : 0) } }
    }

    public func putEvents(_ request: PutEventsRequest) throws(AWSServiceError) -> Response {
        let now = router.clock.now()
        // Entries without a Time of their own share the request's; format it once, not once per entry.
        var nowText: String?
        let results = try validator.validate(request).map { result -> PutEventsResultEntry in
            switch result {
            case .failure(let error): return error.result
            case .success(let valid):
                if valid.time == nil, nowText == nil { nowText = now.rfc3339Seconds }
                return publish(valid, now: now, nowText: nowText)
            }
        }
        if let observer {
            var rejected: [String: Int] = [:]
            for case .failed(let code, _) in results { rejected[code, default: 0] += 1 }
            observer.accepted(results.count - rejected.values.reduce(0, +))
            for (code, count) in rejected { observer.rejected(code: code, count: count) }
        }
        return Response(entries: results)
    }

    private func publish(_ valid: PutEventsValidator.ValidEntry, now: Timestamp, nowText: String?) -> PutEventsResultEntry {
        let busName = AccountContext.busName(from: valid.entry.eventBusName)
        let event = Event(
            id: UUIDText.random(),
            source: valid.entry.source ?? "",
            detailType: valid.entry.detailType ?? "",
            account: router.account.accountId,
            region: router.account.region,
            time: valid.time ?? now,
            timeText: valid.time == nil ? nowText : nil,
            resources: valid.entry.resources,
            detail: valid.detail,
            eventBusName: busName,
            ingestedAt: now,
            detailBytes: valid.entry.detail?.utf8.count
        )
        switch router.publish(event) {
        case .accepted: return .accepted(eventId: event.id)
        case .throttled:
            return .failed(code: "ThrottlingException", message: "A target's queue is full; retry the entry later.")
        case .unknownBus:
            return .failed(code: "InvalidArgument", message: "Parameter EventBusName is not valid. Reason: Event bus \(busName) does not exist.")
        }
    }

}
