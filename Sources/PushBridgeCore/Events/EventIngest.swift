import Logging

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

    /// Validates and routes `request`, and answers through `completion` once its accepted entries are recorded:
    /// before returning with an in-memory store, from the store's thread with a durable one. An entry answers with
    /// an EventId only once it and its messages are committed; if the commit fails, every entry that would have
    /// been accepted fails with `InternalException` and nothing of them is queued. Whole-request faults throw.
    /// - Parameter admit: given the number of entries of a request that passed the whole-request checks, how many
    ///   of them, from the first, a rate limit lets through; the others fail with ThrottlingException, in place.
    public func putEvents(
        _ request: PutEventsRequest,
        admit: (Int) -> Int = { $0 },
        completion: @escaping @Sendable (Response) -> Void
    ) throws(AWSServiceError) {
        let now = router.clock.now()
        // Entries without a Time of their own share the request's; format it once, not once per entry.
        var nowText: String?
        var results: [PutEventsResultEntry] = []
        var prepared: [EventRouter.PreparedEvent] = []
        let validated = try validator.validate(request)
        let admitted = validated.count > 0 ? admit(validated.count) : 0
        for (index, result) in validated.enumerated() {
            guard index < admitted else {
                results.append(.rateExceeded)
                continue
            }
            switch result {
            case .failure(let error): results.append(error.result)
            case .success(let valid):
                if valid.time == nil, nowText == nil { nowText = now.rfc3339Seconds }
                let event = makeEvent(valid, now: now, nowText: nowText)
                switch router.prepare(event) {
                case .ready(let ready):
                    results.append(.accepted(eventId: event.id))
                    prepared.append(ready)
                case .refused(let refusal): results.append(Self.refusal(refusal, busName: event.eventBusName))
                }
            }
        }
        let changes = router.store.isDurable ? prepared.compactMap(\.storeChange) : []
        guard !changes.isEmpty else {
            for event in prepared { router.enqueue(event) }
            return completion(finish(results))
        }
        router.store.submit(changes) { [self, prepared, results] outcome in
            switch outcome {
            case .success:
                for event in prepared { router.enqueue(event) }
                completion(finish(results))
            case .failure(let error):
                for event in prepared { router.cancel(event) }
                router.logger.error(
                    "PutEvents entries could not be recorded; they are answered InternalException and not queued",
                    metadata: ["pb.entries": "\(prepared.count)", "pb.reason": "\(error)"]
                )
                let failed = results.map { result -> PutEventsResultEntry in
                    guard case .accepted = result else { return result }
                    return .failed(code: "InternalException", message: "The entry could not be recorded durably (\(error.reason)); retry it.")
                }
                completion(finish(failed))
            }
        }
    }

    /// ``putEvents(_:completion:)`` for callers that can wait.
    public func putEvents(_ request: PutEventsRequest) async throws(AWSServiceError) -> Response {
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Response, AWSServiceError>, Never>) in
            do throws(AWSServiceError) {
                try putEvents(request) { continuation.resume(returning: .success($0)) }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        return try outcome.get()
    }

    private func finish(_ results: [PutEventsResultEntry]) -> Response {
        if let observer {
            var rejected: [String: Int] = [:]
            for case .failed(let code, _) in results { rejected[code, default: 0] += 1 }
            observer.accepted(results.count - rejected.values.reduce(0, +))
            for (code, count) in rejected { observer.rejected(code: code, count: count) }
        }
        return Response(entries: results)
    }

    private static func refusal(_ result: EventRouter.PublishResult, busName: String) -> PutEventsResultEntry {
        switch result {
        case .unknownBus:
            .failed(code: "InvalidArgument", message: "Parameter EventBusName is not valid. Reason: Event bus \(busName) does not exist.")
        case .throttled, .accepted:
            .failed(code: "ThrottlingException", message: "A target's queue is full; retry the entry later.")
        }
    }

    private func makeEvent(_ valid: PutEventsValidator.ValidEntry, now: Timestamp, nowText: String?) -> Event {
        Event(
            id: UUIDText.random(),
            source: valid.entry.source ?? "",
            detailType: valid.entry.detailType ?? "",
            account: router.account.accountId,
            region: router.account.region,
            time: valid.time ?? now,
            timeText: valid.time == nil ? nowText : nil,
            resources: valid.entry.resources,
            detail: valid.detail,
            eventBusName: AccountContext.busName(from: valid.entry.eventBusName),
            ingestedAt: now,
            detailBytes: valid.entry.detail?.utf8.count
        )
    }
}
