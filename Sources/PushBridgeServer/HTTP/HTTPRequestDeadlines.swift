/// When an HTTP connection must have sent what: the timers of ``HTTPTimeoutHandler`` as a pure state machine.
///
/// A client that dribbles a request head, or a body, byte by byte holds a connection (and its memory) for as
/// long as it likes unless each phase has a deadline. The phases:
/// - waiting for a request head: `header` after the connection opens, `keepAlive` after an answer;
/// - reading its body: `body` from the head;
/// - answering: no deadline (the server is the one working).
struct HTTPRequestDeadlines: Sendable, Equatable {
    struct Limits: Sendable, Equatable {
        var header: Duration
        var body: Duration
        var keepAlive: Duration
    }

    enum Phase: Sendable, Equatable {
        case awaitingHead(firstRequest: Bool)
        case readingBody
        case answering
    }

    private(set) var phase = Phase.awaitingHead(firstRequest: true)
    let limits: Limits

    init(limits: Limits) { self.limits = limits }

    /// How long the current phase may last, or nil for no deadline.
    var deadline: Duration? {
        switch phase {
        case .awaitingHead(let first): first ? limits.header : limits.keepAlive + limits.header
        case .readingBody: limits.body
        case .answering: nil
        }
    }

    /// A request head arrived; returns the new deadline.
    mutating func headReceived() -> Duration? {
        phase = .readingBody
        return deadline
    }

    /// The whole request arrived.
    mutating func requestEnded() -> Duration? {
        if phase == .readingBody { phase = .answering }
        return deadline
    }

    /// The answer to the last request was written: the next head may take up to the keep-alive time (plus
    /// the header time for the head itself). A pipelined request already being read keeps its own deadline.
    mutating func responseEnded() -> Duration? {
        if phase == .answering { phase = .awaitingHead(firstRequest: false) }
        return deadline
    }
}
