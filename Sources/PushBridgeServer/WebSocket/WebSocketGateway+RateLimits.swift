import Logging
import NIOCore
import PushBridgeCore
import PushBridgeJSON

/// The gateway's rate limits: new connections across the server, and frames per connection.
extension WebSocketGateway {
    /// A request that would be upgraded takes a token of `--max-connect-rate`; without one it is refused with 429.
    /// Checked before a token is verified or the authorizer asked, as API Gateway throttles before it runs an authorizer.
    func limitingConnectRate(_ decision: UpgradeDecision) -> UpgradeDecision {
        switch decision {
        case .upgrade, .authenticate, .authorize:
            guard let connectRateLimiter, !connectRateLimiter.allow() else { return decision }
            metrics.rateLimited(.connectGlobal)
            logger.debug("Connect throttled", metadata: ["pb.limit": "\(runtime.configuration.maximumConnectsPerSecond)/s"])
            return .throttled
        case .notAWebSocketPath, .draining, .unauthorized, .forbidden, .authorizerFailed, .throttled:
            return decision
        }
    }

    /// A new connection's frame limit (`--max-frames-per-second`, `--frames-burst`).
    func frameRateLimiter() -> FrameRateLimiter {
        let configuration = runtime.configuration
        return FrameRateLimiter(
            framesPerSecond: configuration.maximumFramesPerSecond,
            burst: configuration.frameBurst,
            now: NIODeadline.now().uptimeNanoseconds
        )
    }

    /// What API Gateway sends back for a message over a throttling limit; the message itself is not routed.
    func throttledReply(connectionId: String) -> JSONValue {
        [
            "message": .string("Too Many Requests"), "connectionId": .string(connectionId),
            "requestId": .string(runtime.requestIds.next()),
        ]
    }
}
