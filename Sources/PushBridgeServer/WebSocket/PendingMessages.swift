/// Keeps one connection's messages in order while a subscribe waits for the `url:` policy's webhook.
///
/// Messages that arrive meanwhile wait here and are handled in arrival order once the answer has been applied, so a
/// `subscribe` followed by an `unsubscribe` of the same entity always ends unsubscribed. Control frames (ping,
/// close) are not messages and are answered at once. Once `limit` messages wait, the socket is no longer read
/// until they have been handled, so TCP pushes back on a client that keeps sending. Pure: the handler acts on what
/// it is told.
struct PendingMessages {
    let limit: Int
    private(set) var isWaiting = false
    private(set) var readingPaused = false
    private var queued: [String] = []

    init(limit: Int = 32) {
        self.limit = limit
    }

    enum Arrival: Equatable {
        case handleNow
        case queued(pauseReading: Bool)
    }

    var queuedCount: Int { queued.count }

    /// A whole message arrived: handle it now, or keep it until the pending answer came.
    mutating func arrive(_ text: String) -> Arrival {
        guard isWaiting else { return .handleNow }
        queued.append(text)
        guard queued.count >= limit, !readingPaused else { return .queued(pauseReading: false) }
        readingPaused = true
        return .queued(pauseReading: true)
    }

    /// A message started a webhook check: later messages wait.
    mutating func startWaiting() {
        isWaiting = true
    }

    /// The check's answer was applied.
    mutating func finishWaiting() {
        isWaiting = false
    }

    /// The next waiting message to handle, unless one of them started another check.
    mutating func next() -> String? {
        guard !isWaiting, !queued.isEmpty else { return nil }
        return queued.removeFirst()
    }

    /// Whether reading should start again: it was paused and the messages that waited have been handled.
    mutating func shouldResumeReading() -> Bool {
        guard readingPaused, !isWaiting, queued.isEmpty else { return false }
        readingPaused = false
        return true
    }
}
