import ArgumentParser
import Foundation
import PushBridgeServer

/// Where the server is and how to authenticate, shared by every client command.
struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "Server URL. [env: PUSHBRIDGE_URL] (default: http://127.0.0.1:8080)")
    var server: String?

    @Option(name: .long, help: "Admin token. [env: PUSHBRIDGE_ADMIN_TOKEN] (default: read from --token-file)")
    var token: String?

    @Option(
        name: .long,
        help:
            "File holding the admin token, as written by `pushbridge serve`. [env: PUSHBRIDGE_ADMIN_TOKEN_FILE] (default: ~/.pushbridge/admin-token)"
    )
    var tokenFile: String?

    @Option(
        name: .long,
        help: """
            PEM file of the certificate authorities an https:// server's certificate must chain to, for a private CA. \
            [env: PUSHBRIDGE_CA_FILE, else CURL_CA_BUNDLE or SSL_CERT_FILE] (default: the system's)
            """
    )
    var caFile: String?

    @Flag(name: .long, help: "Print the server's JSON instead of a table (for scripts).")
    var json = false

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    var serverURL: String {
        var url = server ?? environment["PUSHBRIDGE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8080"
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    var tokenFilePath: String {
        tokenFile ?? environment["PUSHBRIDGE_ADMIN_TOKEN_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? AdminToken.defaultFilePath
    }

    /// `--token`, then `PUSHBRIDGE_ADMIN_TOKEN`, then the token file.
    var resolvedToken: String? {
        if let token, !token.isEmpty { return token }
        if let token = environment["PUSHBRIDGE_ADMIN_TOKEN"], !token.isEmpty { return token }
        return AdminToken.read(from: tokenFilePath)
    }

    /// `--ca-file`, then `PUSHBRIDGE_CA_FILE`, then the variables curl and OpenSSL read; nil: the system's.
    var certificateAuthorities: String? {
        if let caFile, !caFile.isEmpty { return caFile }
        return ["PUSHBRIDGE_CA_FILE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
    }

    func validate() throws {
        guard serverURL.hasPrefix("http://") || serverURL.hasPrefix("https://") else {
            throw ValidationError("--server must be an http:// or https:// URL, e.g. http://127.0.0.1:8080.")
        }
        // Only what was given for PushBridge is checked here; curl's and OpenSSL's variables may be set for other
        // programs, and a bad one is reported when a TLS connection needs it.
        let given =
            caFile.flatMap { $0.isEmpty ? nil : ("--ca-file", $0) }
            ?? environment["PUSHBRIDGE_CA_FILE"].flatMap { $0.isEmpty ? nil : ("PUSHBRIDGE_CA_FILE", $0) }
        if let (name, file) = given, !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("\(name) \(file): cannot read the file (it must be a PEM file of CA certificates).")
        }
    }
}
