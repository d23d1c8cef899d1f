import CurlTransport
import PushBridgeAuth
import PushBridgeCore
import PushBridgePostgres
import PushBridgeSQLite

/// Everything `pushbridge serve` can be told; defaults are API Gateway's and EventBridge's.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The API Gateway stage: sockets connect at `/` and at `/{stage}`, @connections lives under both.
    public var stage = "dev"
    public var account = AccountContext()

    /// Largest WebSocket frame accepted from a client (API Gateway: 32 KB). Larger closes with 1009.
    public var maximumFrameSize = 32 * 1024
    /// Largest WebSocket message, and PostToConnection body (API Gateway: 128 KB).
    public var maximumMessageSize = 128 * 1024
    /// A connection with no message for this long is closed (API Gateway: 10 minutes).
    public var idleTimeout: Duration = .seconds(600)
    /// A connection older than this is closed (API Gateway: 2 hours).
    public var maximumConnectionDuration: Duration = .seconds(7200)
    public var maximumSubscriptionsPerConnection = 100
    /// Connections open at once, HTTP and WebSocket together; past it HTTP gets 503 and upgrades are refused.
    public var maximumConnections = 50_000
    /// New connections one client address may open per second (and in a burst); past it: 429. 0 turns it off.
    public var newConnectionsPerSecondPerAddress = 1000
    /// New WebSocket connections per second across the server, burst included (API Gateway's default account quota:
    /// 500); past it the upgrade gets 429 `{"message":"Too Many Requests"}`. 0 turns it off.
    public var maximumConnectsPerSecond = 500
    /// Frames (data and pings) one WebSocket connection may send per second, and in a burst; past it a message is
    /// answered with API Gateway's "Too Many Requests" frame instead of being routed. 0 turns it off.
    public var maximumFramesPerSecond = 100
    public var frameBurst = 200
    /// PutEvents entries one caller (access key, ingest token, else client address) may send per second, and in a
    /// burst (EventBridge's PutEvents quota in its largest regions: 10,000 a second); past it an entry fails with
    /// ThrottlingException. 0 turns it off.
    public var putEventsPerSecond = 10_000
    public var putEventsBurst = 10_000
    /// Time a client has to send a whole request head after connecting.
    public var headerTimeout: Duration = .seconds(10)
    /// Time a client has to send a request body once its head arrived.
    public var bodyTimeout: Duration = .seconds(30)
    /// Time a kept-alive HTTP connection may wait for its next request (then the head's own time applies).
    public var keepAliveTimeout: Duration = .seconds(60)
    /// Per-connection outbound buffer: unsent data may reach `outboundBufferFrames` full frames or
    /// `outboundBufferBytes`, whichever is smaller; a subscriber that falls further behind is closed as a slow consumer.
    public var outboundBufferFrames = 1024
    public var outboundBufferBytes = 4 * 1024 * 1024

    /// PutEvents request size limit as AWS counts it (256 KiB classic, up to 1 MiB).
    public var maximumPutEventsSize = 256 * 1024
    /// Messages one target's queue may hold; when full, PutEvents entries fail with ThrottlingException.
    public var queueCapacity = 100_000
    public var retryBaseDelay: Duration = .seconds(1)
    public var retryMaximumDelay: Duration = .seconds(300)
    /// Bytes of events all queues together may hold; past it PutEvents entries fail with ThrottlingException.
    public var queueMaximumBytes = 1 << 30
    public var deadLetterCapacity = 100_000
    /// How long a dead letter is kept (SQS's longest retention: 14 days).
    public var deadLetterRetention: Duration = .seconds(14 * 86_400)
    /// Where state is kept across restarts; in memory by default for embedders and tests (`pushbridge serve`
    /// defaults to a data directory).
    public var storage = Storage.inMemory
    /// Bytes of events the DLQ may hold; past it the oldest entries are evicted, counted and logged.
    public var deadLetterMaximumBytes = 256 << 20
    /// Where webhooks and AWS calls may not connect, checked on the resolved address (link-local by default,
    /// which holds the cloud metadata services).
    public var outboundPolicy = OutboundPolicy.default
    /// Total time allowed for one webhook or AWS call.
    public var outboundTimeout: Duration = .seconds(10)
    /// Install the sample's `Entity Updated` rule at start.
    public var installDefaultRule = true
    /// A JSON file of buses, rules and targets to load at start (see ``RulesFile``).
    public var rulesFile: String?
    /// The bearer token of the admin API (`/admin/`); nil keeps the admin API closed (a random token nobody knows).
    public var adminToken: String?
    /// An AWS CLI credentials file (`[profile]` sections with `aws_access_key_id` and `aws_secret_access_key`):
    /// requests to the Events API and @connections must then be signed (SigV4) with one of its key pairs.
    public var awsCredentialsFile: String?
    /// Bearer tokens, one a line, that `POST /events` accepts; with it (or `awsCredentialsFile`) unauthenticated
    /// requests to the Events API, @connections and `POST /events` are refused.
    public var ingestTokensFile: String?

    /// `$connect` authentication with JWTs; off unless a secret or a JWKS is set.
    public var jwt = JWTSettings()
    /// The `$connect` authorizer webhook (`--authorizer-url`); nil: none. Not combined with ``jwt``.
    public var authorizer: AuthorizerSettings?
    /// Who may subscribe to what; nil means ``effectiveSubscribePolicy``'s default.
    public var subscribePolicy: SubscribePolicy?
    /// How long the `url:` subscribe policy's answers are reused (zero: never), and how long its webhook may take.
    public var subscribePolicyTimeToLive = SubscribeWebhook.defaultTimeToLive
    public var subscribePolicyTimeout = SubscribeWebhook.defaultTimeout
    /// Browser origins that may open sockets and call the admin API (`--allowed-origins`); nil: sockets from any
    /// origin, the admin API from none.
    public var allowedOrigins: OriginAllowList?
    /// The certificate chain and key that make the port serve `https://` and `wss://` (`--tls-cert`, `--tls-key`);
    /// nil: plain HTTP. Read at start and again on SIGHUP.
    public var tls: TLSFiles?

    /// Whether `$connect` needs an identity: JWTs or the authorizer webhook.
    public var authenticatesConnections: Bool { jwt.isEnabled || authorizer != nil }

    /// `any` without authentication (the sample's behaviour); with it, the entities the token's `entities` claim (or
    /// the authorizer's `entities` context value) lists.
    public var effectiveSubscribePolicy: SubscribePolicy {
        subscribePolicy ?? (authenticatesConnections ? .defaultWithAuthentication : .any)
    }

    public init() {}

    public enum Storage: Sendable, Equatable {
        /// Nothing is written; a restart starts empty.
        case inMemory
        /// A SQLite journal in `directory`, committed before PutEvents answers.
        case dataDirectory(String, synchronous: SQLiteEventStore.Synchronous)
        /// Cluster mode: a PostgreSQL database shared by every node, opened (``PostgresEventStore/open(url:node:settings:logger:)``)
        /// before the runtime is built and handed to it.
        case postgres(PostgresURL)
    }
}
