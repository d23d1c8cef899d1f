import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite("PutEventsValidator")
struct PutEventsValidatorTests {
    let validator = PutEventsValidator()

    private func entry(
        source: String? = "CLI",
        detailType: String? = "Entity Updated",
        detail: String? = #"{"entityId":"myEntityId"}"#,
        time: PutEventsEntry.EntryTime? = nil,
        resources: [String] = []
    ) -> PutEventsEntry {
        PutEventsEntry(source: source, detailType: detailType, detail: detail, time: time, resources: resources)
    }

    /// An entry of exactly `size` bytes as AWS counts them (Source "s", DetailType "t", Detail padded).
    private func entry(ofSize size: Int, withTime: Bool) -> PutEventsEntry {
        let fixed = 1 + 1 + #"{"a":""}"#.utf8.count + (withTime ? 14 : 0)
        let padding = String(repeating: "x", count: size - fixed)
        let entry = entry(source: "s", detailType: "t", detail: #"{"a":"\#(padding)"}"#, time: withTime ? .epochSeconds(1) : nil)
        precondition(PutEventsValidator.entrySize(entry) == size)
        return entry
    }

    private func results(_ entries: [PutEventsEntry]) throws -> [Result<PutEventsValidator.ValidEntry, PutEventsValidator.EntryError>] {
        try validator.validate(PutEventsRequest(entries: entries))
    }

    private func failureResult(_ result: Result<PutEventsValidator.ValidEntry, PutEventsValidator.EntryError>) -> PutEventsResultEntry? {
        guard case .failure(let error) = result else { return nil }
        return error.result
    }

    private func failure(_ entry: PutEventsEntry) -> PutEventsResultEntry? {
        guard case .failure(let error) = validator.validate(entry: entry) else { return nil }
        return error.result
    }

    // MARK: Whole request

    @Test("No entries: ValidationException")
    func noEntries() {
        #expect(
            throws: AWSServiceError(
                code: "ValidationException",
                message:
                    "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
                httpStatus: 400
            )
        ) { try results([]) }
    }

