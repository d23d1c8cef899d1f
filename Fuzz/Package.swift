// swift-tools-version:6.2
// libFuzzer targets for PushBridge, kept out of the main package so that normal builds never compile them.
// Each executable fuzzes one parser or handler; Scripts/fuzz builds them with -sanitize=fuzzer,address and runs
// them over a copy of Corpus/<target>. See README.md.
import Foundation
import PackageDescription

// A path dependency is named after its folder, which differs from one clone to another.
let rootPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatAllWarnings(as: .error),
]

/// A fuzz executable: FuzzSupport (the libFuzzer driver) plus what it fuzzes.
func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport"] + dependencies, swiftSettings: swiftSettings)
}

let json = Target.Dependency.product(name: "PushBridgeJSON", package: rootPackage)
let patterns = Target.Dependency.product(name: "EventPatterns", package: rootPackage)
let core = Target.Dependency.product(name: "PushBridgeCore", package: rootPackage)
let server = Target.Dependency.product(name: "PushBridgeServer", package: rootPackage)
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let nio: [Target.Dependency] = ["NIOCore", "NIOEmbedded", "NIOHTTP1", "NIOWebSocket"].map { .product(name: $0, package: "swift-nio") }

let package = Package(
    name: "pushbridge-fuzz",
    platforms: [.macOS(.v15)],
    products: [
        "FuzzJSONParser", "FuzzPatternCompiler", "FuzzPatternMatch", "FuzzPutEvents", "FuzzInputTransformer",
        "FuzzWebSocketFrames", "FuzzPutEventsChannel", "FuzzAdminQuery",
    ].map { .executable(name: $0, targets: [$0]) },
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // libFuzzer's C entry point (LLVMFuzzerRunDriver), declared for Swift.
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], swiftSettings: swiftSettings),
        fuzzTarget("FuzzJSONParser", [json]),
        fuzzTarget("FuzzPatternCompiler", [patterns, json]),
        fuzzTarget("FuzzPatternMatch", [patterns, json]),
        fuzzTarget("FuzzPutEvents", [core, json, logging]),
        fuzzTarget("FuzzInputTransformer", [core, json]),
        fuzzTarget("FuzzWebSocketFrames", [server, core, json, logging] + nio),
        fuzzTarget("FuzzPutEventsChannel", [server, json, logging] + nio),
        fuzzTarget(
            "FuzzAdminQuery",
            [
                server, core, json, .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ]
)
