import CurlTransport
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite("CurlHTTPClient", .timeLimit(.minutes(1)))
struct CurlHTTPClientTests {
    @Test func getSendsHeadersAndReturnsBody() async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        try await withTestServer(client: client) { baseURL, _ in
            let response = try await client.execute(OutboundRequest(url: "\(baseURL)/echo", headers: [("X-Test", "héllo 1")]))
            #expect(response.status == 200)
            #expect(response.header("X-Echo-Method") == "GET")
            #expect(response.header("X-Echo-X-Test") == "héllo 1")
            #expect(response.body.isEmpty)
            #expect(response.newConnections == 1)
        }
    }

    @Test(arguments: ["POST", "PUT", "PATCH", "DELETE"])
    func methodsWithBodyRoundTrip(method: String) async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        try await withTestServer(client: client) { baseURL, _ in
            // Every byte value, NULs included, and more than curl's 1 KiB Expect: 100-continue threshold.
            let body = (0..<5000).map { UInt8(truncatingIfNeeded: $0) }
            let request = OutboundRequest(
                method: .init(rawValue: method),
                url: "\(baseURL)/echo",
                headers: [("Content-Type", "application/octet-stream"), ("X-Test", "1")],
                body: body
            )
            let response = try await client.execute(request)
            #expect(response.status == 200)
            #expect(response.header("x-echo-method") == method)
            #expect(response.header("X-Echo-Content-Type") == "application/octet-stream")
            #expect(response.header("X-Echo-Expect") == nil)
            #expect(response.body == body)
        }
    }

    @Test func bodyWithoutContentTypeGetsNoFormContentType() async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        try await withTestServer(client: client) { baseURL, _ in
            let response = try await client.execute(OutboundRequest(method: .post, url: "\(baseURL)/echo", body: Array("{}".utf8)))
            #expect(response.status == 200)
            #expect(response.header("X-Echo-Content-Type") == nil)
            #expect(response.body == Array("{}".utf8))
        }
    }

    @Test(arguments: [200, 404, 500])
    func statusCodesAreReturnedNotThrown(code: Int) async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        try await withTestServer(client: client) { baseURL, _ in
            let response = try await client.execute(OutboundRequest(url: "\(baseURL)/status/\(code)"))
            #expect(response.status == code)
            #expect(response.body == Array("status \(code)".utf8))
        }
    }

    @Test func responseHeadersAreReadableCaseInsensitively() async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        try await withTestServer(client: client) { baseURL, _ in
            let response = try await client.execute(OutboundRequest(url: "\(baseURL)/retry-after"))
            #expect(response.status == 503)
            #expect(response.header("Retry-After") == "120")
            #expect(response.header("retry-after") == "120")
            #expect(response.header("X-CUSTOM") == "yes")
            #expect(response.header("X-Missing") == nil)
        }
    }

    @Test func aBodyPastTheLimitIsTruncatedAndKeepsItsStatus() async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        try await withTestServer(client: client) { baseURL, _ in
            var request = OutboundRequest(url: "\(baseURL)/big?bytes=3000000")
            request.maximumResponseBytes = 10_000
            let response = try await client.execute(request)
            #expect(response.status == 200)
            #expect(response.body.count == 10_000)
            #expect(response.bodyTruncated)
            let small = try await client.execute(OutboundRequest(url: "\(baseURL)/big?bytes=5000"))
            #expect(small.body.count == 5000)
            #expect(!small.bodyTruncated)
        }
    }

    @Test func headersPastTheLimitFailTheTransfer() async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        try await withTestServer(client: client) { baseURL, _ in
            var request = OutboundRequest(url: "\(baseURL)/big?headers=40")
            request.maximumHeaderBytes = 16 << 10
            let error = await expectCurlError(client, request)
            #expect(error?.message.contains("response headers") == true, "\(String(describing: error))")
            // The client keeps serving.
            let next = try await client.execute(OutboundRequest(url: "\(baseURL)/status/200"))
            #expect(next.status == 200)
        }
    }

    @Test func slowEndpointPastTotalTimeoutIsTimeout() async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        try await withTestServer(client: client) { baseURL, _ in
            let start = ContinuousClock.now
            let error = await expectCurlError(
                client,
                OutboundRequest(url: "\(baseURL)/slow?ms=10000", totalTimeout: .milliseconds(300))
            )
            let elapsed = ContinuousClock.now - start
            #expect(error?.kind == .timeout)
            #expect(error?.curlCode == 28)
            // libcurl checks its deadline on a millisecond clock of its own and may fire a fraction of a
            // millisecond before ours reads 300 ms (seen: 299.6 ms), so the lower bound allows for that
            // granularity while still proving the request ran until the total timeout, not a shorter one.
            #expect(elapsed >= .milliseconds(290))
            #expect(elapsed < .seconds(3))
        }
    }

    @Test func closedPortIsConnectionFailed() async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        try await withClosedPort { port in
            let error = await expectCurlError(client, OutboundRequest(url: "http://127.0.0.1:\(port)/"))
            #expect(error?.kind == .connectionFailed)
            #expect(error?.curlCode == 7)
            #expect(error?.message.isEmpty == false)
        }
    }

    @Test func onlyHTTPAndHTTPSAreAllowed() async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        let error = await expectCurlError(client, OutboundRequest(url: "file:///etc/hostname"))
        #expect(error?.kind == .other)
        #expect(error?.curlCode == 1)  // CURLE_UNSUPPORTED_PROTOCOL
    }

    @Test func fiftyConcurrentRequestsCompleteWhileASlowOneIsInFlight() async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        try await withTestServer(client: client) { baseURL, probe in
            let slowDone = Flag()
            let slow = Task {
                defer { slowDone.set() }
                return try await client.execute(OutboundRequest(url: "\(baseURL)/slow?ms=20000"))
            }
            try await probe.waitForSlowArrival()

            let start = ContinuousClock.now
            let statuses = try await withTimeout("50 concurrent requests") {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<50 {
                        group.addTask {
                            let request = OutboundRequest(method: .post, url: "\(baseURL)/echo", body: Array("request \(index)".utf8))
                            let response = try await client.execute(request)
                            #expect(response.body == Array("request \(index)".utf8))
                            return response.status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            let elapsed = ContinuousClock.now - start
            print("50 concurrent POSTs beside an in-flight slow request: \(elapsed)")
            #expect(statuses == Array(repeating: 200, count: 50))
            #expect(!slowDone.isSet, "the slow request must still be in flight")

            slow.cancel()
            let outcome = try await withTimeout("the cancelled slow request to return") { await slow.result }
            #expect((outcome.error as? CurlError)?.kind == .cancelled)
        }
    }

    @Test func taskCancellationCancelsTheTransferPromptly() async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        try await withTestServer(client: client) { baseURL, probe in
            let request = Task { try await client.execute(OutboundRequest(url: "\(baseURL)/slow?ms=20000")) }
            try await probe.waitForSlowArrival()
            let start = ContinuousClock.now
            request.cancel()
            let outcome = try await withTimeout("the cancelled request to return") { await request.result }
            let elapsed = ContinuousClock.now - start
            print("cancellation took \(elapsed)")
            #expect((outcome.error as? CurlError)?.kind == .cancelled)
            #expect(elapsed < .seconds(1))

            // The client is still usable afterwards.
            let response = try await client.execute(OutboundRequest(url: "\(baseURL)/status/200"))
            #expect(response.status == 200)
        }
    }

    @Test func alreadyCancelledTaskFailsWithoutSending() async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        try await withTestServer(client: client) { baseURL, probe in
            let request = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await client.execute(OutboundRequest(url: "\(baseURL)/status/200"))
            }
            let outcome = try await withTimeout("the cancelled request to return") { await request.result }
            #expect((outcome.error as? CurlError)?.kind == .cancelled)
            #expect(probe.remotePorts.isEmpty)
        }
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        try await withTestServer(client: client) { baseURL, probe in
            var newConnections = 0
            for index in 0..<20 {
                let request = OutboundRequest(method: index.isMultiple(of: 2) ? .get : .post, url: "\(baseURL)/echo", body: [])
                let response = try await client.execute(request)
                #expect(response.status == 200)
                newConnections += response.newConnections
            }
            #expect(newConnections == 1)
            #expect(probe.remotePorts.count == 20)
            #expect(Set(probe.remotePorts).count == 1, "the server saw connections from ports \(Set(probe.remotePorts))")
        }
    }

    @Test func requestsBeforeRunWorkAndGracefulShutdownCancelsInFlight() async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        try await withTestServer { baseURL, probe in
            // The worker starts lazily on the first request, before run().
            let early = try await client.execute(OutboundRequest(url: "\(baseURL)/status/200"))
            #expect(early.status == 200)

            let clientGroup = ServiceGroup(configuration: .init(services: [client], logger: quietLogger))
            let running = Task { try await clientGroup.run() }
            let reused = try await client.execute(OutboundRequest(url: "\(baseURL)/status/404"))
            #expect(reused.status == 404)
            #expect(reused.newConnections == 0, "run() must not replace the worker started by the first request")

            let inFlight = Task { try await client.execute(OutboundRequest(url: "\(baseURL)/slow?ms=20000")) }
            try await probe.waitForSlowArrival()
            let start = ContinuousClock.now
            await clientGroup.triggerGracefulShutdown()
            try await withTimeout("the client service to stop") { try await running.value }
            let outcome = try await withTimeout("the in-flight request to fail") { await inFlight.result }
            print("client shutdown with a request in flight took \(ContinuousClock.now - start)")
            #expect((outcome.error as? CurlError)?.kind == .cancelled)

            let late = await expectCurlError(client, OutboundRequest(url: "\(baseURL)/status/200"))
            #expect(late?.kind == .cancelled)
        }
    }

    @Test func clientThatWasNeverUsedShutsDownAtOnce() async throws {
        let client = CurlHTTPClient(logger: quietLogger)
        try await withTimeout("an idle client service to stop") {
            try await testGracefulShutdownOf(client)
        }
    }
}

/// Runs `service` in a ServiceGroup and shuts it down gracefully at once.
private func testGracefulShutdownOf(_ service: some Service) async throws {
    let group = ServiceGroup(configuration: .init(services: [service], logger: quietLogger))
    let running = Task { try await group.run() }
    await group.triggerGracefulShutdown()
    try await running.value
}

extension Result {
    fileprivate var error: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