    @Test("Eleven entries: ValidationException with AWS's message")
    func elevenEntries() throws {
        #expect(
            throws: AWSServiceError(
                code: "ValidationException",
                message:
                    "1 validation error detected: Value '[PutEventsRequestEntry]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10",
                httpStatus: 400
            )
        ) { try results(Array(repeating: entry(), count: 11)) }
        #expect(try results(Array(repeating: entry(), count: 10)).count == 10)
        #expect(try results([entry()]).count == 1)
    }

    @Test("Total size must be below the limit: one byte under passes, exactly at it fails")
    func totalSize() throws {
        let small = PutEventsValidator(maximumRequestSize: 100)
        let overLimit = AWSServiceError.validation("Total size of the entries in the request is over the limit.")
        #expect(throws: Never.self) { try small.validate(PutEventsRequest(entries: [entry(ofSize: 99, withTime: false)])) }
        #expect(throws: overLimit) { try small.validate(PutEventsRequest(entries: [entry(ofSize: 100, withTime: false)])) }
        #expect(throws: overLimit) { try small.validate(PutEventsRequest(entries: [entry(ofSize: 101, withTime: false)])) }
        // The sum over entries counts.
        #expect(throws: Never.self) {
            try small.validate(PutEventsRequest(entries: [entry(ofSize: 60, withTime: false), entry(ofSize: 39, withTime: true)]))
        }
        #expect(throws: overLimit) {
            try small.validate(PutEventsRequest(entries: [entry(ofSize: 60, withTime: false), entry(ofSize: 40, withTime: true)]))
        }
    }

    @Test("A Time adds 14 bytes")
    func timeCounts14Bytes() throws {
        let small = PutEventsValidator(maximumRequestSize: 100)
        var underLimit = entry(ofSize: 85, withTime: false)
        #expect(PutEventsValidator.entrySize(underLimit) == 85)
        underLimit.time = .text("2024-05-01T12:00:00Z")
        #expect(PutEventsValidator.entrySize(underLimit) == 99)
        #expect(throws: Never.self) { try small.validate(PutEventsRequest(entries: [underLimit])) }
        underLimit.source = "ss"
        #expect(throws: AWSServiceError.validation("Total size of the entries in the request is over the limit.")) {
            try small.validate(PutEventsRequest(entries: [underLimit]))
        }
    }

    @Test("Default limit is 256 KiB")
    func defaultLimit() throws {
        #expect(validator.maximumRequestSize == 262_144)
        #expect(try results([entry(ofSize: 262_143, withTime: true)]).count == 1)
        #expect(throws: AWSServiceError.self) { try results([entry(ofSize: 262_144, withTime: true)]) }
    }

    @Test("Entry size counts UTF-8 bytes of Source, DetailType, Detail and Resources")
    func entrySize() {
        let entry = entry(source: "é", detailType: "中", detail: "{}", time: nil, resources: ["ab", "😀"])
        #expect(PutEventsValidator.entrySize(entry) == 2 + 3 + 2 + 2 + 4)
        #expect(PutEventsValidator.entrySize(PutEventsEntry()) == 0)
        #expect(PutEventsValidator.entrySize(PutEventsEntry(time: .epochSeconds(0))) == 14)
    }

    @Test("The size check comes before per-entry checks")
    func sizeBeforeEntries() {
        let small = PutEventsValidator(maximumRequestSize: 10)
        #expect(throws: AWSServiceError.self) {
            try small.validate(PutEventsRequest(entries: [entry(source: nil, detailType: nil, detail: String(repeating: "x", count: 11))]))
        }
    }

    // MARK: Per entry

    @Test("Missing or empty Source, DetailType or Detail: InvalidArgument")
    func requiredFields() {
        #expect(failure(entry(source: nil)) == .missingSource)
        #expect(failure(entry(source: "")) == .missingSource)
        #expect(failure(entry(detailType: nil)) == .missingDetailType)
        #expect(failure(entry(detailType: "")) == .missingDetailType)
        #expect(failure(entry(detail: nil)) == .missingDetail)
        #expect(failure(entry(detail: "")) == .missingDetail)
        #expect(
            PutEventsResultEntry.missingSource
                == .failed(code: "InvalidArgument", message: "Parameter Source is not valid. Reason: Source is a required argument.")
        )
        #expect(
            PutEventsResultEntry.missingDetailType
                == .failed(code: "InvalidArgument", message: "Parameter DetailType is not valid. Reason: DetailType is a required argument.")
        )
        #expect(
            PutEventsResultEntry.missingDetail
                == .failed(code: "InvalidArgument", message: "Parameter Detail is not valid. Reason: Detail is a required argument.")
        )
        // Source is checked first.
        #expect(failure(PutEventsEntry()) == .missingSource)
    }

    @Test(
        "Detail that is not a JSON object: MalformedDetail",
        arguments: ["not json", "[1,2]", #""a string""#, "42", "null", "true", "{", #"{"a":1,}"#, "{} {}"]
    )
    func malformedDetail(detail: String) {
        #expect(failure(entry(detail: detail)) == .failed(code: "MalformedDetail", message: "Detail is malformed."))
    }

    @Test("An object Detail is parsed, keeping its numbers")
    func parsedDetail() throws {
        guard case .success(let valid) = validator.validate(entry: entry(detail: #"{"n":1.50,"nested":{"a":[true]}}"#)) else {
            Issue.record("expected success")
            return
        }
        #expect(valid.detail.jsonText == #"{"n":1.50,"nested":{"a":[true]}}"#)
        #expect(valid.time == nil)
        #expect(valid.entry.source == "CLI")
    }

    @Test("Sources starting with aws. are not authorized")
    func awsSource() {
        let notAuthorized = PutEventsResultEntry.failed(code: "NotAuthorizedForSourceException", message: "Not authorized for the source.")
        #expect(failure(entry(source: "aws.s3")) == notAuthorized)
        #expect(failure(entry(source: "aws.")) == notAuthorized)
        #expect(failure(entry(source: "aws")) == nil)
        #expect(failure(entry(source: "awsome")) == nil)
        #expect(failure(entry(source: "my.aws.app")) == nil)
    }

    @Test("DetailType up to 128 characters")
    func detailTypeLength() {
        #expect(failure(entry(detailType: String(repeating: "d", count: 128))) == nil)
        #expect(
            failure(entry(detailType: String(repeating: "d", count: 129)))
                == .failed(
                    code: "InvalidArgument",
                    message: "Parameter DetailType is not valid. Reason: DetailType must be at most 128 characters long."
                )
        )
    }

    @Test("Resources must be 1 to 2048 bytes each")
    func resources() {
        let invalid = PutEventsResultEntry.failed(
            code: "InvalidArgument",
            message: "Parameter Resources is not valid. Reason: each resource must be 1 to 2048 characters long."
        )
        #expect(failure(entry(resources: ["arn:a", String(repeating: "r", count: 2048)])) == nil)
        #expect(failure(entry(resources: [String(repeating: "r", count: 2049)])) == invalid)
        #expect(failure(entry(resources: [""])) == invalid)
    }

    @Test("Results are positional, good and bad entries mixed")
    func positional() throws {
        let results = try results([
            entry(),
            entry(source: nil),
            entry(detail: "[]"),
            entry(source: "aws.events"),
            entry(detailType: "Other", detail: "{}"),
        ])
        #expect(results.count == 5)
        guard results.count == 5 else { return }
        if case .success(let first) = results[0] { #expect(first.detail["entityId"] == "myEntityId") } else { Issue.record("entry 0") }
        #expect(failureResult(results[1]) == .missingSource)
        #expect(failureResult(results[2]) == .malformedDetail)
        #expect(failureResult(results[3]) == .notAuthorizedForSource)
        #expect(failureResult(results[0]) == nil)
        if case .success(let last) = results[4] { #expect(last.entry.detailType == "Other") } else { Issue.record("entry 4") }
    }

    // MARK: Time

    private func time(_ time: PutEventsEntry.EntryTime) -> Timestamp? {
        guard case .success(let valid) = validator.validate(entry: entry(time: time)) else { return nil }
        return valid.time
    }

    @Test("Time as epoch seconds, fractions kept to the millisecond")
    func epochTime() {
        #expect(time(.epochSeconds(1_714_564_800)) == Timestamp(milliseconds: 1_714_564_800_000))
        #expect(time(.epochSeconds(1_714_564_800.25)) == Timestamp(milliseconds: 1_714_564_800_250))
        #expect(time(.epochSeconds(0)) == Timestamp(milliseconds: 0))
    }

    @Test("Time as RFC 3339: Z, offsets, fractional seconds")
    func rfc3339Time() {
        let noon = Timestamp(milliseconds: 1_714_564_800_000)
        #expect(time(.text("2024-05-01T12:00:00Z")) == noon)
        #expect(time(.text("2024-05-01T14:00:00+02:00")) == noon)
        #expect(time(.text("2024-05-01T07:30:00-04:30")) == noon)
        #expect(time(.text("2024-05-01T12:00:00.250Z")) == noon.adding(milliseconds: 250))
        #expect(time(.text("2024-05-01T13:00:00.5+01:00")) == noon.adding(milliseconds: 500))
    }

    @Test("A bad Time: InvalidArgument", arguments: ["yesterday", "", "2024-13-01T00:00:00Z", "2024-05-01", "1714564800"])
    func badTime(text: String) {
        #expect(
            failure(entry(time: .text(text)))
                == .failed(
                    code: "InvalidArgument",
                    message: "Parameter Time is not valid. Reason: Time must be epoch seconds or an RFC 3339 timestamp."
                )
        )
    }

    @Test("Epoch seconds beyond any timestamp are an InvalidArgument, not a crash", arguments: [1e20, -1e20, 1e300, .infinity, .nan])
    func outOfRangeEpoch(seconds: Double) {
        #expect(failure(entry(time: .epochSeconds(seconds)))?.isFailure == true)
    }
}
