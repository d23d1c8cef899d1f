import Foundation
import HTTPTypes
import HummingbirdTesting
import PushBridgeCore
import PushBridgeJSON
import PushBridgeServer
import Testing

/// Tags, KMS, dead-letter and log settings of buses and a rule's RoleArn: kept, answered in AWS's shapes, changed
/// by TagResource, UntagResource and UpdateEventBus, and kept across a restart on a data directory.
@Suite struct EventsTagsTests {
    static let busArn = "arn:aws:events:us-east-1:000000000000:event-bus/orders"
    static let ruleArn = "arn:aws:events:us-east-1:000000000000:rule/orders/Shipped"

    static func call(_ server: TestServer, _ operation: String, _ body: JSONValue) async throws -> JSONValue {
        let response = try await server.putEvents(body: body.jsonText, target: "AWSEvents.\(operation)")
        #expect(response.status == .ok, "\(operation): \(response.bodyText)")
        return try response.json()
    }

    /// The error code of a call that must fail.
    static func failure(_ server: TestServer, _ operation: String, _ body: JSONValue) async throws -> String? {
        let response = try await server.putEvents(body: body.jsonText, target: "AWSEvents.\(operation)")
        #expect(response.status == .badRequest, "\(operation): \(response.bodyText)")
        return try response.json()["__type"]?.stringValue
    }

    static func tags(_ server: TestServer, _ arn: String) async throws -> [String: String] {
        let answer = try await call(server, "ListTagsForResource", ["ResourceARN": .string(arn)])
        var tags: [String: String] = [:]
        for tag in answer["Tags"]?.arrayValue ?? [] { tags[tag["Key"]?.stringValue ?? "?"] = tag["Value"]?.stringValue }
        return tags
    }

    static func seconds(_ value: JSONValue?) -> Double? {
        guard case .number(let number) = value else { return nil }
        return Double(number.text)
    }

    static let createBus: JSONValue = [
        "Name": "orders", "Description": "Orders", "KmsKeyIdentifier": "alias/orders",
        "DeadLetterConfig": ["Arn": "arn:aws:sqs:us-east-1:000000000000:dlq"], "LogConfig": ["IncludeDetail": "FULL", "Level": "INFO"],
        "Tags": [["Key": "team", "Value": "shop"], ["Key": "env", "Value": "prod"]],
    ]

    static let putRule: JSONValue = [
        "Name": "Shipped", "EventBusName": "orders", "EventPattern": #"{"source":["shop"]}"#,
        "RoleArn": "arn:aws:iam::000000000000:role/events", "Tags": [["Key": "owner", "Value": "ops"]],
    ]

    @Test func busSettingsAreAnsweredByCreateAndDescribeButNotByList() async throws {
        try await withPushBridgeServer { server in
            let created = try await Self.call(server, "CreateEventBus", Self.createBus)
            #expect(created["EventBusArn"]?.stringValue == Self.busArn)
            #expect(created["KmsKeyIdentifier"] == "alias/orders")
            #expect(created["DeadLetterConfig"] == ["Arn": "arn:aws:sqs:us-east-1:000000000000:dlq"])
            #expect(created["LogConfig"] == ["IncludeDetail": "FULL", "Level": "INFO"])
            let described = try await Self.call(server, "DescribeEventBus", ["Name": "orders"])
            #expect(described["Description"] == "Orders")
            #expect(described["KmsKeyIdentifier"] == "alias/orders")
            #expect(described["DeadLetterConfig"] == ["Arn": "arn:aws:sqs:us-east-1:000000000000:dlq"])
            #expect(described["LogConfig"] == ["IncludeDetail": "FULL", "Level": "INFO"])
            #expect(described["Tags"] == nil, "tags are read with ListTagsForResource")
            let listed = try await Self.call(server, "ListEventBuses", ["NamePrefix": "orders"])
            let bus = try #require(listed["EventBuses"]?.arrayValue?.first?.objectValue)
            #expect(Set(bus.keys) == ["Name", "Arn", "Description", "CreationTime", "LastModifiedTime"])
            #expect(try await Self.tags(server, Self.busArn) == ["team": "shop", "env": "prod"])
        }
    }

