import ServiceLifecycle

/// Fetches a JWKS URL as the server starts and then every interval (sooner again after a failure), until shutdown.
public struct JWKSRefresher: Service {
    public let keys: JWKSKeys
    public let interval: Duration
    /// The wait after a failed fetch, so a start while the issuer is down recovers quickly.
    public let retryInterval: Duration

    public init(keys: JWKSKeys, interval: Duration, retryInterval: Duration = .seconds(10)) {
        self.keys = keys
        self.interval = interval
        self.retryInterval = min(retryInterval, interval)
    }

    public func run() async throws {
        guard keys.isRemote else { return }
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let succeeded = await keys.refresh()
            // A shutdown must not wait for the next fetch.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: succeeded ? interval : retryInterval) }
        }
    }
}
