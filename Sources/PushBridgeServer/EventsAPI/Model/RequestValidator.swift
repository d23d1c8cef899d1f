import PushBridgeCore
import PushBridgeJSON

/// Checks a request body against its operation's input shape in the order AWS's JSON services do: a member of
/// the wrong JSON type stops the request with `SerializationException`; then every constraint (required, length,
/// pattern, enum, range) at every depth is checked and all violations are reported in one `ValidationException`,
/// in AWS's words ("2 validation errors detected: Value 'x' at 'targets.1.member.id' failed to satisfy
/// constraint: …; …"). Existence (`ResourceNotFoundException`) is the operations' business, afterwards.
///
/// Written by hand: no Swift library validates JSON against a Smithy/botocore model, and the messages must be AWS's.
struct RequestValidator: Sendable {
    private let inputs: [String: ResolvedShape]

    init(model: ServiceModel) {
        inputs = ResolvedShape.inputs(of: model)
    }

    func validate(_ body: JSONValue, operation: String) throws(AWSServiceError) {
        guard let input = inputs[operation] else { return }
        var violations: [String] = []
        var path: [PathComponent] = []
        try check(body, shape: input, path: &path, violations: &violations)
        guard !violations.isEmpty else { return }
        let plural = violations.count == 1 ? "" : "s"
        throw .validation("\(violations.count) validation error\(plural) detected: " + violations.joined(separator: "; "))
    }

    /// A step of the path to a member, printed only for a violation (`targets.1.member.id`): PutEvents passes every
    /// request through here, and printing the path of each member it visits cost every request.
    private enum PathComponent {
        case member(String)
        case element(Int)
    }

    private static func text(_ path: [PathComponent]) -> String {
        var text = ""
        for component in path {
            switch component {
            case .member(let name): text += text.isEmpty ? lowerFirst(name) : "." + lowerFirst(name)
            case .element(let index): text += ".\(index + 1).member"
            }
        }
        return text
    }

    private func check(_ value: JSONValue, shape: ResolvedShape, path: inout [PathComponent], violations: inout [String]) throws(AWSServiceError) {
        if case .null = value { return }
        switch shape.kind {
        case .unchecked: return
        case .structure(let members):
            guard case .object(let object) = value else { throw typeMismatch(value, expected: shape) }
            for member in members {
                path.append(.member(member.name))
                defer { path.removeLast() }
                guard let memberValue = object[member.name], !memberValue.isNull else {
                    if member.required {
                        violations.append("Value null at '\(Self.text(path))' failed to satisfy constraint: Member must not be null")
                    }
                    continue
                }
                try check(memberValue, shape: member.shape, path: &path, violations: &violations)
            }
        case .list(let member, let length, let sensitive):
            guard case .array(let elements) = value else { throw typeMismatch(value, expected: shape) }
            let lengthViolations = Self.lengthViolations(elements.count, length)
            if !lengthViolations.isEmpty {
                // Printed only for a violation: PutEvents passes here with every request.
                let rendered = sensitive ? nil : render(list: elements, member: member)
                for constraint in lengthViolations { violations.append(Self.violation(rendered, path, constraint)) }
            }
            for (index, element) in elements.enumerated() {
                path.append(.element(index))
                defer { path.removeLast() }
                try check(element, shape: member, path: &path, violations: &violations)
            }
        case .map(let key, let valueShape, let length):
            guard case .object(let object) = value else { throw typeMismatch(value, expected: shape) }
            var keysFail = false
            var valuesFail = false
            for (memberKey, memberValue) in object {
                keysFail = keysFail || !stringViolations(memberKey, shape: key).isEmpty
                guard case .string(let text) = memberValue else {
                    if memberValue.isNull { continue }
                    throw typeMismatch(memberValue, expected: valueShape)
                }
                valuesFail = valuesFail || !stringViolations(text, shape: valueShape).isEmpty
            }
            var constraints = Self.lengthViolations(object.count, length)
            if keysFail { constraints.append("Map keys must satisfy constraint: [\(allConstraints(of: key))]") }
            if valuesFail { constraints.append("Map value must satisfy constraint: [\(allConstraints(of: valueShape))]") }
            if !constraints.isEmpty {
                let rendered = render(map: object)
                for constraint in constraints { violations.append(Self.violation(rendered, path, constraint)) }
            }
        case .string(let rules):
            guard case .string(let text) = value else { throw typeMismatch(value, expected: shape) }
            for constraint in stringViolations(text, shape: shape) {
                violations.append(Self.violation(rules.sensitive ? nil : text, path, constraint))
            }
        case .integer(let range):
            guard case .number(let number) = value else { throw typeMismatch(value, expected: shape) }
            guard let integer = number.int64, let int32 = Int32(exactly: integer) else {
                throw .serialization("NUMBER_VALUE \(number) can not be converted to an Integer")
            }
            let integerValue = Int(int32)
            if let min = range.min, integerValue < min {
                violations.append(Self.violation("\(integerValue)", path, "Member must have value greater than or equal to \(min)"))
            }
            if let max = range.max, integerValue > max {
                violations.append(Self.violation("\(integerValue)", path, "Member must have value less than or equal to \(max)"))
            }
        case .boolean:
            guard case .bool = value else { throw typeMismatch(value, expected: shape) }
        case .timestamp:
            switch value {
            case .number, .string: break
            default: throw typeMismatch(value, expected: shape)
            }
        }
    }

