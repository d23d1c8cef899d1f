import PushBridgeJSON

/// A tag on an event bus or a rule. PushBridge has no use for tags; it keeps them so that infrastructure tools
/// that set them read back what they wrote.
public struct ResourceTag: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// AWS's quota of tags per resource.
    public static let maximumPerResource = 50

    /// `tags` with `added` merged in: a new key is appended, an existing key takes the new value in its place
    /// (AWS's TagResource). A key repeated in `added` keeps its last value. Linear: the model bounds no tag list,
    /// so a request may carry tens of thousands before the quota refuses them.
    public static func merging(_ tags: [ResourceTag], with added: [ResourceTag]) -> [ResourceTag] {
        var merged = tags
        var index = Dictionary(merged.enumerated().map { ($0.element.key, $0.offset) }, uniquingKeysWith: { _, last in last })
        for tag in added {
            if let position = index[tag.key] {
                merged[position].value = tag.value
            } else {
                index[tag.key] = merged.count
                merged.append(tag)
            }
        }
        return merged
    }

    /// The tags as a store keeps them: `[{"Key":…,"Value":…}]`, nil when there are none.
    public static func storedJSON(_ tags: [ResourceTag]) -> String? {
        guard !tags.isEmpty else { return nil }
        return JSONValue.array(tags.map { ["Key": .string($0.key), "Value": .string($0.value)] }).jsonText
    }

    /// Reads ``storedJSON(_:)``; nil when the text is not what it writes (a store reports such a row).
    public static func fromStoredJSON(_ text: String?) -> [ResourceTag]? {
        guard let text else { return [] }
        guard let elements = (try? JSONParser.parse(text))?.arrayValue else { return nil }
        var tags: [ResourceTag] = []
        for element in elements {
            guard let key = element["Key"]?.stringValue, let value = element["Value"]?.stringValue else { return nil }
            tags.append(ResourceTag(key: key, value: value))
        }
        return tags
    }
}
