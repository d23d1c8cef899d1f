import PushBridgeJSON

extension TargetDefinition {
    /// Decodes one element of PutTargets' `Targets` (or of a configuration file's `Targets`), with AWS's checks.
    public init(json: JSONValue, retryDefaults: RetryPolicy = .default) throws(AWSServiceError) {
        guard case .object(let object) = json else { throw .validation("Each target must be an object.") }
        guard case .string(let id) = object["Id"] ?? .null, (1...64).contains(id.count), id.allSatisfy(Self.isIdCharacter) else {
            throw .validation(
                "1 validation error detected: Value at 'targets.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 64"
            )
        }
        guard case .string(let arn) = object["Arn"] ?? .null, !arn.isEmpty else {
            throw .validation("1 validation error detected: Value null at 'targets.member.arn' failed to satisfy constraint: Member must not be null")
        }
        let input = try Self.decodeInput(object, targetId: id)
        var retryPolicy = retryDefaults
        if case .object(let policy) = object["RetryPolicy"] ?? .null {
            if let attempts = policy["MaximumRetryAttempts"] {
                guard case .number(let number) = attempts, let value = number.int64, RetryPolicy.retryAttemptsRange.contains(Int(value)) else {
                    throw .validation("RetryPolicy.MaximumRetryAttempts must be between 0 and 185.")
                }
                retryPolicy.maximumRetryAttempts = Int(value)
            }
            if let age = policy["MaximumEventAgeInSeconds"] {
                guard case .number(let number) = age, let value = number.int64, RetryPolicy.eventAgeRange.contains(Int(value)) else {
                    throw .validation("RetryPolicy.MaximumEventAgeInSeconds must be between 60 and 86400.")
                }
                retryPolicy.maximumEventAgeSeconds = Int(value)
            }
        }
        var deadLetterArn: String?
        if case .object(let deadLetter) = object["DeadLetterConfig"] ?? .null { deadLetterArn = deadLetter["Arn"]?.stringValue }
        var pathParameterValues: [String] = []
        if case .object(let http) = object["HttpParameters"] ?? .null, case .array(let values) = http["PathParameterValues"] ?? .null {
            for value in values {
                guard case .string(let text) = value, !Self.isJSONPath(text) || (try? JSONPath(text)) != nil else {
                    throw .validation(
                        "Target \(id): HttpParameters.PathParameterValues must be JSON paths such as $.detail.entityId or literal values."
                    )
                }
                pathParameterValues.append(text)
            }
        }
        var headerParameters: [(String, String)] = []
        var webhookSecret: String?
        var definition = object
        if case .object(var http) = object["HttpParameters"] ?? .null, case .object(var headers) = http["HeaderParameters"] ?? .null {
            for (name, value) in headers {
                guard case .string(let text) = value else {
                    throw .validation("Target \(id): HttpParameters.HeaderParameters values must be strings.")
                }
                // These become lines of an outbound request: a CR/LF or a bad name would let a rule forge headers.
                guard (1...512).contains(name.utf8.count), name.utf8.allSatisfy(Self.isHeaderNameByte) else {
                    throw .validation(
                        "Target \(id): HttpParameters.HeaderParameters name '\(name)' must be 1 to 512 characters of an HTTP token (letters, digits and !#$%&'*+-.^_`|~)."
                    )
                }
                guard text.utf8.count <= 512, text.utf8.allSatisfy(Self.isHeaderValueByte) else {
                    throw .validation(
                        "Target \(id): HttpParameters.HeaderParameters value of '\(name)' must be at most 512 printable ASCII characters (no CR, LF or other control characters)."
                    )
                }
                if name.lowercased() == Self.webhookSecretParameter {
                    webhookSecret = text
                } else {
                    headerParameters.append((name, text))
                }
            }
            headers = JSONObject(headers.filter { $0.key.lowercased() != Self.webhookSecretParameter }.map { ($0.key, $0.value) })
            http["HeaderParameters"] = headers.isEmpty ? nil : .object(headers)
            definition["HttpParameters"] = http.isEmpty ? nil : .object(http)
        }
        self.init(
            id: id,
            arn: arn,
            input: input,
            retryPolicy: retryPolicy,
            deadLetterArn: deadLetterArn,
            pathParameterValues: pathParameterValues,
            definition: definition
        )
        self.headerParameters = headerParameters
        self.webhookSecret = webhookSecret
    }

    /// RFC 9110's `tchar`.
    static func isHeaderNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Printable ASCII and tab, as AWS's HeaderValue pattern allows.
    static func isHeaderValueByte(_ byte: UInt8) -> Bool { byte == 0x09 || (0x20...0x7E).contains(byte) }

    private static func isIdCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "." || character == "-" || character == "_")
    }

    private static func decodeInput(_ object: JSONObject, targetId: String) throws(AWSServiceError) -> TargetInput {
        let given = ["Input", "InputPath", "InputTransformer"].filter { !(object[$0]?.isNull ?? true) }
        guard given.count <= 1 else {
            throw .validation("Target \(targetId): only one of Input, InputPath and InputTransformer may be set.")
        }
        if case .string(let text) = object["Input"] ?? .null {
            guard text.utf8.count <= 8192, (try? JSONParser.parse(text)) != nil else {
                throw .validation("Target \(targetId): Input must be valid JSON text of at most 8192 characters.")
            }
            return .constant(text)
        }
        if case .string(let text) = object["InputPath"] ?? .null {
            guard text.count <= 256, let path = try? JSONPath(text) else {
                throw .validation("Target \(targetId): InputPath \(text) is not a valid JSON path.")
            }
            return .path(path)
        }
        if case .object(let transformer) = object["InputTransformer"] ?? .null {
            guard case .string(let template) = transformer["InputTemplate"] ?? .null, !template.isEmpty, template.utf8.count <= 8192 else {
                throw .validation("Target \(targetId): InputTransformer.InputTemplate is required (1 to 8192 characters).")
            }
            var paths: [String: String] = [:]
            if case .object(let map) = transformer["InputPathsMap"] ?? .null {
                for (name, value) in map {
                    guard case .string(let path) = value else { throw .validation("Target \(targetId): InputPathsMap values must be JSON paths.") }
                    paths[name] = path
                }
            }
            do {
                return .transformer(try InputTransformer(inputPathsMap: paths, inputTemplate: template))
            } catch {
                throw .validation("Target \(targetId): \(error.message)")
            }
        }
        return .wholeEvent
    }
}

extension TargetDefinition {
    /// The target as PutTargets received it, the webhook secret included: what an ``EventStore`` keeps, so
    /// ``init(json:retryDefaults:)`` makes the same target again after a restart.
    public var storedJSON: String {
        var object = definition
        if let webhookSecret {
            var http = object["HttpParameters"]?.objectValue ?? JSONObject()
            var headers = http["HeaderParameters"]?.objectValue ?? JSONObject()
            headers[Self.webhookSecretParameter] = .string(webhookSecret)
            http["HeaderParameters"] = .object(headers)
            object["HttpParameters"] = .object(http)
        }
        return JSONValue.object(object).jsonText
    }
}