    /// The constraints a string breaks, in AWS's order: enum, pattern, then length.
    private func stringViolations(_ text: String, shape: ResolvedShape) -> [String] {
        guard case .string(let rules) = shape.kind else { return [] }
        var constraints: [String] = []
        if let enumSet = rules.enumSet, let enumValues = rules.enumValues, !enumSet.contains(text) {
            constraints.append("Member must satisfy enum value set: [\(enumValues.joined(separator: ", "))]")
        }
        // A pattern LinearPattern cannot read matches everything (a test keeps the model free of them).
        if let pattern = rules.pattern, let compiled = rules.compiledPattern, !compiled.wholeMatch(text) {
            constraints.append("Member must satisfy regular expression pattern: \(pattern)")
        }
        // AWS counts a string's length in UTF-16 code units, as Java does.
        constraints += Self.lengthViolations(text.utf16.count, rules.length)
        return constraints
    }

    /// Every constraint of a string shape, as a map's key or value constraint lists them.
    private func allConstraints(of shape: ResolvedShape) -> String {
        guard case .string(let rules) = shape.kind else { return "" }
        var constraints: [String] = []
        if let max = rules.length.max { constraints.append("Member must have length less than or equal to \(max)") }
        if let min = rules.length.min { constraints.append("Member must have length greater than or equal to \(min)") }
        if let pattern = rules.pattern { constraints.append("Member must satisfy regular expression pattern: \(pattern)") }
        if let enumValues = rules.enumValues { constraints.append("Member must satisfy enum value set: [\(enumValues.joined(separator: ", "))]") }
        return constraints.joined(separator: ", ")
    }

    private static func lengthViolations(_ count: Int, _ length: ServiceModel.Bounds) -> [String] {
        if let min = length.min, count < min { return ["Member must have length greater than or equal to \(min)"] }
        if let max = length.max, count > max { return ["Member must have length less than or equal to \(max)"] }
        return []
    }

    private static func violation(_ rendered: String?, _ path: [PathComponent], _ constraint: String) -> String {
        let value = rendered.map { "'\($0)'" }.map { "Value \($0) at" } ?? "Value at"
        return "\(value) '\(text(path))' failed to satisfy constraint: \(constraint)"
    }

    /// A list as AWS prints it: strings and numbers as themselves, a list of structures as `[ShapeName]`.
    private func render(list elements: [JSONValue], member: ResolvedShape) -> String {
        if case .structure = member.kind, !elements.isEmpty { return "[\(member.name)]" }
        return "[" + elements.map(Self.render(scalar:)).joined(separator: ", ") + "]"
    }

    private func render(map object: JSONObject) -> String {
        "{" + object.map { "\($0.key)=\(Self.render(scalar: $0.value))" }.joined(separator: ", ") + "}"
    }

    private static func render(scalar value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .number(let number): return number.description
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array, .object: return value.jsonText
        }
    }

    /// AWS's JSON deserializer names the token it found and the type it wanted (a Java type for scalars).
    private func typeMismatch(_ value: JSONValue, expected expectedShape: ResolvedShape) -> AWSServiceError {
        let shape: String
        switch expectedShape.kind {
        case .string: shape = "String"
        case .integer: shape = "Integer"
        case .boolean: shape = "Boolean"
        case .timestamp: shape = "Date"
        default: shape = expectedShape.name
        }
        switch value {
        case .object: return .serialization("Start of structure or map found where not expected.")
        case .array: return .serialization("Start of list found where not expected")
        case .string: return .serialization("STRING_VALUE can not be converted to \(shape)")
        case .number: return .serialization("NUMBER_VALUE can not be converted to \(shape)")
        case .bool(let flag): return .serialization("\(flag ? "TRUE" : "FALSE")_VALUE can not be converted to \(shape)")
        case .null: return .serialization("NULL_VALUE can not be converted to \(shape)")
        }
    }

    private static func lowerFirst(_ name: String) -> String { name.prefix(1).lowercased() + name.dropFirst() }
}
