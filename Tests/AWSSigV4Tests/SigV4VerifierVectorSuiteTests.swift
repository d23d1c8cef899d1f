import AWSSigV4
import Foundation
import Testing

/// Every case of AWS's official v4 suite, read back as the server would receive it: the signed request of each
/// form (`header-signed-request.txt`, `query-signed-request.txt`) verifies with the case's own credentials, region,
/// service and time, and the same request with one byte changed is refused.
///
/// Skipped when the suite is missing (see `VectorSuite.isPresent`), with a message saying where it was looked for.
@Suite(.enabled(if: VectorSuite.isPresent, Comment(rawValue: VectorSuite.skipMessage)))
struct SigV4VerifierVectorSuiteTests {
    enum Form: String, CaseIterable {
        case header = "header-signed-request.txt"
        case query = "query-signed-request.txt"
    }

    static let cases: [(String, Form)] = VectorSuite.arguments.flatMap { name in Form.allCases.map { (name, $0) } }

    @Test(arguments: cases)
    func signedRequestVerifies(_ name: String, _ form: Form) throws {
        let vector = try VectorSuite.load(name)
        let request = try vector.signedRequest(form)
        let result = vector.verifier.verify(request.head, body: request.body, now: vector.date)
        let verified = try result.get()
        #expect(verified.accessKeyId == vector.context.credentials.access_key_id)
        #expect(verified.isPresigned == (form == .query))
    }

    @Test(arguments: cases)
    func oneByteChangedIsRefused(_ name: String, _ form: Form) throws {
        let vector = try VectorSuite.load(name)
        let request = try vector.signedRequest(form)
        // A byte SigV4 does not cover (in a path segment that normalisation removes) is no mutation at all.
        let mutations = request.oneByteMutations { mutated in
            vector.canonicalRequest(of: mutated, options: vector.options) != vector.canonicalRequest(of: request, options: vector.options)
        }
        #expect(mutations.count >= 4, "only \(mutations.count) mutations for \(name)")
        for (what, mutated) in mutations {
            let result = vector.verifier.verify(mutated.head, body: mutated.body, now: vector.date)
            #expect(throws: SigV4Failure.self, "\(name) \(form) with \(what) changed must be refused") { try result.get() }
        }
    }
}

/// A signed request as the verifier sees it, and the same request with one byte changed in one place.
struct ReceivedRequest {
    var head: InboundRequestHead
    var body: [UInt8]

