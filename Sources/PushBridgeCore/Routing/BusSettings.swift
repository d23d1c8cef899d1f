/// What an event bus keeps besides its name and description that PushBridge has no use for (it neither encrypts
/// with KMS nor writes AWS's logs, and dead letters go to its own DLQ): kept and returned as given, so that
/// infrastructure tools that set them see them again.
public struct BusSettings: Sendable, Equatable {
    public var kmsKeyIdentifier: String?
    /// `DeadLetterConfig.Arn`; a `DeadLetterConfig` without an ARN is kept as none.
    public var deadLetterArn: String?
    public var logConfig: LogConfig?

    /// `LogConfig`: values of AWS's enums, checked against its model before they reach here.
    public struct LogConfig: Sendable, Equatable {
        public var includeDetail: String?
        public var level: String?

        public init(includeDetail: String?, level: String?) {
            self.includeDetail = includeDetail
            self.level = level
        }
    }

    public init(kmsKeyIdentifier: String? = nil, deadLetterArn: String? = nil, logConfig: LogConfig? = nil) {
        self.kmsKeyIdentifier = kmsKeyIdentifier
        self.deadLetterArn = deadLetterArn
        self.logConfig = logConfig
    }
}
