// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "pushbridge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pushbridge", targets: ["PushBridgeCLI"]),
        .library(name: "PushBridgeServer", targets: ["PushBridgeServer"]),
        .library(name: "PushBridgeCore", targets: ["PushBridgeCore"]),
        .library(name: "EventPatterns", targets: ["EventPatterns"]),
        .library(name: "PushBridgeJSON", targets: ["PushBridgeJSON"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // JSON values with ordered keys and exact number text (what event patterns and PutEvents need).
        .target(name: "PushBridgeJSON", swiftSettings: swiftSettings),
        // The EventBridge event-pattern language: compile, validate, match. Pure Swift, no I/O.
        .target(name: "EventPatterns", dependencies: ["PushBridgeJSON"], swiftSettings: swiftSettings),
        // Calendar arithmetic for UTC timestamps, shared by SigV4 and event times.
        .target(name: "CivilTime", swiftSettings: swiftSettings),
        // AWS Signature Version 4: signing outbound requests (and verifying inbound ones). Pure, no I/O.
        .target(
            name: "AWSSigV4",
            dependencies: ["CivilTime", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // libcurl, the only outbound HTTP client: a system library with typed wrappers for its variadic calls.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // An async HTTP client over libcurl's multi interface, driven by one dedicated thread.
        .target(
            name: "CurlTransport",
            dependencies: [
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The domain: events, validation, connection registry, queues, retries, DLQ, fan-out. No HTTP.
        .target(
            name: "PushBridgeCore",
            dependencies: [
                "PushBridgeJSON",
                "EventPatterns",
                "CivilTime",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The durable ``EventStore`` of one node: a journal in SQLite (through GRDB) in the data directory.
        .target(
            name: "PushBridgeSQLite",
            dependencies: [
                "PushBridgeCore",
                "PushBridgeJSON",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The ``EventStore`` of cluster mode: several nodes share one PostgreSQL database (postgres-nio).
        .target(
            name: "PushBridgePostgres",
            dependencies: [
                "PushBridgeCore",
                "PushBridgeJSON",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Target kinds that leave the process: signed webhooks and AWS endpoints (EventBridge, SQS, API Gateway).
        .target(
            name: "OutboundTargets",
            dependencies: [
                "PushBridgeCore",
                "PushBridgeJSON",
                "CurlTransport",
                "AWSSigV4",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Who may connect and what they may subscribe to: JWT verification (jwt-kit), JWKS, the authorizer webhook,
        // subscribe policies (a claim or a webhook).
        .target(
            name: "PushBridgeAuth",
            dependencies: [
                "PushBridgeCore",
                "PushBridgeJSON",
                "CurlTransport",
                "CivilTime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Files the binary serves itself, embedded as constants: the AsyncAPI and OpenAPI descriptions, the console.
        .target(name: "PushBridgeWebAssets", exclude: ["Console"], swiftSettings: swiftSettings),
        // The Hummingbird application: HTTP APIs and the WebSocket gateway.
        .target(
            name: "PushBridgeServer",
            dependencies: [
                "PushBridgeCore",
                "PushBridgeSQLite",
                "PushBridgePostgres",
                "PushBridgeAuth",
                "PushBridgeWebAssets",
                "OutboundTargets",
                "CurlTransport",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                "PushBridgeJSON",
                "EventPatterns",
                "CivilTime",
                "AWSSigV4",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "PushBridgeCLI",
            dependencies: [
                "PushBridgeServer",
                "PushBridgeAuth",
                "PushBridgeCore",
                "PushBridgeSQLite",
                "PushBridgePostgres",
                "CurlTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // What several test targets share (not part of the product).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "AWSSigV4Tests", dependencies: ["AWSSigV4"], resources: [.copy("Vectors")], swiftSettings: swiftSettings),
        .testTarget(
            name: "CurlTransportTests",
            dependencies: [
                "CurlTransport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OutboundTargetsTests",
            dependencies: ["OutboundTargets", "PushBridgeCore", "PushBridgeJSON", "CurlTransport", "AWSSigV4"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PushBridgeSQLiteTests",
            dependencies: [
                "PushBridgeSQLite", "PushBridgeCore", .product(name: "Logging", package: "swift-log"),
                // Writes a database as an older schema version left it, to test the upgrade.
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PushBridgePostgresTests",
            dependencies: [
                "PushBridgePostgres",
                "PushBridgeCore",
                "PushBridgeJSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PushBridgeAuthTests",
            dependencies: [
                "PushBridgeAuth", "PushBridgeCore", "PushBridgeJSON", "CurlTransport", .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PushBridgeWebAssetsTests", dependencies: ["PushBridgeWebAssets"], swiftSettings: swiftSettings),
        .testTarget(name: "PushBridgeJSONTests", dependencies: ["PushBridgeJSON"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EventPatternsTests",
            dependencies: ["TestSupport", "EventPatterns", "PushBridgeJSON"],
            resources: [.copy("Golden")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PushBridgeCoreTests",
            dependencies: [
                "TestSupport",
                "PushBridgeCore",
                "PushBridgeJSON",
                "EventPatterns",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PushBridgeServerTests",
            dependencies: [
                "PushBridgeServer",
                "AWSSigV4",
                "PushBridgeAuth",
                "PushBridgeCore",
                "PushBridgeSQLite",
                "PushBridgeJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
