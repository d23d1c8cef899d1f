import CCurl
import Logging
import Synchronization

/// Owns the libcurl multi handle and the one thread that drives it.
///
/// Callers on any task hand commands over through `state` (a `Mutex`) and `curl_multi_wakeup`, the one multi call
/// libcurl documents as safe from any thread; everything else on the multi handle and all easy handles are touched
/// only by the worker thread.
final class CurlWorker: Sendable {
    enum Command: Sendable {
        case start(id: UInt64, request: HTTPRequest, completion: EasyTransfer.Completion)
        case cancel(id: UInt64)
    }

    private enum Lifecycle {
        /// No thread yet: it starts on the first request or on `CurlHTTPClient.run()`, whichever comes first.
        case idle
        case running
        /// Asked to stop; the thread fails what is in flight with `.cancelled`, then exits.
        case stopping
        case stopped
    }

    private struct State {
        var lifecycle = Lifecycle.idle
        var commands: [Command] = []
        /// Requests submitted and not yet completed: lets `cancel(_:)` tell "in flight" from "already done".
        var active: Set<UInt64> = []
        var nextID: UInt64 = 1
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// `curl_global_init` is not thread-safe and must run once per process; a lazy static runs exactly once.
    private static let globalInitResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

    /// `CURLM *`. A raw pointer is not `Sendable`; see the type comment for who may touch it.
    nonisolated(unsafe) private let multi: UnsafeMutableRawPointer
    /// The outbound policy's ranges for libcurl's socket callback; read-only after init, freed in deinit.
    nonisolated(unsafe) private let deniedRanges: UnsafeMutableBufferPointer<ccurl_cidr>
    private let deniedCount: Int
    private let state = Mutex(State())
    private let logger: Logger

