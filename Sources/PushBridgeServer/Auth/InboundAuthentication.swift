import AWSSigV4
import Foundation
import Logging
import NIOCore
import PushBridgeCore

/// Who may call the Events API, `@connections` and `POST /events`, once `--aws-credentials-file` or
/// `--ingest-tokens-file` is given (without either, nothing is checked and this does not exist).
///
/// The AWS APIs take Signature V4 from the credentials file's key pairs (service `events`, and `execute-api` for
/// `@connections`, both scoped to the server's region); `POST /events` takes a bearer token from the tokens file, or
/// SigV4 as `events`. A request is checked in two steps so that its body is read once: its head first, then, once
/// the body is in, the payload hash and the signature.
struct InboundAuthentication: Sendable {
    /// The APIs behind authentication, for their signing names and for logs.
    enum API: String, Sendable {
        case events
        case ingest
        case connections
    }

    /// What the check of a request's head decided.
    enum HeadCheck: Sendable {
        /// Carries an accepted bearer token (`nil`), or a signature that now needs the body to be finished.
        case proceed(PendingSignature?)
        case refused(Refusal)
    }

    enum Refusal: Sendable, Equatable {
        case signature(SigV4Failure)
        case missingBearerToken
        case unknownBearerToken
    }

    struct LoadError: Error, CustomStringConvertible {
        let description: String
    }

    let credentials: AWSCredentialsFile?
    let ingestTokens: IngestTokens?
    private let eventsVerifier: SigV4Verifier
    private let connectionsVerifier: SigV4Verifier
    private let clock: @Sendable () -> Date
    private let logger: Logger

    /// - Parameter clock: the time signatures are checked against (tests move it).
    init(
        credentials: AWSCredentialsFile?,
        ingestTokens: IngestTokens?,
        region: String,
        logger: Logger,
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.credentials = credentials
        self.ingestTokens = ingestTokens
        let keys = credentials?.credentials ?? []
        eventsVerifier = SigV4Verifier(credentials: keys, policy: .init(region: region, service: "events"))
        connectionsVerifier = SigV4Verifier(credentials: keys, policy: .init(region: region, service: "execute-api"))
        self.clock = clock
        self.logger = logger
    }

    /// Reads the files the configuration names; nil when it names none. A file that cannot be read or parsed stops
    /// the start with its path, the line and the reason (never a secret).
    static func load(_ configuration: ServerConfiguration, logger: Logger) throws(LoadError) -> InboundAuthentication? {
        guard configuration.awsCredentialsFile != nil || configuration.ingestTokensFile != nil else { return nil }
        var credentials: AWSCredentialsFile?
        if let path = configuration.awsCredentialsFile {
            let text = try readPrivateFile(path, flag: "--aws-credentials-file", logger: logger)
            do {
                credentials = try AWSCredentialsFile.parse(text, path: path)
            } catch {
                throw LoadError(description: "--aws-credentials-file \(error.description)")
            }
        }
        var tokens: IngestTokens?
        if let path = configuration.ingestTokensFile {
            tokens = try IngestTokens.parse(try readPrivateFile(path, flag: "--ingest-tokens-file", logger: logger), path: path)
        }
        logger.info(
            "Inbound authentication on: unsigned requests to the Events API, @connections and POST /events are refused",
            metadata: [
                "pb.awsProfiles": "\(credentials?.profiles.map(\.name).joined(separator: ",") ?? "none")",
                "pb.ingestTokens": "\(tokens?.count ?? 0)",
                "pb.region": "\(configuration.account.region)",
            ]
        )
        return InboundAuthentication(credentials: credentials, ingestTokens: tokens, region: configuration.account.region, logger: logger)
    }

    private static func readPrivateFile(_ path: String, flag: String, logger: Logger) throws(LoadError) -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw LoadError(description: "\(flag) \(path): cannot read the file as UTF-8 text (does it exist, and may this user read it?)")
        }
        if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
            logger.warning("\(flag) holds secrets but other users may read it; chmod 600 it", metadata: ["pb.path": "\(path)"])
        }
        return text
    }

    // MARK: - Checking requests

    /// The Events API (`POST /`, service `events`) and `@connections` (service `execute-api`): SigV4 only.
    func checkSignedHead(_ head: InboundRequestHead, api: API) -> HeadCheck {
        let verifier = api == .connections ? connectionsVerifier : eventsVerifier
        switch verifier.check(head, now: clock()) {
        case .success(let pending):
            return .proceed(pending)
        case .failure(let failure):
            log(failure, api: api)
            return .refused(.signature(failure))
        }
    }

    /// `POST /events`: a bearer token of the tokens file, or SigV4 as the Events API. Without a tokens file it
    /// takes SigV4 only.
    func checkIngestHead(_ head: InboundRequestHead) -> HeadCheck {
        checkIngest(head).check
    }

    /// ``checkIngestHead(_:)``, and which token of the tokens file an accepted bearer token is (its place among them).
    func checkIngest(_ head: InboundRequestHead) -> (check: HeadCheck, tokenIndex: Int?) {
        guard let ingestTokens else { return (checkSignedHead(head, api: .ingest), nil) }
        let authorizations = head.headers.filter { $0.name.lowercased() == "authorization" }.map(\.value)
        guard let authorization = authorizations.first else {
            if head.query.contains("X-Amz-Algorithm") { return (checkSignedHead(head, api: .ingest), nil) }
            logger.debug("Request refused: no bearer token", metadata: ["pb.api": "\(API.ingest.rawValue)"])
            return (.refused(.missingBearerToken), nil)
        }
        let scheme = authorization.prefix { $0 != " " }.lowercased()
        guard scheme == "bearer" else {
            if authorization.hasPrefix("AWS4-") { return (checkSignedHead(head, api: .ingest), nil) }
            logger.debug("Request refused: no bearer token", metadata: ["pb.api": "\(API.ingest.rawValue)"])
            return (.refused(.missingBearerToken), nil)
        }
        let token = authorization.dropFirst(scheme.count).trimmingCharacters(in: .whitespaces)
        guard authorizations.count == 1, let index = ingestTokens.match(token) else {
            logger.notice("Request refused: unknown bearer token", metadata: ["pb.api": "\(API.ingest.rawValue)"])
            return (.refused(.unknownBearerToken), nil)
        }
        return (.proceed(nil), index)
    }

    /// The second step, once the whole body is read: its hash, then the signature.
    func finish(_ pending: PendingSignature, body: ByteBuffer, api: API) -> SigV4Failure? {
        let result = pending.verify { body.withUnsafeReadableBytes { SigV4Verifier.payloadSHA256($0) } }
        guard case .failure(let failure) = result else { return nil }
        log(failure, api: api, accessKeyId: pending.accessKeyId)
        return failure
    }

    /// Signature failures are logged with the reason AWS's message gives, which is all a client's developer needs
    /// (and names no secret); a request without any authentication only at debug level, as scanners send many.
    private func log(_ failure: SigV4Failure, api: API, accessKeyId: String? = nil) {
        var metadata: Logger.Metadata = ["pb.api": "\(api.rawValue)", "pb.code": "\(failure.code)", "pb.reason": "\(failure.message)"]
        if let accessKeyId {
            metadata["pb.accessKeyId"] = "\(accessKeyId)"
            if let profile = credentials?.profile(forAccessKeyId: accessKeyId) { metadata["pb.profile"] = "\(profile.name)" }
        }
        let level: Logger.Level = failure.kind == .missingAuthenticationToken ? .debug : .notice
        logger.log(level: level, "Request refused: signature", metadata: metadata)
    }
}
