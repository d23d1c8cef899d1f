import AWSSigV4
import Foundation

/// Finds and loads AWS's official SigV4 test suite (aws-c-auth `tests/aws-signing-test-suite/v4`).
///
/// The suite lives outside the repository, in `<repo>/../shared/vectors/sigv4`, located from this file's path so
/// the tests work from any working directory; `PUSHBRIDGE_SIGV4_VECTORS` overrides it (e.g. on CI).
enum VectorSuite {
    static let environmentKey = "PUSHBRIDGE_SIGV4_VECTORS"

    static var directory: URL {
        if let override = ProcessInfo.processInfo.environment[environmentKey], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        // Tests/AWSSigV4Tests/VectorSuite.swift → <repo>; symlinks resolved so a scratch package pointing here works too.
        let repo = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared/vectors/sigv4", isDirectory: true)
    }

    /// Whether the suite's folder exists. A fresh clone has no `../shared`, so the suite's tests are skipped rather
    /// than failed without it; `Vectors/botocore.json` keeps the signer covered meanwhile.
    static var isPresent: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The one line the skipped suite shows in `swift test` output: what is missing and how to provide it.
    static var skipMessage: String {
        "AWS SigV4 test suite not found at \(directory.path) (put aws-c-auth's tests/aws-signing-test-suite/v4 there "
            + "or set \(environmentKey) to its folder); skipped"
    }

    /// Every case directory (one holding a `context.json`), sorted.
    static func caseNames() throws -> [String] {
        let root = directory
        return try FileManager.default.contentsOfDirectory(atPath: root.path).filter {
            FileManager.default.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent("context.json").path)
        }
        .sorted()
    }

    /// Test arguments: the case names; none when the suite is missing (its tests are skipped then).
    static let arguments: [String] = (try? caseNames()) ?? []

    static func load(_ name: String) throws -> VectorCase {
        try VectorCase(directory: directory.appendingPathComponent(name, isDirectory: true))
    }
}

/// One case: its context, the parsed request and the expected files.
struct VectorCase {
    struct Context: Decodable {
        struct Credentials: Decodable {
            var access_key_id: String
            var secret_access_key: String
            var token: String?
        }
        var credentials: Credentials
        var expiration_in_seconds: Int
        var normalize: Bool
        var region: String
        var service: String
        var sign_body: Bool
        var timestamp: String
        var omit_session_token: Bool?
    }

    var directory: URL
    var context: Context
    var request: RawHTTPRequest
    var date: Date

    init(directory: URL) throws {
        self.directory = directory
        context = try JSONDecoder().decode(Context.self, from: Data(contentsOf: directory.appendingPathComponent("context.json")))
        request = try RawHTTPRequest(Array(Data(contentsOf: directory.appendingPathComponent("request.txt"))))
        date = try Date(context.timestamp, strategy: .iso8601)
    }

    var signer: SigV4Signer {
        SigV4Signer(
            credentials: AWSCredentials(
                accessKeyId: context.credentials.access_key_id,
                secretAccessKey: context.credentials.secret_access_key,
                sessionToken: context.credentials.token
            ),
            region: context.region,
            service: context.service
        )
    }

    var options: SigningOptions {
        SigningOptions(normalizePath: context.normalize, signBody: context.sign_body, omitSessionToken: context.omit_session_token ?? false)
    }

    func expected(_ file: String) throws -> String {
        try String(decoding: Data(contentsOf: directory.appendingPathComponent(file)), as: UTF8.self)
    }
}