    init(maximumConnectionsPerHost: Int, outboundPolicy: OutboundPolicy, logger: Logger) {
        self.deniedRanges = outboundPolicy.makeCRanges()
        self.deniedCount = outboundPolicy.denied.count
        precondition(Self.globalInitResult == CURLE_OK, "curl_global_init failed: \(Self.globalInitResult)")
        guard let multi = curl_multi_init() else {
            fatalError("curl_multi_init failed")
        }
        self.multi = multi
        self.logger = logger
        let perHost = max(1, maximumConnectionsPerHost)
        // Keep-alive connections stay in the multi handle's cache between requests; the cap per host keeps a burst
        // of webhooks from opening hundreds of sockets to one receiver (extra transfers wait for a free connection).
        ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, perHost)
        // The default cache size follows the number of handles currently added, which drops to 0 between bursts.
        ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(64, perHost * 4))
    }

    deinit {
        // Here, not on the worker thread: other threads may call curl_multi_wakeup until the last reference is gone
        // (the running thread holds one), so only now is nobody left to touch the handle.
        curl_multi_cleanup(multi)
        deniedRanges.deallocate()
    }

    func makeID() -> UInt64 {
        state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
    }

    /// Queues a request; `completion` is resumed exactly once, by the worker or right here.
    ///
    /// Must be called from the requesting task: it reads `Task.isCancelled` under the lock, which together with
    /// `cancel(_:)` closes the race where the cancellation handler runs before the request was queued.
    func submit(id: UInt64, request: HTTPRequest, completion: EasyTransfer.Completion) {
        enum Outcome {
            case queued(startThread: Bool)
            case rejected(CurlError)
        }
        let outcome: Outcome = state.withLock { state in
            if Task.isCancelled {
                return .rejected(.cancelled("the request's task was cancelled"))
            }
            var startThread = false
            switch state.lifecycle {
            case .idle:
                state.lifecycle = .running
                startThread = true
            case .running:
                break
            case .stopping, .stopped:
                return .rejected(.cancelled("the HTTP client has shut down"))
            }
            state.commands.append(.start(id: id, request: request, completion: completion))
            state.active.insert(id)
            return .queued(startThread: startThread)
        }
        switch outcome {
        case .rejected(let error):
            completion.resume(returning: .failure(error))
        case .queued(let startThread):
            if startThread {
                startThreadNow()
            } else {
                curl_multi_wakeup(multi)
            }
        }
    }

    /// Cancels a submitted request if it is still in flight; a no-op if it never got queued or already completed.
    func cancel(id: UInt64) {
        let queued = state.withLock { state in
            guard state.active.contains(id), state.lifecycle == .running else { return false }
            state.commands.append(.cancel(id: id))
            return true
        }
        if queued {
            curl_multi_wakeup(multi)
        }
    }

    /// Starts the thread if no request has done so yet.
    func startIfIdle() {
        let start = state.withLock { state in
            guard case .idle = state.lifecycle else { return false }
            state.lifecycle = .running
            return true
        }
        if start {
            startThreadNow()
        }
    }

    /// Asks the thread to stop without waiting for it. In-flight requests fail with `.cancelled`; later ones too.
    func requestStop() {
        let wake = state.withLock { state in
            switch state.lifecycle {
            case .idle:
                state.lifecycle = .stopped
                return false
            case .running:
                state.lifecycle = .stopping
                return true
            case .stopping, .stopped:
                return false
            }
        }
        if wake {
            curl_multi_wakeup(multi)
        }
    }

    /// Stops the thread and suspends (without blocking a thread) until it has exited.
    func stop() async {
        requestStop()
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let exited = state.withLock { state in
                guard case .stopped = state.lifecycle else {
                    state.exitWaiters.append(waiter)
                    return false
                }
                return true
            }
            if exited {
                waiter.resume()
            }
        }
    }

    private func startThreadNow() {
        logger.debug("starting the curl worker thread")
        // The closure retains `self` until the loop returns, which keeps the multi handle valid for the thread.
        WorkerThread.start(name: "curl-worker") { self.runLoop() }
    }

    /// Takes the queued commands; `true` as well once the thread should stop.
    private func takeCommands() -> (commands: [Command], stopping: Bool) {
        state.withLock { state in
            let commands = state.commands
            state.commands.removeAll()
            return (commands, state.lifecycle == .stopping)
        }
    }

    private func markCompleted(_ id: UInt64) {
        _ = state.withLock { $0.active.remove(id) }
    }

    /// The thread's body: the only code that calls `curl_multi_perform`, `curl_multi_poll` and the easy functions.
    private func runLoop() {
        var inFlight: [UInt64: EasyTransfer] = [:]

        // Every completion goes through here: out of `inFlight` and `active` first, so no caller is resumed twice.
        func complete(_ transfer: EasyTransfer, _ finish: (EasyTransfer) -> Void) {
            inFlight[transfer.id] = nil
            curl_multi_remove_handle(multi, transfer.handle)
            markCompleted(transfer.id)
            finish(transfer)
        }

        while true {
            let (commands, stopping) = takeCommands()
            for command in commands {
                switch command {
                case .start(let id, let request, let completion):
                    if stopping {
                        markCompleted(id)
                        completion.resume(returning: .failure(.cancelled("the HTTP client has shut down")))
                        continue
                    }
                    do throws(CurlError) {
                        let transfer = try EasyTransfer(
                            id: id,
                            request: request,
                            completion: completion,
                            denied: UnsafePointer(deniedRanges.baseAddress),
                            deniedCount: deniedCount
                        )
                        let added = curl_multi_add_handle(multi, transfer.handle)
                        guard added == CURLM_OK else {
                            let reason = String(cString: curl_multi_strerror(added))
                            throw CurlError(kind: .other, message: "curl_multi_add_handle failed: \(reason)")
                        }
                        inFlight[id] = transfer
                    } catch {
                        markCompleted(id)
                        completion.resume(returning: .failure(error))
                    }
                case .cancel(let id):
                    if let transfer = inFlight[id] {
                        complete(transfer) { $0.fail(.cancelled("the request's task was cancelled")) }
                    }
                }
            }

            if stopping {
                for transfer in Array(inFlight.values) {
                    complete(transfer) { $0.fail(.cancelled("the HTTP client has shut down")) }
                }
                break
            }

            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
                let code = ccurl_msg_result(message)
                var privateValue: UnsafeMutableRawPointer?
                ccurl_easy_getinfo_pointer(handle, CURLINFO_PRIVATE, &privateValue)
                guard let transfer = inFlight[UInt64(UInt(bitPattern: privateValue))] else { continue }
                complete(transfer) { $0.finish(code: code) }
            }

            // Sleeps until socket activity, a libcurl timer, or curl_multi_wakeup from a caller.
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }

        let waiters = state.withLock { state in
            state.lifecycle = .stopped
            state.active.removeAll()
            defer { state.exitWaiters.removeAll() }
            return state.exitWaiters
        }
        logger.debug("the curl worker thread stopped")
        for waiter in waiters {
            waiter.resume()
        }
    }
}
