import Dispatch
import Foundation
import Logging
import Synchronization

/// SIGTERM and SIGINT: the first starts a graceful shutdown, a second exits at once.
public final class ShutdownSignals: Sendable {
    private let logger: Logger
    private let onFirst: @Sendable () async -> Void
    private let received = Atomic<Int>(0)
    /// Set once by ``install()``; kept only so the sources stay alive.
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []

    public init(logger: Logger, onFirst: @escaping @Sendable () async -> Void) {
        self.logger = logger
        self.onFirst = onFirst
    }

    public func install() {
        var installed: [any DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in handle(signalNumber) }
            source.resume()
            installed.append(source)
        }
        sources = installed
    }

    private func handle(_ signalNumber: Int32) {
        let name = signalNumber == SIGTERM ? "SIGTERM" : "SIGINT"
        if received.add(1, ordering: .relaxed).newValue == 1 {
            logger.notice("\(name) received: shutting down gracefully (send it again to exit at once)")
            let onFirst = self.onFirst
            Task { await onFirst() }
        } else {
            logger.warning("\(name) received again: exiting now; deliveries in flight are abandoned")
            exit(128 + signalNumber)
        }
    }
}
