import ArgumentParser
import CurlTransport
import Foundation
import Hummingbird
import Logging
import NIOCore
import PushBridgeAuth
import PushBridgeCore
import PushBridgePostgres
import PushBridgeSQLite
import PushBridgeServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server: WebSocket gateway, PutEvents ingest, @connections and the delivery workers.",
        discussion: """
            Every option can also be set with an environment variable PUSHBRIDGE_<OPTION>, e.g. PUSHBRIDGE_PORT=9000.
            A command-line flag wins over the environment.

            Example:
              pushbridge serve --host 127.0.0.1 --port 8080
              wscat -c ws://127.0.0.1:8080/dev -s websocket
            """
    )

    @Option(help: "Address to listen on. [env: PUSHBRIDGE_HOST] (default: 127.0.0.1)")
    var host: String?

    @Option(help: "Port to listen on. [env: PUSHBRIDGE_PORT] (default: 8080)")
    var port: Int?

    @Option(help: "API Gateway stage: sockets at / and /{stage}, @connections under both. [env: PUSHBRIDGE_STAGE] (default: dev)")
    var stage: String?

    @Option(help: "Region used in ARNs and events. [env: PUSHBRIDGE_REGION] (default: us-east-1)")
    var region: String?

    @Option(help: "Account id used in ARNs and events. [env: PUSHBRIDGE_ACCOUNT_ID] (default: 000000000000)")
    var accountId: String?

    @Option(help: "Close a connection after this many idle seconds. [env: PUSHBRIDGE_IDLE_TIMEOUT] (default: 600)")
    var idleTimeout: Int?

    @Option(help: "Close a connection after this many seconds. [env: PUSHBRIDGE_MAX_CONNECTION_DURATION] (default: 7200)")
    var maxConnectionDuration: Int?

    @Option(help: "Largest WebSocket frame from a client, in bytes. [env: PUSHBRIDGE_MAX_FRAME_SIZE] (default: 32768)")
    var maxFrameSize: Int?

    @Option(help: "Largest WebSocket message and PostToConnection body, in bytes. [env: PUSHBRIDGE_MAX_MESSAGE_SIZE] (default: 131072)")
    var maxMessageSize: Int?

    @Option(help: "Subscriptions one connection may hold. [env: PUSHBRIDGE_MAX_SUBSCRIPTIONS] (default: 100)")
    var maxSubscriptions: Int?

    @Option(
        help:
            "Full frames one connection may have queued before it is closed as a slow consumer; the bytes are also capped at 4 MiB. [env: PUSHBRIDGE_OUTBOUND_BUFFER_FRAMES] (default: 1024)"
    )
    var outboundBufferFrames: Int?

    @Option(help: "PutEvents size limit in bytes, counted as AWS does. [env: PUSHBRIDGE_MAX_PUT_EVENTS_SIZE] (default: 262144)")
    var maxPutEventsSize: Int?

    @Option(help: "Messages one target's queue may hold. [env: PUSHBRIDGE_QUEUE_CAPACITY] (default: 100000)")
    var queueCapacity: Int?

    @Option(
        help: """
            Comma-separated CIDR ranges webhooks and AWS calls may not connect to, checked on the resolved address; \
            empty for none. [env: PUSHBRIDGE_OUTBOUND_DENY] (default: 169.254.0.0/16,fe80::/10,fd00:ec2::254/128)
            """
    )
    var outboundDeny: String?

    @Option(help: "Connections open at once, HTTP and WebSocket; past it 503. [env: PUSHBRIDGE_MAX_CONNECTIONS] (default: 50000)")
    var maxConnections: Int?

    @Option(
        help:
            "New connections per second one client address may open; past it 429 (0: no limit). [env: PUSHBRIDGE_MAX_NEW_CONNECTIONS_PER_IP] (default: 1000)"
    )
    var maxNewConnectionsPerIp: Int?

    @Option(
        help: """
            New WebSocket connections per second across the server, as API Gateway's account quota; past it the upgrade \
            gets 429 (0: no limit). [env: PUSHBRIDGE_MAX_CONNECT_RATE] (default: 500)
            """
    )
    var maxConnectRate: Int?

    @Option(
        help: """
            Frames (messages and pings) one WebSocket connection may send per second; past it a message gets a \
            'Too Many Requests' frame instead of being routed (0: no limit). [env: PUSHBRIDGE_MAX_FRAMES_PER_SECOND] (default: 100)
            """
    )
    var maxFramesPerSecond: Int?

    @Option(
        help:
            "Frames one connection may send in a burst, on top of its steady rate. [env: PUSHBRIDGE_FRAMES_BURST] (default: twice --max-frames-per-second)"
    )
    var framesBurst: Int?

    @Option(
        help: """
            PutEvents entries per second per caller (access key id, ingest token, else client address), as EventBridge's \
            quota; past it entries fail with ThrottlingException (0: no limit). [env: PUSHBRIDGE_PUT_EVENTS_RATE] (default: 10000)
            """
    )
    var putEventsRate: Int?

    @Option(help: "PutEvents entries one caller may send in a burst. [env: PUSHBRIDGE_PUT_EVENTS_BURST] (default: --put-events-rate)")
    var putEventsBurst: Int?

    @Option(help: "Seconds a client has to send a request head. [env: PUSHBRIDGE_HEADER_TIMEOUT] (default: 10)")
    var headerTimeout: Double?

    @Option(help: "Seconds a client has to send a request body. [env: PUSHBRIDGE_BODY_TIMEOUT] (default: 30)")
    var bodyTimeout: Double?

    @Option(
        help:
            "Seconds a kept-alive HTTP connection may stay idle between requests; the header timeout is added for the next request's head (70 s in all by default). [env: PUSHBRIDGE_KEEP_ALIVE_TIMEOUT] (default: 60)"
    )
    var keepAliveTimeout: Double?

    @Option(
        help:
            "Bytes of events all queues together may hold; past it PutEvents entries get ThrottlingException. [env: PUSHBRIDGE_QUEUE_MAX_BYTES] (default: 1073741824)"
    )
    var queueMaxBytes: Int?

    @Option(
        help:
            "Bytes of events the DLQ may hold; past it the oldest entries are evicted, counted and logged. [env: PUSHBRIDGE_DLQ_MAX_BYTES] (default: 268435456)"
    )
    var dlqMaxBytes: Int?

    @Option(help: "Time allowed for one webhook or AWS call, in seconds. [env: PUSHBRIDGE_OUTBOUND_TIMEOUT] (default: 10)")
    var outboundTimeout: Double?

    @Option(help: "Retry backoff base, in milliseconds: retry n waits up to base × 2ⁿ. [env: PUSHBRIDGE_RETRY_BASE_DELAY_MS] (default: 1000)")
    var retryBaseDelayMs: Int?

    @Option(help: "Longest wait between retries, in milliseconds. [env: PUSHBRIDGE_RETRY_MAX_DELAY_MS] (default: 300000)")
    var retryMaxDelayMs: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. [env: PUSHBRIDGE_LOG_LEVEL] (default: info)")
    var logLevel: Logger.Level?

    @Option(help: "JSON file of event buses, rules and targets to load at start. [env: PUSHBRIDGE_CONFIG]")
    var config: String?

    @Option(help: "Event-loop threads. [env: PUSHBRIDGE_THREADS] (default: the number of CPUs this process may run on)")
    var threads: Int?

    @Option(
        help:
            "Directory that keeps buses, rules, targets, queued events and the DLQ across restarts (a SQLite journal); one server at a time. [env: PUSHBRIDGE_DATA_DIR] (default: ~/.pushbridge/data)"
    )
    var dataDir: String?

    @Flag(help: "Keep everything in memory: nothing is written, a restart starts empty (tests, benchmarks). [env: PUSHBRIDGE_IN_MEMORY=1]")
    var inMemory = false

    @Option(
        help:
            "normal: an accepted event survives a killed process; full: it survives a power loss too (an fsync per commit). [env: PUSHBRIDGE_SYNC] (default: normal)"
    )
    var sync: SQLiteEventStore.Synchronous?

    @Option(
        help: """
            Cluster mode: keep state in this PostgreSQL database, shared with every other node given the same URL \
            (postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=disable|prefer|require); instead of --data-dir and --in-memory. \
            [env: PUSHBRIDGE_POSTGRES_URL]
            """
    )
    var postgres: String?

    @Option(
        help: """
            Cluster mode: seconds a node's webhook and AWS messages stay its own without a heartbeat; after that another \
            node delivers them. 2 to 300. [env: PUSHBRIDGE_NODE_LEASE] (default: 10)
            """
    )
    var nodeLease: Int?

    @Option(help: "Seconds a dead letter is kept, 60 to 1209600 (14 days, SQS's longest). [env: PUSHBRIDGE_DLQ_RETENTION] (default: 1209600)")
    var dlqRetention: Int?

    @Flag(help: "Start without the built-in 'Entity Updated' rule. [env: PUSHBRIDGE_NO_DEFAULT_RULE=1]")
    var noDefaultRule = false

    @Option(
        help:
            "Bearer token for /admin/ and the CLI. [env: PUSHBRIDGE_ADMIN_TOKEN] (default: generated at start, printed once, saved to --admin-token-file)"
    )
    var adminToken: String?

    @Option(
        help:
            "Where a generated admin token is saved, readable only by you (0600). [env: PUSHBRIDGE_ADMIN_TOKEN_FILE] (default: ~/.pushbridge/admin-token)"
    )
    var adminTokenFile: String?

    @Option(
        help: """
            AWS CLI credentials file ([profile] sections with aws_access_key_id and aws_secret_access_key): the Events API \
            and @connections then take only requests signed (SigV4) with one of its key pairs. [env: PUSHBRIDGE_AWS_CREDENTIALS_FILE]
            """
    )
    var awsCredentialsFile: String?

    @Option(
        help: """
            File of bearer tokens, one a line (# comments), that POST /events accepts. With it or --aws-credentials-file, \
            unauthenticated requests to the Events API, @connections and /events are refused. [env: PUSHBRIDGE_INGEST_TOKENS_FILE]
            """
    )
    var ingestTokensFile: String?

    @Option(
        help:
            "On SIGTERM/SIGINT, seconds to let in-flight deliveries finish before closing; a second signal exits at once. [env: PUSHBRIDGE_SHUTDOWN_GRACE] (default: 10)"
    )
    var shutdownGrace: Double?

    @Option(
        help: """
            HMAC secret for HS256/HS384/HS512 $connect tokens, at least 32 bytes (HS384 needs 48, HS512 64); never logged. \
            Prefer --jwt-secret-file. [env: PUSHBRIDGE_JWT_SECRET] (default: none)
            """
    )
    var jwtSecret: String?

    @Option(
        help: "File holding the HMAC secret (a trailing newline is dropped); read at start. [env: PUSHBRIDGE_JWT_SECRET_FILE] (default: none)"
    )
    var jwtSecretFile: String?

    @Option(
        help: """
            JWKS for RS256/PS256/ES256/EdDSA $connect tokens: a file read at start, or an http(s) URL fetched at start, \
            every --jwks-refresh seconds and when a token names an unknown kid. [env: PUSHBRIDGE_JWKS] (default: none)
            """
    )
    var jwks: String?

    @Option(help: "Seconds between fetches of a --jwks URL, 10 to 86400. [env: PUSHBRIDGE_JWKS_REFRESH] (default: 300)")
    var jwksRefresh: Int?

    @Option(help: "Tokens must have this iss. [env: PUSHBRIDGE_JWT_ISSUER] (default: any)")
    var jwtIssuer: String?

    @Option(help: "Tokens must list this in aud. [env: PUSHBRIDGE_JWT_AUDIENCE] (default: any)")
    var jwtAudience: String?

    @Option(
        help:
            "JSON path of the claim holding the user id, e.g. $.data.userId for the sample's tokens. [env: PUSHBRIDGE_JWT_USER_CLAIM] (default: $.sub)"
    )
    var jwtUserClaim: String?

    @Option(help: "Clock skew allowed on exp and nbf, in seconds, 0 to 300. [env: PUSHBRIDGE_JWT_LEEWAY] (default: 30)")
    var jwtLeeway: Int?

    @Option(
        help: """
            Authorizer webhook for $connect: it gets API Gateway's REQUEST authorizer event as a JSON POST and answers \
            with an IAM policy (principalId, policyDocument, context), as a Lambda authorizer does. Not combined with \
            JWTs. [env: PUSHBRIDGE_AUTHORIZER_URL] (default: none)
            """
    )
    var authorizerUrl: String?

    @Option(help: "Seconds an authorizer's answer is reused for the same identity, 0 to 3600. [env: PUSHBRIDGE_AUTHORIZER_TTL] (default: 300)")
    var authorizerTtl: Int?

    @Option(
        help: "Seconds the authorizer may take, 0.1 to 30; past it the connect gets 500. [env: PUSHBRIDGE_AUTHORIZER_TIMEOUT] (default: 5)"
    )
    var authorizerTimeout: Double?

    @Option(
        help: """
            What identifies a caller to the authorizer (missing: 401 without asking; answers are cached per its values): \
            'token' (where JWTs are looked for), or a comma-separated list of route.request.header.NAME and \
            route.request.querystring.NAME, all required. [env: PUSHBRIDGE_AUTHORIZER_IDENTITY_SOURCE] (default: token)
            """
    )
    var authorizerIdentitySource: String?

    @Option(
        help: """
            Who may subscribe to what: 'any'; 'claim:' and a JSON path to a claim listing the entity ids (or patterns \
            with *) a connection may subscribe to; or 'url:' and a webhook asked on each subscribe. \
            [env: PUSHBRIDGE_SUBSCRIBE_POLICY] (default: claim:$.entities with authentication, any without)
            """
    )
    var subscribePolicy: String?

    @Option(
        help:
            "Seconds a url: subscribe policy's answer is reused for the same user and entity, 0 to 3600. [env: PUSHBRIDGE_SUBSCRIBE_POLICY_TTL] (default: 60)"
    )
    var subscribePolicyTtl: Int?

    @Option(
        help:
            "Seconds a url: subscribe policy's webhook may take, 0.1 to 30; past it the subscribe is refused. [env: PUSHBRIDGE_SUBSCRIBE_POLICY_TIMEOUT] (default: 5)"
    )
    var subscribePolicyTimeout: Double?

    @Option(
        help: """
            Comma-separated browser origins (https://app.example.com) allowed to open sockets (others get 403) and to call \
            the admin API. [env: PUSHBRIDGE_ALLOWED_ORIGINS] (default: none: sockets from any origin, admin from none)
            """
    )
    var allowedOrigins: String?

    @Option(
        help: """
            PEM certificate chain (the server's certificate first, then intermediates): the port then serves https:// and \
            wss:// only, TLS 1.2 or later. Needs --tls-key; SIGHUP reads both files again. [env: PUSHBRIDGE_TLS_CERT] (default: none: plain HTTP)
            """
    )
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert's certificate, unencrypted. [env: PUSHBRIDGE_TLS_KEY] (default: none)")
    var tlsKey: String?

    @Flag(
        help: """
            Serve on an address other than loopback without authentication (only behind something that authenticates). \
            [env: PUSHBRIDGE_INSECURE_NO_AUTH=1]
            """
    )
    var insecureNoAuth = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        func setting<T: LosslessStringConvertible>(_ flag: T?, _ name: String) throws -> T? {
            if let flag { return flag }
            guard let text = environment["PUSHBRIDGE_\(name)"] else { return nil }
            guard let value = T(text) else { throw ValidationError("PUSHBRIDGE_\(name)=\(text) is not a valid value.") }
            return value
        }
        var configuration = ServerConfiguration()
        configuration.host = try setting(host, "HOST") ?? configuration.host
        configuration.port = try setting(port, "PORT") ?? configuration.port
        configuration.stage = try setting(stage, "STAGE") ?? configuration.stage
        configuration.account.region = try setting(region, "REGION") ?? configuration.account.region
        configuration.account.accountId = try setting(accountId, "ACCOUNT_ID") ?? configuration.account.accountId
        // Every number is checked against its range before it becomes a size or a duration.
        func bounded<T: Comparable & LosslessStringConvertible>(
            _ flag: T?,
            _ name: String,
            _ range: ClosedRange<T>,
            _ unit: String
        ) throws -> T? {
            try FlagRange.check(try setting(flag, name), name: name, range, unit: unit)
        }
        if let seconds = try bounded(idleTimeout, "IDLE_TIMEOUT", FlagRange.seconds, "seconds") { configuration.idleTimeout = .seconds(seconds) }
        if let seconds = try bounded(maxConnectionDuration, "MAX_CONNECTION_DURATION", FlagRange.seconds, "seconds") {
            configuration.maximumConnectionDuration = .seconds(seconds)
        }
        configuration.maximumFrameSize = try bounded(maxFrameSize, "MAX_FRAME_SIZE", FlagRange.frameBytes, "bytes") ?? configuration.maximumFrameSize
        configuration.maximumMessageSize =
            try bounded(maxMessageSize, "MAX_MESSAGE_SIZE", FlagRange.messageBytes, "bytes") ?? configuration.maximumMessageSize
        configuration.maximumSubscriptionsPerConnection =
            try bounded(maxSubscriptions, "MAX_SUBSCRIPTIONS", FlagRange.count, "") ?? configuration.maximumSubscriptionsPerConnection
        configuration.outboundBufferFrames =
            try bounded(outboundBufferFrames, "OUTBOUND_BUFFER_FRAMES", FlagRange.count, "frames") ?? configuration.outboundBufferFrames
        configuration.maximumPutEventsSize =
            try bounded(maxPutEventsSize, "MAX_PUT_EVENTS_SIZE", FlagRange.messageBytes, "bytes") ?? configuration.maximumPutEventsSize
        configuration.queueCapacity = try bounded(queueCapacity, "QUEUE_CAPACITY", FlagRange.count, "messages") ?? configuration.queueCapacity
        configuration.queueMaximumBytes =
            try bounded(queueMaxBytes, "QUEUE_MAX_BYTES", FlagRange.budgetBytes, "bytes") ?? configuration.queueMaximumBytes
        configuration.deadLetterMaximumBytes =
            try bounded(dlqMaxBytes, "DLQ_MAX_BYTES", FlagRange.budgetBytes, "bytes") ?? configuration.deadLetterMaximumBytes
        configuration.maximumConnections = try bounded(maxConnections, "MAX_CONNECTIONS", FlagRange.count, "") ?? configuration.maximumConnections
        configuration.newConnectionsPerSecondPerAddress =
            try bounded(maxNewConnectionsPerIp, "MAX_NEW_CONNECTIONS_PER_IP", FlagRange.rate, "per second")
            ?? configuration.newConnectionsPerSecondPerAddress
        let timeouts: [(Double?, String, WritableKeyPath<ServerConfiguration, Duration>)] = [
            (headerTimeout, "HEADER_TIMEOUT", \.headerTimeout), (bodyTimeout, "BODY_TIMEOUT", \.bodyTimeout),
            (keepAliveTimeout, "KEEP_ALIVE_TIMEOUT", \.keepAliveTimeout),
        ]
        for (flag, name, keyPath) in timeouts {
            if let seconds = try bounded(flag, name, FlagRange.timeoutSeconds, "seconds") {
                configuration[keyPath: keyPath] = .milliseconds(Int64((seconds * 1000).rounded(.up)))
            }
        }
        if let text = try setting(outboundDeny, "OUTBOUND_DENY") {
            var ranges: [OutboundPolicy.Range] = []
            for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                guard let range = OutboundPolicy.Range(item) else {
                    throw ValidationError("--outbound-deny: '\(item)' is not an IPv4 or IPv6 range such as 169.254.0.0/16 or fd00::/8.")
                }
                ranges.append(range)
            }
            configuration.outboundPolicy = OutboundPolicy(denied: ranges)
        }
        configuration.rulesFile = try setting(config, "CONFIG")
        configuration.awsCredentialsFile = try setting(awsCredentialsFile, "AWS_CREDENTIALS_FILE").flatMap { $0.isEmpty ? nil : $0 }
        configuration.ingestTokensFile = try setting(ingestTokensFile, "INGEST_TOKENS_FILE").flatMap { $0.isEmpty ? nil : $0 }
        if let seconds = try bounded(outboundTimeout, "OUTBOUND_TIMEOUT", FlagRange.timeoutSeconds, "seconds") {
            configuration.outboundTimeout = .milliseconds(Int64((seconds * 1000).rounded(.up)))
        }
        if let milliseconds = try bounded(retryBaseDelayMs, "RETRY_BASE_DELAY_MS", FlagRange.delayMilliseconds, "ms") {
            configuration.retryBaseDelay = .milliseconds(milliseconds)
        }
        if let milliseconds = try bounded(retryMaxDelayMs, "RETRY_MAX_DELAY_MS", FlagRange.delayMilliseconds, "ms") {
            configuration.retryMaximumDelay = .milliseconds(milliseconds)
        }
        configuration.installDefaultRule = !(noDefaultRule || environment["PUSHBRIDGE_NO_DEFAULT_RULE"] == "1")
        if let seconds = try bounded(dlqRetention, "DLQ_RETENTION", FlagRange.retentionSeconds, "seconds") {
            configuration.deadLetterRetention = .seconds(seconds)
        }
        let synchronous =
            try sync ?? environment["PUSHBRIDGE_SYNC"].map { text in
                guard let value = SQLiteEventStore.Synchronous(rawValue: text) else {
                    throw ValidationError("PUSHBRIDGE_SYNC=\(text) is not a valid value; use normal or full.")
                }
                return value
            } ?? .normal
        if let url = try clusterStorage(environment: environment, setting: setting) {
            configuration.storage = .postgres(url)
        } else if inMemory || environment["PUSHBRIDGE_IN_MEMORY"] == "1" {
            configuration.storage = .inMemory
        } else {
            let directory = try setting(dataDir, "DATA_DIR").flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultDataDirectory
            configuration.storage = .dataDirectory(directory, synchronous: synchronous)
        }
        guard (1...65535).contains(configuration.port) || configuration.port == 0 else {
            throw ValidationError("--port must be from 1 to 65535 (or 0 for any free port), not \(configuration.port).")
        }
        try applySecuritySettings(to: &configuration, environment: environment, setting: setting, bounded: bounded)
        try applyRateLimitSettings(to: &configuration, bounded: bounded)
        try applyTLSSettings(to: &configuration, setting: setting)

        let level = try setting(logLevel?.rawValue, "LOG_LEVEL").flatMap { Logger.Level(rawValue: $0) } ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "pushbridge")
        let graceSeconds = try bounded(shutdownGrace, "SHUTDOWN_GRACE", FlagRange.graceSeconds, "seconds") ?? 10
        configuration.adminToken = try setting(adminToken, "ADMIN_TOKEN").flatMap { $0.isEmpty ? nil : $0 }
        // A generated token is saved only once the server could start: a second server refused on a data directory
        // must not overwrite the running one's token file.
        var generatedTokenFile: String?
        if configuration.adminToken == nil {
            configuration.adminToken = AdminToken.generate()
            generatedTokenFile = try setting(adminTokenFile, "ADMIN_TOKEN_FILE") ?? AdminToken.defaultFilePath
        }

        let operations = ServeRunner.bootstrapMetrics()
        let settings = configuration
        let leaseSeconds = try bounded(nodeLease, "NODE_LEASE", FlagRange.nodeLeaseSeconds, "seconds")
        let store = try await Self.openClusterStore(configuration.storage, settings: ClusterSettings(leaseSeconds: leaseSeconds), logger: logger)
        let (application, runtime) = try Self.starting(configuration.storage) {
            try PushBridgeApplication.build(configuration: settings, logger: logger, operations: operations, store: store) { port in
                let configuration = settings
                let secure = configuration.tls == nil ? "" : "s"
                logger.info(
                    "PushBridge listening",
                    metadata: [
                        "address": "\(configuration.host):\(port)",
                        "websocket": "ws\(secure)://\(configuration.host):\(port)/\(configuration.stage)",
                        "admin": "http\(secure)://\(configuration.host):\(port)/admin/",
                        "metrics": "http\(secure)://\(configuration.host):\(port)/metrics",
                        "console": "http\(secure)://\(configuration.host):\(port)/console",
                        "limits":
                            "frame \(configuration.maximumFrameSize) B, message \(configuration.maximumMessageSize) B, idle \(configuration.idleTimeout), subscriptions \(configuration.maximumSubscriptionsPerConnection)",
                    ]
                )
            }
        }
        if let file = generatedTokenFile, let token = configuration.adminToken { Self.save(generatedToken: token, to: file) }
        let grace = Duration.milliseconds(Int64(graceSeconds * 1000))
        try await ServeRunner.run(application, runtime: runtime, operations: operations, grace: grace, logger: logger)
    }

    /// The size of NIO's event-loop group (which also runs every task, see `PushBridgeCommand.main`): `--threads`,
    /// else `PUSHBRIDGE_THREADS`, else NIO's own `NIO_SINGLETON_GROUP_LOOP_COUNT` if set (nil: NIO reads it),
    /// else the CPUs the process may run on, capped by NIO's count (which follows cgroup CPU quotas).
    func eventLoopThreads(environment: [String: String]) throws -> Int? {
        if let threads { return try FlagRange.check(threads, name: "THREADS", FlagRange.threads, unit: "") }
        if let text = environment["PUSHBRIDGE_THREADS"] {
            guard let value = Int(text) else { throw ValidationError("PUSHBRIDGE_THREADS=\(text) is not a valid value.") }
            return try FlagRange.check(value, name: "THREADS", FlagRange.threads, unit: "")
        }
        guard environment["NIO_SINGLETON_GROUP_LOOP_COUNT"] == nil else { return nil }
        return ProcessorAffinity.allowedCPUCount().map { min($0, System.coreCount) }
    }

    /// A data directory that cannot be used stops the start with one line that says which file and why, and what
    /// to do; never a crash.
    static func starting<T>(_ storage: ServerConfiguration.Storage, _ build: () throws -> T) throws -> T {
        do {
            return try build()
        } catch let error as JWKSKeys.LoadError {
            FileHandle.standardError.write(Data("pushbridge: cannot start: \(error)\n".utf8))
            throw ExitCode(1)
        } catch let error as TLSFilesError {
            FileHandle.standardError.write(Data("pushbridge: cannot start: \(error)\n".utf8))
            throw ExitCode(1)
        } catch let error as EventStoreError {
            let advice =
                switch error.kind {
                case .locked: ""
                case .unreadable: " Move the file aside to start empty (its events are then not delivered), or restore it from a backup."
                case .inaccessible, .writeFailed, .closed:
                    " Check that the directory can be written (permissions, a read-only or full file system), or start with another --data-dir or --in-memory."
                }
            FileHandle.standardError.write(Data("pushbridge: cannot start: \(error)\(advice)\n".utf8))
            throw ExitCode(1)
        }
    }

    static var defaultDataDirectory: String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".pushbridge/data")
    }

    /// Saves a generated token 0600 to `file`, and prints it once on standard error (never to the log).
    static func save(generatedToken token: String, to file: String) {
        do {
            try AdminToken.write(token, to: file)
            FileHandle.standardError.write(Data("Admin token (saved to \(file), readable only by you): \(token)\n".utf8))
        } catch {
            FileHandle.standardError.write(
                Data("Admin token: \(token)\n(could not save it to \(file): \(error.localizedDescription); pass it to the CLI with --token)\n".utf8)
            )
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension SQLiteEventStore.Synchronous: ExpressibleByArgument {}