    /// One variant per part a signature must cover: the method, a byte of the path, of a signed header's value, of
    /// the query, of the body, of the signing time, and of the signature itself. A change `isCovered` says the
    /// canonical request does not see is left out.
    func oneByteMutations(isCovered: (ReceivedRequest) -> Bool) -> [(String, ReceivedRequest)] {
        var mutations: [(String, ReceivedRequest)] = []
        func add(_ what: String, _ change: (inout ReceivedRequest) -> Bool) {
            var copy = self
            if change(&copy), ["the signature", "the signing time"].contains(what) || isCovered(copy) { mutations.append((what, copy)) }
        }
        add("the method") {
            $0.head.method = Self.bumpingFirstLetter($0.head.method) ?? $0.head.method + "X"
            return true
        }
        add("the path") { request in
            guard let changed = Self.bumpingFirstLetter(request.head.path) else { return false }
            request.head.path = changed
            return true
        }
        add("the Host header") { request in
            guard let index = request.head.headers.firstIndex(where: { $0.name.lowercased() == "host" }),
                let changed = Self.bumpingFirstLetter(request.head.headers[index].value)
            else { return false }
            request.head.headers[index].value = changed
            return true
        }
        add("the body") { request in
            guard !request.body.isEmpty else { return false }
            request.body[0] ^= 0x01
            return true
        }
        add("a query value") { request in
            // The first parameter that is not the signature (changing that is its own mutation).
            var parts = request.head.query.split(separator: "&", omittingEmptySubsequences: false).map(String.init)
            guard let index = parts.firstIndex(where: { !$0.hasPrefix("X-Amz-Signature=") && Self.bumpingLastLetter($0) != nil }) else {
                return false
            }
            parts[index] = Self.bumpingLastLetter(parts[index])!
            request.head.query = parts.joined(separator: "&")
            return true
        }
        add("the signing time") { request in
            if let index = request.head.headers.firstIndex(where: { $0.name.lowercased() == "x-amz-date" }) {
                request.head.headers[index].value = Self.addingOneSecond(request.head.headers[index].value)
                return true
            }
            guard let range = request.head.query.range(of: #"X-Amz-Date=\d{8}T\d{6}Z"#, options: .regularExpression) else { return false }
            let value = String(request.head.query[range].dropFirst("X-Amz-Date=".count))
            request.head.query.replaceSubrange(range, with: "X-Amz-Date=" + Self.addingOneSecond(value))
            return true
        }
        add("the signature") { request in
            if let index = request.head.headers.firstIndex(where: { $0.name.lowercased() == "authorization" }) {
                request.head.headers[index].value = Self.flippingLastHexDigit(request.head.headers[index].value)
                return true
            }
            request.head.query = Self.flippingLastHexDigit(request.head.query)
            return true
        }
        return mutations
    }

    /// `a`→`b`, `Z`→`A`, `7`→`8`, … on the first letter or digit after any leading `/`; nil if there is none.
    static func bumpingFirstLetter(_ text: String) -> String? {
        var bytes = Array(text.utf8)
        guard let index = bytes.firstIndex(where: isAlphanumeric) else { return nil }
        bytes[index] = bumped(bytes[index])
        return String(decoding: bytes, as: UTF8.self)
    }

    static func bumpingLastLetter(_ text: String) -> String? {
        var bytes = Array(text.utf8)
        guard let index = bytes.lastIndex(where: isAlphanumeric) else { return nil }
        bytes[index] = bumped(bytes[index])
        return String(decoding: bytes, as: UTF8.self)
    }

    static func flippingLastHexDigit(_ text: String) -> String {
        var bytes = Array(text.utf8)
        bytes[bytes.count - 1] = bytes[bytes.count - 1] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `…T123600Z` → `…T123601Z`: still within the clock skew, still the same day, so only the signature can tell.
    static func addingOneSecond(_ amzDate: String) -> String {
        var bytes = Array(amzDate.utf8)
        let last = bytes.count - 2
        bytes[last] = bytes[last] == UInt8(ascii: "9") ? UInt8(ascii: "8") : bytes[last] + 1
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func bumped(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "z"): UInt8(ascii: "a")
        case UInt8(ascii: "Z"): UInt8(ascii: "A")
        case UInt8(ascii: "9"): UInt8(ascii: "0")
        default: byte + 1
        }
    }
}

extension VectorCase {
    func signedRequest(_ form: SigV4VerifierVectorSuiteTests.Form) throws -> ReceivedRequest {
        let raw = try RawHTTPRequest(Array(Data(contentsOf: directory.appendingPathComponent(form.rawValue))))
        return ReceivedRequest(head: InboundRequestHead(method: raw.method, path: raw.path, query: raw.query, headers: raw.headers), body: raw.body)
    }

    /// The canonical request the signer builds for `request` (header form), to tell which bytes SigV4 covers.
    func canonicalRequest(of request: ReceivedRequest, options: SigningOptions) -> String {
        let unsigned = request.head.headers.filter { !["authorization", "x-amz-date"].contains($0.name.lowercased()) }
        let signing = SigningRequest(
            method: request.head.method,
            path: request.head.path,
            query: request.head.query,
            headers: unsigned,
            body: request.body
        )
        return signer.sign(signing, date: date, options: options).canonicalRequest
    }

    var verifier: SigV4Verifier {
        SigV4Verifier(
            credentials: [AWSCredentials(accessKeyId: context.credentials.access_key_id, secretAccessKey: context.credentials.secret_access_key)],
            policy: SigV4Verifier.Policy(
                region: context.region,
                service: context.service,
                normalizePath: context.normalize,
                signsSessionTokenInQuery: !(context.omit_session_token ?? false)
            )
        )
    }
}