    @Test func updateEventBusReplacesTheSettingsAndKeepsTheTags() async throws {
        try await withPushBridgeServer { server in
            _ = try await Self.call(server, "CreateEventBus", Self.createBus)
            let updated = try await Self.call(server, "UpdateEventBus", ["Name": "orders", "LogConfig": ["Level": "ERROR"]])
            #expect(updated["Arn"]?.stringValue == Self.busArn)
            #expect(updated["LogConfig"] == ["Level": "ERROR"])
            let described = try await Self.call(server, "DescribeEventBus", ["Name": .string(Self.busArn)])
            #expect(described["KmsKeyIdentifier"] == nil && described["DeadLetterConfig"] == nil && described["Description"] == nil)
            #expect(described["LogConfig"] == ["Level": "ERROR"])
            let created = try #require(Self.seconds(described["CreationTime"]))
            let modified = try #require(Self.seconds(described["LastModifiedTime"]))
            #expect(modified >= created)
            #expect(try await Self.tags(server, Self.busArn) == ["team": "shop", "env": "prod"])
            #expect(try await Self.failure(server, "UpdateEventBus", ["Name": "nope"]) == "ResourceNotFoundException")
        }
    }

    @Test func ruleRoleArnIsAnsweredAndTagsApplyOnlyWhenTheRuleIsCreated() async throws {
        try await withPushBridgeServer { server in
            _ = try await Self.call(server, "CreateEventBus", ["Name": "orders"])
            _ = try await Self.call(server, "PutRule", Self.putRule)
            let described = try await Self.call(server, "DescribeRule", ["Name": "Shipped", "EventBusName": "orders"])
            #expect(described["RoleArn"] == "arn:aws:iam::000000000000:role/events")
            let listed = try await Self.call(server, "ListRules", ["EventBusName": "orders"])
            #expect(listed["Rules"]?.arrayValue?.first?["RoleArn"] == "arn:aws:iam::000000000000:role/events")
            #expect(try await Self.tags(server, Self.ruleArn) == ["owner": "ops"])

            // An update replaces what it omits (RoleArn) and ignores its tags, as AWS does.
            _ = try await Self.call(
                server,
                "PutRule",
                ["Name": "Shipped", "EventBusName": "orders", "EventPattern": #"{"source":["shop"]}"#, "Tags": [["Key": "owner", "Value": "x"]]]
            )
            #expect(try await Self.call(server, "DescribeRule", ["Name": "Shipped", "EventBusName": "orders"])["RoleArn"] == nil)
            #expect(try await Self.tags(server, Self.ruleArn) == ["owner": "ops"])

            // A rule deleted and made again starts without the old tags.
            _ = try await Self.call(server, "DeleteRule", ["Name": "Shipped", "EventBusName": "orders"])
            #expect(try await Self.failure(server, "ListTagsForResource", ["ResourceARN": .string(Self.ruleArn)]) == "ResourceNotFoundException")
            _ = try await Self.call(server, "PutRule", ["Name": "Shipped", "EventBusName": "orders", "EventPattern": #"{"source":["shop"]}"#])
            #expect(try await Self.tags(server, Self.ruleArn) == [:])
        }
    }

    @Test func tagResourceMergesByKeyAndUntagResourceRemovesKeys() async throws {
        try await withPushBridgeServer { server in
            _ = try await Self.call(server, "CreateEventBus", Self.createBus)
            let answer = try await Self.call(
                server,
                "TagResource",
                ["ResourceARN": .string(Self.busArn), "Tags": [["Key": "env", "Value": "dev"], ["Key": "cost", "Value": "7"]]]
            )
            #expect(answer == [:])
            let listed = try await Self.call(server, "ListTagsForResource", ["ResourceARN": .string(Self.busArn)])
            #expect(
                listed["Tags"]
                    == [["Key": "team", "Value": "shop"], ["Key": "env", "Value": "dev"], ["Key": "cost", "Value": "7"]]
            )
            _ = try await Self.call(server, "UntagResource", ["ResourceARN": .string(Self.busArn), "TagKeys": ["team", "absent"]])
            #expect(try await Self.tags(server, Self.busArn) == ["env": "dev", "cost": "7"])

            // The default bus and a rule on it are tagged by their ARNs too.
            let defaultArn = "arn:aws:events:us-east-1:000000000000:event-bus/default"
            _ = try await Self.call(server, "TagResource", ["ResourceARN": .string(defaultArn), "Tags": [["Key": "k", "Value": "v"]]])
            #expect(try await Self.tags(server, defaultArn) == ["k": "v"])
            _ = try await Self.call(server, "PutRule", ["Name": "r", "EventPattern": #"{"source":["a"]}"#])
            let ruleArn = "arn:aws:events:us-east-1:000000000000:rule/r"
            _ = try await Self.call(server, "TagResource", ["ResourceARN": .string(ruleArn), "Tags": [["Key": "a", "Value": "b"]]])
            #expect(try await Self.tags(server, ruleArn) == ["a": "b"])
        }
    }

    @Test(arguments: [
        "arn:aws:events:us-east-1:000000000000:event-bus/absent", "arn:aws:events:us-east-1:000000000000:rule/orders/absent",
        "arn:aws:events:eu-west-1:000000000000:event-bus/orders", "arn:aws:events:us-east-1:111111111111:event-bus/orders",
        "arn:aws:sqs:us-east-1:000000000000:orders", "orders", "arn:aws:events:us-east-1:000000000000:event-bus/",
        "arn:aws:events:us-east-1:000000000000:rule/", "arn:aws:events:us-east-1:000000000000:rule/orders/",
    ])
    func anArnThatNamesNothingHereIsNotFound(_ arn: String) async throws {
        try await withPushBridgeServer { server in
            _ = try await Self.call(server, "CreateEventBus", ["Name": "orders"])
            let tags: JSONValue = [["Key": "k", "Value": "v"]]
            #expect(try await Self.failure(server, "ListTagsForResource", ["ResourceARN": .string(arn)]) == "ResourceNotFoundException")
            #expect(try await Self.failure(server, "TagResource", ["ResourceARN": .string(arn), "Tags": tags]) == "ResourceNotFoundException")
            #expect(try await Self.failure(server, "UntagResource", ["ResourceARN": .string(arn), "TagKeys": ["k"]]) == "ResourceNotFoundException")
        }
    }

    @Test func fiftyTagsAreTheLimitAndTheAwsPrefixIsReserved() async throws {
        try await withPushBridgeServer { server in
            _ = try await Self.call(server, "CreateEventBus", ["Name": "orders"])
            let fifty = JSONValue.array((1...50).map { ["Key": .string("k\($0)"), "Value": "v"] })
            _ = try await Self.call(server, "TagResource", ["ResourceARN": .string(Self.busArn), "Tags": fifty])
            // Replacing a value is no new tag; a 51st key is one too many, and nothing of the request is kept.
            _ = try await Self.call(server, "TagResource", ["ResourceARN": .string(Self.busArn), "Tags": [["Key": "k1", "Value": "w"]]])
            let more: JSONValue = ["ResourceARN": .string(Self.busArn), "Tags": [["Key": "k1", "Value": "x"], ["Key": "k51", "Value": "v"]]]
            #expect(try await Self.failure(server, "TagResource", more) == "LimitExceededException")
            let tags = try await Self.tags(server, Self.busArn)
            #expect(tags.count == 50 && tags["k1"] == "w")
            let reserved: JSONValue = ["ResourceARN": .string(Self.busArn), "Tags": [["Key": "aws:cloudformation:stack-name", "Value": "v"]]]
            #expect(try await Self.failure(server, "TagResource", reserved) == "ValidationException")
            let tooMany = JSONValue.array((1...51).map { ["Key": .string("k\($0)"), "Value": "v"] })
            #expect(try await Self.failure(server, "CreateEventBus", ["Name": "other", "Tags": tooMany]) == "LimitExceededException")
            #expect(server.runtime.router.bus(named: "other") == nil)
        }
    }

    @Test func aRequestWithTensOfThousandsOfTagsIsRefusedPromptly() async throws {
        try await withPushBridgeServer { server in
            _ = try await Self.call(server, "CreateEventBus", ["Name": "orders"])
            // Just under the body limit; the model bounds no tag list. Merging them by key must not be quadratic.
            let many = JSONValue.array((0..<30_000).map { ["Key": .string("k\($0)"), "Value": ""] })
            let started = ContinuousClock.now
            #expect(try await Self.failure(server, "TagResource", ["ResourceARN": .string(Self.busArn), "Tags": many]) == "LimitExceededException")
            #expect(try await Self.failure(server, "CreateEventBus", ["Name": "other", "Tags": many]) == "LimitExceededException")
            #expect(ContinuousClock.now - started < .seconds(20))
            #expect(try await Self.tags(server, Self.busArn) == [:])
        }
    }

    @Test func theRulesFileTakesTheSameMembers() async throws {
        let path = NSTemporaryDirectory() + "pushbridge-rules-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file: JSONValue = [
            "EventBuses": [Self.createBus],
            "Rules": [
                [
                    "Name": "Shipped", "EventBusName": "orders", "EventPattern": ["source": ["shop"]],
                    "RoleArn": "arn:aws:iam::000000000000:role/events", "Tags": [["Key": "owner", "Value": "ops"]],
                ]
            ],
        ]
        try file.jsonText.write(toFile: path, atomically: true, encoding: .utf8)
        let withRulesFile: (inout ServerConfiguration) -> Void = { $0.rulesFile = path }
        try await withPushBridgeServer(configure: withRulesFile) { server in
            #expect(try await Self.tags(server, Self.busArn) == ["team": "shop", "env": "prod"])
            #expect(try await Self.tags(server, Self.ruleArn) == ["owner": "ops"])
            #expect(try await Self.call(server, "DescribeEventBus", ["Name": "orders"])["KmsKeyIdentifier"] == "alias/orders")
            let rule = try await Self.call(server, "DescribeRule", ["Name": "Shipped", "EventBusName": "orders"])
            #expect(rule["RoleArn"] == "arn:aws:iam::000000000000:role/events")
        }
    }

    @Test func settingsTagsAndRoleArnSurviveARestart() async throws {
        try await DurabilityTests.withDataDirectory { directory in
            try await withPushBridgeServer(configure: DurabilityTests.durable(directory)) { server in
                _ = try await Self.call(server, "CreateEventBus", Self.createBus)
                _ = try await Self.call(server, "PutRule", Self.putRule)
                _ = try await Self.call(server, "UntagResource", ["ResourceARN": .string(Self.busArn), "TagKeys": ["env"]])
                _ = try await Self.call(
                    server,
                    "TagResource",
                    ["ResourceARN": "arn:aws:events:us-east-1:000000000000:event-bus/default", "Tags": [["Key": "k", "Value": "v"]]]
                )
                _ = try await Self.call(server, "UpdateEventBus", ["Name": "default", "Description": "the default one"])
            }
            try await withPushBridgeServer(configure: DurabilityTests.durable(directory)) { server in
                let bus = try await Self.call(server, "DescribeEventBus", ["Name": "orders"])
                #expect(bus["KmsKeyIdentifier"] == "alias/orders")
                #expect(bus["DeadLetterConfig"] == ["Arn": "arn:aws:sqs:us-east-1:000000000000:dlq"])
                #expect(bus["LogConfig"] == ["IncludeDetail": "FULL", "Level": "INFO"])
                #expect(try await Self.tags(server, Self.busArn) == ["team": "shop"])
                let rule = try await Self.call(server, "DescribeRule", ["Name": "Shipped", "EventBusName": "orders"])
                #expect(rule["RoleArn"] == "arn:aws:iam::000000000000:role/events")
                #expect(try await Self.tags(server, Self.ruleArn) == ["owner": "ops"])
                #expect(try await Self.tags(server, "arn:aws:events:us-east-1:000000000000:event-bus/default") == ["k": "v"])
                #expect(try await Self.call(server, "DescribeEventBus", [:])["Description"] == "the default one")
            }
        }
    }
}
