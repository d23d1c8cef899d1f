import NIOHTTP1

extension HTTPRequestHead {
    /// Whether the connection may carry another request after this one. NIO's `isKeepAlive`, except for a request
    /// that asks to switch protocols (`Upgrade` with `Connection: upgrade`): NIO's decoder stops parsing after such a
    /// request whether or not it is upgraded, so a later request on the connection would never be read.
    var allowsAnotherRequest: Bool {
        isKeepAlive && !asksToSwitchProtocols
    }

    var asksToSwitchProtocols: Bool {
        headers.contains(name: "upgrade") && headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
    }
}
