/// Hooks for metrics on PutEvents; the domain does not depend on a metrics backend.
public protocol IngestObserver: Sendable {
    /// Entries of one request that got an EventId.
    func accepted(_ count: Int)
    /// Entries of one request that failed with `code`.
    func rejected(code: String, count: Int)
}
