import PushBridgeJSON

/// PutEvents validation with AWS's limits, codes and messages.
///
/// Whole-request problems (entry count, total size) throw a ``AWSServiceError``; problems of one entry come
/// back in position, so the good entries of the same request are still accepted.
public struct PutEventsValidator: Sendable {
    public static let maximumEntries = 10
    public static let maximumDetailTypeLength = 128
    public static let maximumResourceLength = 2048

    /// Requests must be smaller than this, counted as AWS counts it (see ``entrySize(_:)``); AWS's classic limit is 256 KiB.
    public var maximumRequestSize: Int

    public init(maximumRequestSize: Int = 256 * 1024) {
        self.maximumRequestSize = maximumRequestSize
    }

    /// A valid entry with its parsed detail, ready to become an ``Event``.
    public struct ValidEntry: Sendable {
        public var entry: PutEventsEntry
        public var detail: JSONValue
        public var time: Timestamp?
    }

    /// Checks the request as a whole, then each entry.
    public func validate(_ request: PutEventsRequest) throws(AWSServiceError) -> [Result<ValidEntry, EntryError>] {
        let entries = request.entries
        if entries.isEmpty {
            throw .validation(
                "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        }
        if entries.count > Self.maximumEntries {
            throw .validation(
                "1 validation error detected: Value '[PutEventsRequestEntry]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10"
            )
        }
        let totalSize = entries.reduce(0) { $0 + Self.entrySize($1) }
        // AWS: the total must be less than the limit.
        if totalSize >= maximumRequestSize {
            throw .validation("Total size of the entries in the request is over the limit.")
        }
        return entries.map(validate(entry:))
    }

    /// A per-entry failure, reported in place of an EventId.
    public struct EntryError: Error, Sendable, Equatable {
        public let result: PutEventsResultEntry
    }

    public func validate(entry: PutEventsEntry) -> Result<ValidEntry, EntryError> {
        guard let source = entry.source, !source.isEmpty else { return .failure(.init(result: .missingSource)) }
        guard let detailType = entry.detailType, !detailType.isEmpty else { return .failure(.init(result: .missingDetailType)) }
        guard let detailText = entry.detail, !detailText.isEmpty else { return .failure(.init(result: .missingDetail)) }
        if source.hasPrefix("aws.") { return .failure(.init(result: .notAuthorizedForSource)) }
        if detailType.count > Self.maximumDetailTypeLength {
            return .failure(
                .init(
                    result: .failed(
                        code: "InvalidArgument",
                        message: "Parameter DetailType is not valid. Reason: DetailType must be at most 128 characters long."
                    )
                )
            )
        }
        if entry.resources.contains(where: { $0.utf8.count > Self.maximumResourceLength || $0.isEmpty }) {
            return .failure(
                .init(
                    result: .failed(
                        code: "InvalidArgument",
                        message: "Parameter Resources is not valid. Reason: each resource must be 1 to 2048 characters long."
                    )
                )
            )
        }
        guard case .some(.object(let detail)) = try? JSONParser.parse(detailText) else {
            return .failure(.init(result: .malformedDetail))
        }
        let invalidTime = EntryError(
            result: .failed(
                code: "InvalidArgument",
                message: "Parameter Time is not valid. Reason: Time must be epoch seconds or an RFC 3339 timestamp."
            )
        )
        var time: Timestamp?
        switch entry.time {
        case .none: time = nil
        case .epochSeconds(let seconds):
            // Years 0001–9999, as RFC 3339 can write them; also keeps the Int64 conversion from trapping.
            guard (-62_135_596_800...253_402_300_799).contains(seconds) else { return .failure(invalidTime) }
            time = Timestamp(milliseconds: Int64((seconds * 1000).rounded(.down)))
        case .text(let text):
            guard let parsed = Timestamp(rfc3339: text) else { return .failure(invalidTime) }
            time = parsed
        }
        return .success(ValidEntry(entry: entry, detail: .object(detail), time: time))
    }

    /// An entry's size as EventBridge counts it: 14 bytes for a Time, plus the UTF-8 bytes of Source,
    /// DetailType, Detail and every resource.
    public static func entrySize(_ entry: PutEventsEntry) -> Int {
        var size = entry.time == nil ? 0 : 14
        size += entry.source?.utf8.count ?? 0
        size += entry.detailType?.utf8.count ?? 0
        size += entry.detail?.utf8.count ?? 0
        for resource in entry.resources { size += resource.utf8.count }
        return size
    }
}
