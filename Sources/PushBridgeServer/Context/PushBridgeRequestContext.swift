import Hummingbird
import Logging
import NIOCore

/// The request context of every route: Hummingbird's, plus the channel (for the peer's address and for
/// closing a socket whose writer is stuck).
public struct PushBridgeRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    public var remoteAddress: SocketAddress? { channel.remoteAddress }

    /// PutEvents bodies are bounded by their own limit; allow what that limit needs plus JSON overhead.
    public var maxUploadSize: Int { 8 * 1024 * 1024 }
}
