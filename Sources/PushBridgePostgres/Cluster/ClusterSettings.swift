/// How a node keeps its place in the cluster. Defaults suit loopback and a LAN; every value is a `Duration`, so
/// nothing here is parsed from outside.
public struct ClusterSettings: Sendable, Equatable {
    /// How long a node's messages stay its own without a heartbeat. After it, any node may claim them: the time a
    /// killed node's webhook messages wait before another node delivers them.
    public var leaseDuration: Duration = .seconds(10)
    /// How often a node renews its lease (and with it every message it holds).
    public var heartbeatInterval: Duration = .seconds(2)
    /// How often a node looks for messages whose node's lease ran out.
    public var claimInterval: Duration = .seconds(2)
    /// At most this many messages are claimed in one go.
    public var claimBatch: Int = 500
    /// The safety net behind configuration notifications: a node compares the configuration version this often.
    public var configurationCheckInterval: Duration = .seconds(1)
    /// A commit that gets no answer within this time fails (PostgreSQL unreachable): the entries waiting for it are
    /// answered `InternalException`.
    public var commitTimeout: Duration = .seconds(5)
    /// The first reconnect pause after PostgreSQL went away; it doubles up to ``maximumReconnectDelay``.
    public var reconnectDelay: Duration = .milliseconds(200)
    public var maximumReconnectDelay: Duration = .seconds(5)

    public init() {}
}
