import PushBridgeServer

/// `serve`'s rate limits: new connections across the server, frames per connection, PutEvents entries per caller.
extension ServeCommand {
    func applyRateLimitSettings(
        to configuration: inout ServerConfiguration,
        bounded: (Int?, String, ClosedRange<Int>, String) throws -> Int?
    ) throws {
        configuration.maximumConnectsPerSecond =
            try bounded(maxConnectRate, "MAX_CONNECT_RATE", FlagRange.rate, "per second") ?? configuration.maximumConnectsPerSecond
        if let rate = try bounded(maxFramesPerSecond, "MAX_FRAMES_PER_SECOND", FlagRange.rate, "per second") {
            configuration.maximumFramesPerSecond = rate
            configuration.frameBurst = max(1, 2 * rate)
        }
        configuration.frameBurst = try bounded(framesBurst, "FRAMES_BURST", FlagRange.burst, "frames") ?? configuration.frameBurst
        if let rate = try bounded(putEventsRate, "PUT_EVENTS_RATE", FlagRange.rate, "entries per second") {
            configuration.putEventsPerSecond = rate
            configuration.putEventsBurst = max(1, rate)
        }
        configuration.putEventsBurst = try bounded(putEventsBurst, "PUT_EVENTS_BURST", FlagRange.burst, "entries") ?? configuration.putEventsBurst
    }
}
