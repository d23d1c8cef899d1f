import AWSSigV4
import Foundation
import Testing

/// Every vector of `Vectors/botocore.json` (written by `Scripts/generate-sigv4-vectors`), signed with its own
/// credentials, time and options and compared byte for byte with what botocore computed.
///
/// The file is committed, so the signer is checked against a second implementation even without AWS's suite in
/// `../shared`, on requests shaped like PushBridge's (PutEvents, SendMessage, PostToConnection) and S3-style ones.
@Suite struct BotocoreVectorTests {
    @Test func vectorsLoad() throws {
        let vectors = try BotocoreVector.load()
        #expect(vectors.count >= 20, "only \(vectors.count) vectors")
        #expect(Set(vectors.map(\.name)).count == vectors.count, "vector names must be unique")
    }

    @Test(arguments: BotocoreVector.all.map(\.name))
    func headerSigning(_ name: String) throws {
        let vector = try BotocoreVector.named(name)
        let signed = vector.signer.sign(try vector.signingRequest(), date: try vector.date(), options: vector.signingOptions)

        #expect(signed.canonicalRequest == vector.header.canonicalRequest)
        #expect(signed.stringToSign == vector.header.stringToSign)
        #expect(signed.signature == vector.header.signature)
        #expect(signed.authorization == vector.header.authorization)
    }

    @Test(arguments: BotocoreVector.all.filter { $0.presign != nil }.map(\.name))
    func querySigning(_ name: String) throws {
        let vector = try BotocoreVector.named(name)
        let expected = try #require(vector.presign)
        let presigned = vector.signer.presign(
            try vector.signingRequest(),
            date: try vector.date(),
            expires: expected.expires,
            options: vector.signingOptions
        )

        #expect(presigned.canonicalRequest == expected.canonicalRequest)
        #expect(presigned.stringToSign == expected.stringToSign)
        #expect(presigned.signature == expected.signature)
        // botocore emits X-Amz-Expires before X-Amz-SignedHeaders; we follow aws-c-auth (after). The order of the
        // parameters is not signed, so each parameter is compared byte for byte, in any order.
        #expect(presigned.query.split(separator: "&").sorted() == expected.query.split(separator: "&").sorted())
    }
}

/// One entry of `Vectors/botocore.json`; the keys are the file's, in snake case.
struct BotocoreVector: Decodable {
    struct Credentials: Decodable {
        var accessKeyId: String
        var secretAccessKey: String
        var sessionToken: String?
    }

    struct Options: Decodable {
        var normalizePath: Bool
        var signBody: Bool
    }

    struct Header: Decodable {
        var name: String
        var value: String
    }

    struct Request: Decodable {
        var method: String
        /// As sent on the wire: path and query already percent-encoded.
        var url: String
        var headers: [Header]
        var body: String
    }

    struct HeaderSigning: Decodable {
        var canonicalRequest: String
        var stringToSign: String
        var signature: String
        var authorization: String
    }

    struct QuerySigning: Decodable {
        var expires: Int
        var canonicalRequest: String
        var stringToSign: String
        var signature: String
        var query: String
    }

    private struct File: Decodable {
        var vectors: [BotocoreVector]
    }

    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    var name: String
    var credentials: Credentials
    var region: String
    var service: String
    /// The signing time as `X-Amz-Date` writes it, e.g. `20150830T123600Z`.
    var timestamp: String
    var options: Options
    var request: Request
    var header: HeaderSigning
    /// Present when the request was also presigned (`SigV4QueryAuth`).
    var presign: QuerySigning?

    static func load() throws -> [BotocoreVector] {
        guard let url = Bundle.module.url(forResource: "botocore", withExtension: "json", subdirectory: "Vectors") else {
            throw LoadError(description: "Vectors/botocore.json is not in the test bundle")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(File.self, from: Data(contentsOf: url)).vectors
    }

    /// The test arguments; empty if the file cannot be read, which `vectorsLoad` reports.
    static let all: [BotocoreVector] = (try? load()) ?? []

    static func named(_ name: String) throws -> BotocoreVector {
        guard let vector = all.first(where: { $0.name == name }) else { throw LoadError(description: "no vector named \(name)") }
        return vector
    }

    var signer: SigV4Signer {
        SigV4Signer(
            credentials: AWSCredentials(
                accessKeyId: credentials.accessKeyId,
                secretAccessKey: credentials.secretAccessKey,
                sessionToken: credentials.sessionToken
            ),
            region: region,
            service: service
        )
    }

    var signingOptions: SigningOptions {
        SigningOptions(normalizePath: options.normalizePath, signBody: options.signBody)
    }

    /// Built from the URL as PushBridge's callers do, so `Host` is derived the same way when the vector has none.
    func signingRequest() throws -> SigningRequest {
        guard let url = URL(string: request.url) else { throw LoadError(description: "bad URL \(request.url)") }
        return SigningRequest(
            method: request.method,
            url: url,
            headers: request.headers.map { (name: $0.name, value: $0.value) },
            body: Array(request.body.utf8)
        )
    }

    func date() throws -> Date {
        try Date.ISO8601FormatStyle(dateSeparator: .omitted, timeSeparator: .omitted).parse(timestamp)
    }
}
