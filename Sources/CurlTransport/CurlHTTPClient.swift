import Logging
import ServiceLifecycle

/// PushBridge's outbound HTTP client: webhooks and AWS endpoints are all called through it.
///
/// Hand-written over libcurl's multi interface because libcurl is, by project decision, the only outbound HTTP
/// client (one TLS stack, OpenSSL, and one set of proxy/timeout semantics). One dedicated thread drives every
/// transfer with `curl_multi_poll`; callers only suspend on continuations, so no cooperative thread or event loop is
/// ever blocked, and a slow receiver never holds up the others. Connections are kept alive and reused per host.
///
/// Lifecycle: the worker thread starts on the first ``execute(_:)`` or on ``run()``, whichever comes first, so the
/// client is usable before its service is running. ``run()`` returns on graceful shutdown (or cancellation) after
/// stopping the thread; requests in flight at that point, and any issued later, fail with ``CurlError/Kind/cancelled``.
/// A client that is never run stops its thread when it is deinitialised.
public final class CurlHTTPClient: Service, Sendable {
    private let worker: CurlWorker
    private let logger: Logger

    /// - Parameters:
    ///   - maximumConnectionsPerHost: The most connections open to one host at a time
    ///     (`CURLMOPT_MAX_HOST_CONNECTIONS`); further transfers to it wait for a free one.
    ///   - outboundPolicy: Address ranges no request may connect to (checked on the resolved address).
    ///   - logger: Receives debug-level lifecycle and failure messages.
    public init(maximumConnectionsPerHost: Int = 16, outboundPolicy: OutboundPolicy = .default, logger: Logger) {
        self.logger = logger
        self.worker = CurlWorker(maximumConnectionsPerHost: maximumConnectionsPerHost, outboundPolicy: outboundPolicy, logger: logger)
    }

    deinit {
        worker.requestStop()
    }

    /// Sends `request` and returns the complete response, whatever its status code.
    ///
    /// Cancelling the calling task aborts the transfer and throws ``CurlError/Kind/cancelled``.
    public func execute(_ request: HTTPRequest) async throws(CurlError) -> HTTPResponse {
        let worker = self.worker
        let id = worker.makeID()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (completion: EasyTransfer.Completion) in
                worker.submit(id: id, request: request, completion: completion)
            }
        } onCancel: {
            worker.cancel(id: id)
        }
        if case .failure(let error) = result {
            logger.debug(
                "HTTP request failed",
                metadata: [
                    "curl.method": "\(request.method)",
                    "curl.url": "\(request.url)",
                    "curl.error": "\(error)",
                ]
            )
        }
        return try result.get()
    }

    /// Starts the worker thread (if no request has yet), waits for graceful shutdown, then stops the thread.
    public func run() async throws {
        worker.startIfIdle()
        // Throws only on cancellation, which ends the service just as graceful shutdown does.
        try? await gracefulShutdown()
        await worker.stop()
    }
}
