import AWSSigV4
import Foundation

/// Finds and loads AWS's official SigV4 test suite (aws-c-auth `tests/aws-signing-test-suite/v4`).
///
/// The suite lives outside the repository, in `<repo>/../shared/vectors/sigv4`, located from this file's path so
/// the tests work from any working directory; `PUSHBRIDGE_SIGV4_VECTORS` overrides it (e.g. on CI).
enum VectorSuite {
    static let environmentKey = "PUSHBRIDGE_SIGV4_VECTORS"
    /// Stands in for the case list when the suite is missing, so the parameterized test still runs once and fails
    /// with a clear message instead of silently running zero cases.
    static let missingSentinel = "<SigV4 vector suite not found>"

    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String {
            "SigV4 test vectors not found at \(path). Put AWS's v4 suite (aws-c-auth tests/aws-signing-test-suite/v4) there, "
                + "or point \(VectorSuite.environmentKey) at it."
        }
    }

    static var directory: URL {
        if let override = ProcessInfo.processInfo.environment[environmentKey], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        // Tests/AWSSigV4Tests/VectorSuite.swift → <repo>; symlinks resolved so a scratch package pointing here works too.
        let repo = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared/vectors/sigv4", isDirectory: true)
    }

    /// Every case directory (one holding a `context.json`), sorted.
    static func caseNames() throws -> [String] {
        let root = directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Missing(path: root.path)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).filter {
            FileManager.default.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent("context.json").path)
        }
        guard !names.isEmpty else { throw Missing(path: root.path) }
        return names.sorted()
    }

    /// Test arguments: the case names, or the sentinel when the suite cannot be listed.
    static let arguments: [String] = (try? caseNames()) ?? [missingSentinel]

    static func load(_ name: String) throws -> VectorCase {
        if name == missingSentinel {
            throw Missing(path: directory.path)
        }
        return try VectorCase(directory: directory.appendingPathComponent(name, isDirectory: true))
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
