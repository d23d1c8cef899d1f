import AWSSigV4
import Foundation
import Testing

/// Every vector of `Vectors/botocore.json`, received as botocore sent it: the request with botocore's own
/// `Authorization` (and, for presigned ones, botocore's own query) verifies; with a byte of the signature or of the
/// body changed it is refused. Needs nothing outside the repository.
@Suite struct BotocoreVerifierTests {
    @Test(arguments: BotocoreVector.all.map(\.name))
    func headerSignedRequestVerifies(_ name: String) throws {
        let vector = try BotocoreVector.named(name)
        let request = try vector.receivedHeaderSigned()
        let verified = try vector.verifier.verify(request.head, body: request.body, now: try vector.date()).get()
        #expect(verified.accessKeyId == vector.credentials.accessKeyId)
        #expect(verified.canonicalRequest == vector.header.canonicalRequest)
    }

    @Test(arguments: BotocoreVector.all.filter { $0.presign != nil }.map(\.name))
    func presignedRequestVerifies(_ name: String) throws {
        let vector = try BotocoreVector.named(name)
        let request = try vector.receivedPresigned()
        let verified = try vector.verifier.verify(request.head, body: request.body, now: try vector.date()).get()
        #expect(verified.isPresigned)
        #expect(verified.canonicalRequest == vector.presign?.canonicalRequest)
    }

    @Test(arguments: BotocoreVector.all.map(\.name))
    func changedSignatureOrBodyIsRefused(_ name: String) throws {
        let vector = try BotocoreVector.named(name)
        var received = [try vector.receivedHeaderSigned()]
        if vector.presign != nil { received.append(try vector.receivedPresigned()) }
        for request in received {
            var signature = request
            if let index = signature.head.headers.firstIndex(where: { $0.name == "Authorization" }) {
                signature.head.headers[index].value = ReceivedRequest.flippingLastHexDigit(signature.head.headers[index].value)
            } else {
                signature.head.query = ReceivedRequest.flippingLastHexDigit(signature.head.query)
            }
            #expect(throws: SigV4Failure.signatureMismatchForTests) {
                try vector.verifier.verify(signature.head, body: signature.body, now: try vector.date()).get()
            }
            // A body outside the signature (UNSIGNED-PAYLOAD) may change; any other may not.
            guard !request.body.isEmpty, !vector.sendsUnsignedPayload else { continue }
            var body = request
            body.body[body.body.count - 1] ^= 0x01
            #expect(throws: SigV4Failure.self) { try vector.verifier.verify(body.head, body: body.body, now: try vector.date()).get() }
        }
    }
}

extension SigV4Failure {
    static let signatureMismatchForTests = SigV4Failure(
        .invalidSignature,
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key "
            + "and signing method. Consult the service documentation for details."
    )
}

extension BotocoreVector {
    var sendsUnsignedPayload: Bool {
        request.headers.contains { $0.name.lowercased() == "x-amz-content-sha256" && $0.value == "UNSIGNED-PAYLOAD" }
    }

    var verifier: SigV4Verifier {
        SigV4Verifier(
            credentials: [AWSCredentials(accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey)],
            policy: SigV4Verifier.Policy(
                region: region,
                service: service,
                normalizePath: options.normalizePath,
                acceptsUnsignedPayload: sendsUnsignedPayload
            )
        )
    }

    /// The request's own headers plus what the signer adds (`X-Amz-Date`, the session token, a body hash), with
    /// botocore's `Authorization` in place of ours.
    func receivedHeaderSigned() throws -> ReceivedRequest {
        let unsigned = try signingRequest()
        var headers = signer.sign(unsigned, date: try date(), options: signingOptions).allHeaders
        headers.removeAll { $0.name == "Authorization" }
        headers.append((name: "Authorization", value: header.authorization))
        return ReceivedRequest(
            head: InboundRequestHead(method: unsigned.method, path: unsigned.path, query: unsigned.query, headers: headers),
            body: unsigned.body
        )
    }

    /// The request's own headers and botocore's presigned query (which replaces the URL's query).
    func receivedPresigned() throws -> ReceivedRequest {
        let unsigned = try signingRequest()
        return ReceivedRequest(
            head: InboundRequestHead(method: unsigned.method, path: unsigned.path, query: presign?.query ?? "", headers: unsigned.headers),
            body: unsigned.body
        )
    }
}
