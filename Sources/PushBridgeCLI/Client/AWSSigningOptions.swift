import AWSSigV4
import ArgumentParser
import Foundation

/// Signature V4 for the commands that call PushBridge's AWS APIs (`put-events`, `post-to-connection`), needed by a
/// server started with `--aws-credentials-file`. The key pair comes from where the AWS CLI finds it, but only when
/// asked for: `--profile`, then `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, then `AWS_PROFILE`. Without any of
/// them requests go unsigned, so a real AWS default profile is never sent anywhere unasked.
struct AWSSigningOptions: ParsableArguments {
    @Option(
        help: """
            Sign with this profile of the AWS credentials file (a key pair of the server's --aws-credentials-file). \
            [env: AWS_PROFILE; keys also from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY]
            """
    )
    var profile: String?

    @Option(help: "Region to sign for: the server's --region. [env: AWS_REGION, AWS_DEFAULT_REGION] (default: us-east-1)")
    var region: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    var signingRegion: String {
        region ?? [environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"]].compactMap { $0 }.first { !$0.isEmpty } ?? "us-east-1"
    }

    /// The AWS CLI's file: `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
    var credentialsFilePath: String {
        if let path = environment["AWS_SHARED_CREDENTIALS_FILE"], !path.isEmpty { return path }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".aws/credentials").path
    }

    /// The key pair to sign with, or nil to send the request unsigned.
    func credentials() throws -> AWSCredentials? {
        if let profile { return try credentials(ofProfile: profile, flag: "--profile") }
        if let keys = AWSCredentials.fromEnvironment(environment) { return keys }
        if let profile = environment["AWS_PROFILE"], !profile.isEmpty { return try credentials(ofProfile: profile, flag: "AWS_PROFILE") }
        return nil
    }

    private func credentials(ofProfile name: String, flag: String) throws -> AWSCredentials {
        let path = credentialsFilePath
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CLIFailure(
                status: .failure,
                message: "\(flag) \(name): cannot read the AWS credentials file \(path).",
                hint: "Write the profile there (as `aws configure --profile \(name)` does) or point AWS_SHARED_CREDENTIALS_FILE at the file."
            )
        }
        let file: AWSCredentialsFile
        do {
            file = try AWSCredentialsFile.parse(text, path: path)
        } catch {
            throw CLIFailure(status: .failure, message: "The AWS credentials file is not valid: \(error.description)")
        }
        guard let profile = file.profiles.first(where: { $0.name == name }) else {
            throw CLIFailure(
                status: .failure,
                message: "\(flag) \(name): no such profile in \(path).",
                hint: "Its profiles: \(file.profiles.map(\.name).joined(separator: ", "))."
            )
        }
        return profile.credentials
    }

    /// `headers` with the signature headers added for a request to `url`; `headers` unchanged without credentials.
    /// - Parameter service: `events` for PutEvents, `execute-api` for `@connections`.
    func sign(
        method: String,
        url: String,
        headers: [(String, String)],
        body: [UInt8],
        service: String,
        now: Date = Date()
    ) throws -> [(String, String)] {
        guard let credentials = try credentials() else { return headers }
        guard let parsed = URL(string: url) else { throw CLIFailure(status: .failure, message: "Cannot sign a request to \(url): not a URL.") }
        let request = SigningRequest(method: method, url: parsed, headers: headers.map { (name: $0.0, value: $0.1) }, body: body)
        let signed = SigV4Signer(credentials: credentials, region: signingRegion, service: service).sign(request, date: now)
        return signed.allHeaders.map { ($0.name, $0.value) }
    }

    /// The Events API's answers to a missing or wrong signature.
    static let signatureErrorCodes: Set<String> = [
        "MissingAuthenticationTokenException", "UnrecognizedClientException", "InvalidSignatureException",
        "IncompleteSignatureException",
    ]

    /// What to tell a user whose signature the server refused.
    static let refusedSignatureHint =
        "The server checks Signature V4: pass --profile NAME (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) with a key pair of its --aws-credentials-file, and --region if it runs with --region."
}
