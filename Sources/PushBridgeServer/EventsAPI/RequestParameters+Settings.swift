import PushBridgeCore
import PushBridgeJSON

/// The members of buses and rules that PushBridge keeps without using: tags, KMS key, dead-letter and log
/// settings. Their lengths and enums were checked against AWS's model before an operation reads them.
extension RequestParameters {
    func nested(_ key: String) throws(AWSServiceError) -> RequestParameters? {
        switch object[key] {
        case .none, .null: return nil
        case .some(let value): return try RequestParameters(value)
        }
    }

    /// A `TagList` (`[{"Key":…,"Value":…}]`) in the order given; empty when absent.
    func tags(_ key: String = "Tags") throws(AWSServiceError) -> [ResourceTag] {
        var tags: [ResourceTag] = []
        for element in try array(key) ?? [] {
            let tag = try RequestParameters(element)
            tags.append(ResourceTag(key: try tag.required("Key"), value: try tag.required("Value")))
        }
        return tags
    }

    /// A list of strings (`TagKeys`); empty when absent.
    func strings(_ key: String) throws(AWSServiceError) -> [String] {
        try (array(key) ?? []).map { (element) throws(AWSServiceError) -> String in
            guard let value = element.stringValue else { throw .serialization("\(key) must be a list of strings.") }
            return value
        }
    }

    /// `KmsKeyIdentifier`, `DeadLetterConfig` and `LogConfig` of CreateEventBus and UpdateEventBus.
    func busSettings() throws(AWSServiceError) -> BusSettings {
        let logConfig = try nested("LogConfig")
        let includeDetail = try logConfig?.string("IncludeDetail")
        let level = try logConfig?.string("Level")
        return BusSettings(
            kmsKeyIdentifier: try string("KmsKeyIdentifier"),
            deadLetterArn: try nested("DeadLetterConfig")?.string("Arn"),
            logConfig: includeDetail == nil && level == nil ? nil : BusSettings.LogConfig(includeDetail: includeDetail, level: level)
        )
    }
}

extension BusSettings {
    /// The members AWS's responses name `KmsKeyIdentifier`, `DeadLetterConfig` and `LogConfig`, those set only.
    func add(to object: inout JSONObject) {
        if let kmsKeyIdentifier { object["KmsKeyIdentifier"] = .string(kmsKeyIdentifier) }
        if let deadLetterArn { object["DeadLetterConfig"] = ["Arn": .string(deadLetterArn)] }
        if let logConfig {
            var log = JSONObject()
            if let includeDetail = logConfig.includeDetail { log["IncludeDetail"] = .string(includeDetail) }
            if let level = logConfig.level { log["Level"] = .string(level) }
            object["LogConfig"] = .object(log)
        }
    }
}

extension ResourceTag {
    static func json(_ tags: [ResourceTag]) -> JSONValue {
        .array(tags.map { ["Key": .string($0.key), "Value": .string($0.value)] })
    }
}
