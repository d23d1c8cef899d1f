import CurlTransport
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The longest any single wait in these tests may take.
let waitLimit: Duration = .seconds(5)

/// Hummingbird re-exports HTTPTypes' `HTTPRequest`/`HTTPResponse`, so the transport's types need their module name.
typealias OutboundRequest = CurlTransport.HTTPRequest
typealias OutboundResponse = CurlTransport.HTTPResponse

let quietLogger = Logger(label: "curl-transport-tests") { _ in SwiftLogNoOpLogHandler() }

struct TimeoutError: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out after \(waitLimit) waiting for \(what)" }
}

/// Runs `operation`, failing with ``TimeoutError`` if it takes longer than `limit`.
///
/// Returns at the deadline even if `operation` ignores cancellation (such as `Task.result`): the operation is left
/// to finish on its own, which only happens when a test is already failing.
func withTimeout<T: Sendable>(
    _ what: String,
    _ limit: Duration = waitLimit,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let once = ResumeOnce(continuation)
        let timer = Task {
            try await Task.sleep(for: limit)
            once.resume(.failure(TimeoutError(what: what)))
        }
        Task {
            let result: Result<T, any Error>
            do {
                result = .success(try await operation())
            } catch {
                result = .failure(error)
            }
            timer.cancel()
            once.resume(result)
        }
    }
}

/// A continuation that the first of several racing tasks resumes.
final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, any Error>?>

    init(_ continuation: CheckedContinuation<T, any Error>) {
        self.continuation = Mutex(continuation)
    }

    func resume(_ result: Result<T, any Error>) {
        continuation.withLock { $0.take() }?.resume(with: result)
    }
}

/// Runs `request` and returns its error, recording an issue if it succeeded or threw something else.
func expectCurlError(_ client: CurlHTTPClient, _ request: OutboundRequest) async -> CurlError? {
    do {
        let response = try await client.execute(request)
        Issue.record("expected an error, got status \(response.status)")
        return nil
    } catch {
        return error
    }
}

/// A boolean that tasks can share.
final class Flag: Sendable {
    private let value = Atomic(false)
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
}

/// What the test server saw, and a gate for its `/slow` endpoint.
final class ServerProbe: Sendable {
    private struct State {
        var remotePorts: [Int] = []
        var slowReleased = false
    }

    private let state = Mutex(State())
    /// One element each time a `/slow` request reaches its handler.
    let slowArrivals: AsyncStream<Void>
    private let slowArrivalsContinuation: AsyncStream<Void>.Continuation

    init() {
        (slowArrivals, slowArrivalsContinuation) = AsyncStream.makeStream()
    }

    var remotePorts: [Int] { state.withLock { $0.remotePorts } }
    var slowReleased: Bool { state.withLock { $0.slowReleased } }

    func record(remotePort: Int?) {
        state.withLock { $0.remotePorts.append(remotePort ?? -1) }
    }

    func slowArrived() {
        slowArrivalsContinuation.yield()
    }

    /// Ends every `/slow` handler now, so graceful shutdown of the server does not wait for them.
    func releaseSlow() {
        state.withLock { $0.slowReleased = true }
    }

    /// Waits (bounded) until a `/slow` request is in its handler.
    func waitForSlowArrival() async throws {
        let arrivals = slowArrivals
        try await withTimeout("a /slow request to arrive") {
            for await _ in arrivals { return }
            throw TimeoutError(what: "a /slow request (stream ended)")
        }
    }
}

/// A request context that remembers the client's port, so tests can count TCP connections.
struct ProbeContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remotePort: Int?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remotePort = source.channel.remoteAddress?.port
    }
}

