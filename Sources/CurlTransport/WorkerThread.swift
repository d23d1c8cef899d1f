#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a detached OS thread: the curl worker must not run on the cooperative pool or a NIO event loop, since it
/// blocks in `curl_multi_poll` (see swift-stack.md §3 for the deadlock that causes on 2 cores).
///
/// Detached rather than joined, because joining would block whoever joins; the worker reports its own exit instead.
enum WorkerThread {
    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let result = pthread_create(
            &thread,
            nil,
            { argument in
                #if canImport(Darwin)
                let box = Unmanaged<Box>.fromOpaque(argument).takeRetainedValue()
                #else
                let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
                #endif
                WorkerThread.blockSIGPIPE()
                box.body()
                return nil
            },
            box
        )
        guard result == 0 else {
            // Only on resource exhaustion; the client cannot work without its thread.
            fatalError("pthread_create for \(name) failed: \(result)")
        }
        #if canImport(Darwin)
        pthread_detach(thread!)
        #else
        pthread_detach(thread)
        #endif
    }

    /// With `CURLOPT_NOSIGNAL` libcurl leaves SIGPIPE to the application. A peer closing mid-write would otherwise
    /// kill the process; blocked on this thread, the write just fails with EPIPE and the transfer reports an error.
    fileprivate static func blockSIGPIPE() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }
}
