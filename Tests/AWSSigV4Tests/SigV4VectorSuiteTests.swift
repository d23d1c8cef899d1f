import AWSSigV4
import Foundation
import Testing

/// Every case of AWS's official v4 suite, signed with its own context and compared byte for byte with the expected
/// canonical request, string to sign, signature and signed request, for header signing and for presigning.
///
/// Skipped when the suite is missing (see `VectorSuite.isPresent`), with a message saying where it was looked for.
@Suite(.enabled(if: VectorSuite.isPresent, Comment(rawValue: VectorSuite.skipMessage)))
struct SigV4VectorSuiteTests {
    @Test func suiteIsPresent() throws {
        let names = try VectorSuite.caseNames()
        // The published v4 suite has 38 cases; fewer means a partial copy that would quietly test less.
        #expect(names.count >= 38, "only \(names.count) cases in \(VectorSuite.directory.path)")
    }

    @Test(arguments: VectorSuite.arguments)
    func headerSigning(_ name: String) throws {
        let vector = try VectorSuite.load(name)
        let signed = vector.signer.sign(vector.request.signingRequest, date: vector.date, options: vector.options)

        #expect(signed.canonicalRequest == (try vector.expected("header-canonical-request.txt")))
        #expect(signed.stringToSign == (try vector.expected("header-string-to-sign.txt")))
        #expect(signed.signature == (try vector.expected("header-signature.txt")))
        #expect(vector.request.rendered(adding: signed.headers) == (try vector.expected("header-signed-request.txt")))
    }

    @Test(arguments: VectorSuite.arguments)
    func querySigning(_ name: String) throws {
        let vector = try VectorSuite.load(name)
        let presigned = vector.signer.presign(
            vector.request.signingRequest,
            date: vector.date,
            expires: vector.context.expiration_in_seconds,
            options: vector.options
        )

        #expect(presigned.canonicalRequest == (try vector.expected("query-canonical-request.txt")))
        #expect(presigned.stringToSign == (try vector.expected("query-string-to-sign.txt")))
        #expect(presigned.signature == (try vector.expected("query-signature.txt")))
        let target = "\(vector.request.path)?\(presigned.query)"
        #expect(vector.request.rendered(target: target) == (try vector.expected("query-signed-request.txt")))
    }
}