func makeRouter(probe: ServerProbe) -> Router<ProbeContext> {
    let router = Router(context: ProbeContext.self)
    router.middlewares.add(RecordRemotePortMiddleware(probe: probe))
    for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
        // Echoes the body, and the method and selected headers as X-Echo-* response headers.
        router.on("/echo", method: method) { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers = HTTPFields()
            headers[.init("X-Echo-Method")!] = request.method.rawValue
            for name in ["X-Test", "Content-Type", "Expect"] {
                if let value = request.headers[.init(name)!] {
                    headers[.init("X-Echo-\(name)")!] = value
                }
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }
    }
    router.get("/status/{code}") { _, context -> Response in
        let code = try context.parameters.require("code", as: Int.self)
        return Response(status: .init(code: code), body: .init(byteBuffer: ByteBuffer(string: "status \(code)")))
    }
    router.get("/retry-after") { _, _ -> Response in
        Response(status: .serviceUnavailable, headers: [.retryAfter: "120", .init("X-Custom")!: "yes"])
    }
    // An answer bigger than a client should keep: `bytes` of body, or `headers` header fields of 1 KiB each.
    router.get("/big") { request, _ -> Response in
        let bytes = request.uri.queryParameters.get("bytes", as: Int.self) ?? 0
        var headers: HTTPFields = [:]
        for index in 0..<(request.uri.queryParameters.get("headers", as: Int.self) ?? 0) {
            headers[HTTPField.Name("X-Filler-\(index)")!] = String(repeating: "x", count: 1024)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "a"), count: bytes)))
    }
    // Holds the request for `ms` milliseconds or until the test releases it, whichever is first.
    router.get("/slow") { request, _ -> String in
        probe.slowArrived()
        let milliseconds = request.uri.queryParameters.get("ms", as: Int.self) ?? 10_000
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        while ContinuousClock.now < deadline, !probe.slowReleased {
            try await Task.sleep(for: .milliseconds(10))
        }
        return "slow"
    }
    return router
}

struct RecordRemotePortMiddleware: RouterMiddleware {
    let probe: ServerProbe

    func handle(_ request: Request, context: ProbeContext, next: (Request, ProbeContext) async throws -> Response) async throws -> Response {
        probe.record(remotePort: context.remotePort)
        return try await next(request, context)
    }
}

/// Runs `body` with a Hummingbird server on 127.0.0.1 (port 0) and, unless `runClient` is false, `client` running
/// as a service next to it; shuts both down gracefully afterwards.
func withTestServer<T: Sendable>(
    client: CurlHTTPClient? = nil,
    _ body: @escaping @Sendable (_ baseURL: String, _ probe: ServerProbe) async throws -> T
) async throws -> T {
    let probe = ServerProbe()
    let (ports, portsContinuation) = AsyncStream<Int>.makeStream()
    let app = Application(
        router: makeRouter(probe: probe),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portsContinuation.yield(channel.localAddress?.port ?? 0)
            portsContinuation.finish()
        },
        logger: quietLogger
    )
    // ServiceGroup stops services in reverse order: the server first, then the client.
    let services: [any Service] = (client.map { [$0] } ?? []) + [app]
    let group = ServiceGroup(configuration: .init(services: services, logger: quietLogger))
    let running = Task { try await group.run() }
    do {
        let port = try await withTimeout("the server to start") {
            for await port in ports { return port }
            throw TimeoutError(what: "the server port (stream ended)")
        }
        let result = try await body("http://127.0.0.1:\(port)", probe)
        probe.releaseSlow()
        await group.triggerGracefulShutdown()
        try await withTimeout("the services to shut down") { try await running.value }
        return result
    } catch {
        probe.releaseSlow()
        await group.triggerGracefulShutdown()
        running.cancel()
        _ = await running.result
        throw error
    }
}

/// Calls `body` with a loopback port that refuses connections: bound (so nobody else gets it) but never listening.
func withClosedPort<T>(_ body: (Int) async throws -> T) async throws -> T {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    try #require(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
        }
    }
    try #require(bound)
    return try await body(Int(UInt16(bigEndian: address.sin_port)))
}
