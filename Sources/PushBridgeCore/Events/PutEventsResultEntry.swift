/// One positional result of PutEvents: an EventId, or an error code and message.
public enum PutEventsResultEntry: Sendable, Equatable {
    case accepted(eventId: String)
    case failed(code: String, message: String)

    public static let missingSource = failed(
        code: "InvalidArgument",
        message: "Parameter Source is not valid. Reason: Source is a required argument."
    )
    public static let missingDetailType = failed(
        code: "InvalidArgument",
        message: "Parameter DetailType is not valid. Reason: DetailType is a required argument."
    )
    public static let missingDetail = failed(
        code: "InvalidArgument",
        message: "Parameter Detail is not valid. Reason: Detail is a required argument."
    )
    public static let malformedDetail = failed(code: "MalformedDetail", message: "Detail is malformed.")
    public static let notAuthorizedForSource = failed(code: "NotAuthorizedForSourceException", message: "Not authorized for the source.")
    /// Over the caller's PutEvents rate; AWS's wording for throttling.
    public static let rateExceeded = failed(code: "ThrottlingException", message: "Rate exceeded")

    public var isFailure: Bool {
        if case .failed = self { return true }
        return false
    }
}
