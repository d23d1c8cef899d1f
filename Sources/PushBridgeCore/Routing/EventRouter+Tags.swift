import Synchronization

/// TagResource, UntagResource and ListTagsForResource: tags of event buses and rules, named by their ARNs.
/// A tag change is recorded as the whole bus or rule (``StoreChange/putBus(_:)``, ``StoreChange/putRule(_:)``),
/// so stores and other nodes see it the way they see any other change of it.
extension EventRouter {
    /// A taggable resource: a bus, or a rule of a bus.
    enum TaggedResource {
        case bus(String)
        case rule(String, bus: String)
    }

    /// The tags of the bus or rule `arn` names, in the order they were added.
    public func tags(of arn: String) throws(AWSServiceError) -> [ResourceTag] {
        let resource = try resource(arn)
        return try buses.withLock { (buses) throws(AWSServiceError) -> [ResourceTag] in
            switch resource {
            case .bus(let name):
                guard let bus = buses[name] else { throw Self.unknownResource(arn) }
                return bus.tags
            case .rule(let name, let busName):
                guard let rule = buses[busName]?.rules[name] else { throw Self.unknownResource(arn) }
                return rule.tags
            }
        }
    }

    /// TagResource: new keys are appended, existing keys take the new value.
    public func tagResource(_ arn: String, tags added: [ResourceTag]) throws(AWSServiceError) {
        try changeTags(of: arn) { (tags) throws(AWSServiceError) in tags = try Self.checkedTags(ResourceTag.merging(tags, with: added)) }
    }

    /// UntagResource: keys the resource lacks are no error.
    public func untagResource(_ arn: String, keys: [String]) throws(AWSServiceError) {
        let keys = Set(keys)
        try changeTags(of: arn) { tags in tags.removeAll { keys.contains($0.key) } }
    }

    private func changeTags(
        of arn: String,
        _ change: (inout [ResourceTag]) throws(AWSServiceError) -> Void
    ) throws(AWSServiceError) {
        let resource = try resource(arn)
        try buses.withLock { (buses) throws(AWSServiceError) in
            switch resource {
            case .bus(let name):
                guard var bus = buses[name] else { throw Self.unknownResource(arn) }
                try change(&bus.tags)
                buses[name]?.tags = bus.tags
                record(.putBus(StoredBus(bus)))
            case .rule(let name, let busName):
                guard var rule = buses[busName]?.rules[name] else { throw Self.unknownResource(arn) }
                try change(&rule.tags)
                buses[busName]?.rules[name]?.tags = rule.tags
                record(.putRule(StoredRule(rule)))
            }
        }
    }

    /// Reads an ARN of this account and region: `…:event-bus/NAME` (a bus name may hold `/`), `…:rule/NAME` on
    /// the default bus or `…:rule/BUS/NAME` (a rule name never holds `/`). Anything else names nothing here.
    func resource(_ arn: String) throws(AWSServiceError) -> TaggedResource {
        let prefix = "arn:aws:events:\(account.region):\(account.accountId):"
        guard arn.hasPrefix(prefix) else { throw Self.unknownResource(arn) }
        let rest = arn.dropFirst(prefix.count)
        if rest.hasPrefix("event-bus/") {
            let name = rest.dropFirst("event-bus/".count)
            guard !name.isEmpty else { throw Self.unknownResource(arn) }
            return .bus(String(name))
        }
        guard rest.hasPrefix("rule/") else { throw Self.unknownResource(arn) }
        let path = rest.dropFirst("rule/".count)
        guard let slash = path.lastIndex(of: "/") else {
            guard !path.isEmpty else { throw Self.unknownResource(arn) }
            return .rule(String(path), bus: AccountContext.defaultBusName)
        }
        let bus = path[..<slash]
        let name = path[path.index(after: slash)...]
        guard !bus.isEmpty, !name.isEmpty else { throw Self.unknownResource(arn) }
        return .rule(String(name), bus: String(bus))
    }

    /// AWS's limits on a resource's tags beyond the model's lengths: at most 50, and no key in the `aws:` space
    /// AWS keeps for itself.
    static func checkedTags(_ tags: [ResourceTag]) throws(AWSServiceError) -> [ResourceTag] {
        if let reserved = tags.first(where: { $0.key.lowercased().hasPrefix("aws:") }) {
            throw .validation("Invalid tag key \(reserved.key): the aws: prefix is reserved for AWS's use.")
        }
        guard tags.count <= ResourceTag.maximumPerResource else {
            throw .limitExceeded(
                "The requested resource exceeds the maximum number allowed: a resource can have at most \(ResourceTag.maximumPerResource) tags."
            )
        }
        return tags
    }

    private static func unknownResource(_ arn: String) -> AWSServiceError {
        .resourceNotFound("Resource \(arn) does not exist.")
    }
}
