// swift-tools-version:6.2
// Benchmarks for PushBridge, kept out of the main package so that normal builds never compile them.
//   pushbridge-bench: a SwiftNIO WebSocket/HTTP load generator (PushBridge, nchan, and its own echo server).
//   rules-bench:      events matched per second through EventPatterns' RuleMatcher.
// Scripts/bench builds both in release and runs every scenario.
import Foundation
import PackageDescription

// A path dependency is named after its folder, which differs from one clone to another.
let rootPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "pushbridge-benchmarks",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pushbridge-bench", targets: ["PushBridgeBench"]),
        .executable(name: "rules-bench", targets: ["RulesBench"]),
    ],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        .executableTarget(
            name: "PushBridgeBench",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "RulesBench",
            dependencies: [
                .product(name: "EventPatterns", package: rootPackage),
                .product(name: "PushBridgeJSON", package: rootPackage),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
