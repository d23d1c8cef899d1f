import AWSSigV4
import Foundation
import Testing

/// The verifier's refusals, each with AWS's code and message, and its edges: the clock, presigned lifetimes,
/// dates and numbers that must be parsed before any arithmetic, the payload hash.
@Suite struct SigV4VerifierTests {
    static let signedAt = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let alice = AWSCredentials(accessKeyId: "AKIDALICE", secretAccessKey: "alice-secret")
    static let bob = AWSCredentials(accessKeyId: "AKIDBOB", secretAccessKey: "bob-secret")
    let verifier = SigV4Verifier(credentials: [alice, bob], policy: .init(region: "us-east-1", service: "events"))

    static let body = Array(#"{"Entries":[{"Source":"a","DetailType":"b","Detail":"{}"}]}"#.utf8)

    /// A PutEvents as the AWS CLI sends it, signed by `credentials` at `date`.
    static func putEvents(
        _ credentials: AWSCredentials = alice,
        at date: Date = signedAt,
        region: String = "us-east-1",
        service: String = "events",
        extraHeaders: [(name: String, value: String)] = []
    ) -> InboundRequestHead {
        let request = SigningRequest(
            method: "POST",
            path: "/",
            headers: [
                (name: "Host", value: "127.0.0.1:8080"), (name: "Content-Type", value: "application/x-amz-json-1.1"),
                (name: "X-Amz-Target", value: "AWSEvents.PutEvents"),
            ] + extraHeaders,
            body: body
        )
        let signed = SigV4Signer(credentials: credentials, region: region, service: service).sign(request, date: date)
        return InboundRequestHead(method: "POST", path: "/", headers: signed.allHeaders + [(name: "User-Agent", value: "aws-cli/1.45.11")])
    }

    /// A presigned GetConnection valid for `expires` seconds from `date`.
    static func presignedGet(at date: Date = signedAt, expires: Int = 60, credentials: AWSCredentials = alice) -> InboundRequestHead {
        let request = SigningRequest(method: "GET", path: "/dev/@connections/abc%3D", headers: [(name: "Host", value: "127.0.0.1:8080")])
        let presigned = SigV4Signer(credentials: credentials, region: "us-east-1", service: "events").presign(request, date: date, expires: expires)
        return InboundRequestHead(method: "GET", path: request.path, query: presigned.query, headers: request.headers)
    }

    func failure(_ head: InboundRequestHead, body: [UInt8] = body, now: Date = signedAt) -> SigV4Failure? {
        switch verifier.verify(head, body: body, now: now) {
        case .success: nil
        case .failure(let failure): failure
        }
    }

    func replacing(_ name: String, with value: String?, in head: InboundRequestHead) -> InboundRequestHead {
        var head = head
        head.headers.removeAll { $0.name.lowercased() == name.lowercased() }
        if let value { head.headers.append((name: name, value: value)) }
        return head
    }

    // MARK: - Accepted

    @Test func everyConfiguredKeyPairIsAccepted() throws {
        #expect(try verifier.verify(Self.putEvents(Self.alice), body: Self.body, now: Self.signedAt).get().accessKeyId == "AKIDALICE")
        #expect(try verifier.verify(Self.putEvents(Self.bob), body: Self.body, now: Self.signedAt).get().accessKeyId == "AKIDBOB")
    }

    @Test func componentsSeparatedByCommasOnlyAreAccepted() throws {
        let head = Self.putEvents()
        let authorization = try #require(head.headers.first { $0.name == "Authorization" }?.value)
        let compact = authorization.replacingOccurrences(of: ", ", with: ",")
        #expect(failure(replacing("Authorization", with: compact, in: head)) == nil)
    }

    @Test func aSignedSessionTokenIsVerifiedLikeAnyHeader() {
        let temporary = AWSCredentials(accessKeyId: "AKIDALICE", secretAccessKey: "alice-secret", sessionToken: "FwoGZXIvYXdzEXAMPLE")
        let head = Self.putEvents(temporary)
        #expect(head.headers.contains { $0.name == "X-Amz-Security-Token" })
        #expect(failure(head) == nil)
        #expect(failure(replacing("X-Amz-Security-Token", with: "FwoGZXIvYXdzEXAMPLF", in: head)) == .signatureMismatchForTests)
    }

    @Test func unsignedHeadersMayChange() {
        let head = replacing("User-Agent", with: "something else", in: Self.putEvents())
        #expect(failure(head) == nil)
    }

    // MARK: - Missing and malformed parts

    @Test func noAuthenticationAtAll() {
        let expected = SigV4Failure(.missingAuthenticationToken, "Request is missing Authentication Token")
        #expect(failure(replacing("Authorization", with: nil, in: Self.putEvents())) == expected)
        #expect(failure(replacing("Authorization", with: "Bearer abc", in: Self.putEvents())) == expected)
        #expect(expected.code == "MissingAuthenticationTokenException")
    }

    @Test func missingParametersAreNamedWithTheHeader() {
        let header = "AWS4-HMAC-SHA256 Credential=AKIDALICE/20150830/us-east-1/events/aws4_request"
        let head = replacing("X-Amz-Date", with: nil, in: replacing("Authorization", with: header, in: Self.putEvents()))
        let refused = failure(head)
        #expect(refused?.code == "IncompleteSignatureException")
        #expect(
            refused?.message
                == "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
                + "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=\(header)"
        )
    }

    @Test func aComponentWithoutEqualsSign() {
        let header = "AWS4-HMAC-SHA256 Credential=AKIDALICE /20150830/us-east-1/events/aws4_request, SignedHeaders=host, Signature=00"
        let refused = failure(replacing("Authorization", with: header, in: Self.putEvents()))
        #expect(
            refused
                == SigV4Failure(
                    .incompleteSignature,
                    "'/20150830/us-east-1/events/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: '\(header)'."
                )
        )
    }

    @Test func bothFormsAtOnce() {
        var head = Self.putEvents()
        head.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
        #expect(
            failure(head)
                == SigV4Failure(.invalidSignature, "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
        )
    }

    @Test func unsupportedAlgorithm() throws {
        let head = Self.putEvents()
        let authorization = try #require(head.headers.first { $0.name == "Authorization" }?.value)
        let refused = failure(replacing("Authorization", with: authorization.replacingOccurrences(of: "SHA256 ", with: "SHA25 "), in: head))
        #expect(refused == SigV4Failure(.incompleteSignature, "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). "))
    }

    @Test func credentialWithFourElements() {
        let header = "AWS4-HMAC-SHA256 Credential=AKIDALICE/20150830/us-east-1/events, SignedHeaders=host;x-amz-date, Signature=00"
        #expect(
            failure(replacing("Authorization", with: header, in: Self.putEvents()))
                == SigV4Failure(
                    .incompleteSignature,
                    "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDALICE/20150830/us-east-1/events'"
                )
        )
    }

    @Test func hostMustBeSigned() {
        let header = "AWS4-HMAC-SHA256 Credential=AKIDALICE/20150830/us-east-1/events/aws4_request, SignedHeaders=x-amz-date, Signature=00"
        #expect(
            failure(replacing("Authorization", with: header, in: Self.putEvents()))
                == SigV4Failure(.invalidSignature, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
        )
    }

    @Test func aSignedHeaderThatWasNotSentCannotMatch() {
        let head = replacing("X-Amz-Target", with: nil, in: Self.putEvents())
        #expect(failure(head) == .signatureMismatchForTests)
    }

    // MARK: - Scope and keys

    @Test func scopeMustNameThisRegionServiceAndDay() {
        let refused = failure(Self.putEvents(region: "eu-west-1", service: "sqs"))
        #expect(refused?.code == "InvalidSignatureException")
        #expect(
            refused?.message
                == "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be scoped to correct service: 'events'."
        )
        let otherDay = replacing("X-Amz-Date", with: "20150831T000100Z", in: Self.putEvents())
        #expect(
            failure(otherDay, now: Date(timeIntervalSince1970: 1_440_979_260))?.message
                == "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150830' != '20150831', from '20150831T000100Z'."
        )
    }

    @Test func unknownAccessKey() {
        let refused = failure(Self.putEvents(AWSCredentials(accessKeyId: "AKIDMALLORY", secretAccessKey: "alice-secret")))
        #expect(refused == SigV4Failure(.unrecognizedClient, "The security token included in the request is invalid."))
        #expect(refused?.code == "UnrecognizedClientException")
    }

    @Test func wrongSecret() {
        let refused = failure(Self.putEvents(AWSCredentials(accessKeyId: "AKIDALICE", secretAccessKey: "bob-secret")))
        #expect(refused == .signatureMismatchForTests)
        #expect(refused?.code == "InvalidSignatureException")
    }

    // MARK: - Payload

    @Test func aChangedBodyIsRefused() {
        var body = Self.body
        body[2] = UInt8(ascii: "e")
        #expect(failure(Self.putEvents(), body: body) == .signatureMismatchForTests)
    }

    @Test func aDeclaredPayloadHashMustBeTheBodys() {
        let wrong = String(repeating: "0", count: 64)
        let head = Self.putEvents(extraHeaders: [(name: "x-amz-content-sha256", value: wrong)])
        #expect(failure(head) == SigV4Failure(.invalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed."))
        let right = SigV4Verifier.payloadSHA256(Self.body.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[...]) })
        #expect(failure(Self.putEvents(extraHeaders: [(name: "x-amz-content-sha256", value: right)])) == nil)
    }

    @Test func unsignedPayloadOnlyWhereThePolicyAcceptsIt() throws {
        let head = Self.putEvents(extraHeaders: [(name: "X-Amz-Content-SHA256", value: "UNSIGNED-PAYLOAD")])
        #expect(
            failure(head) == SigV4Failure(.invalidSignature, "UNSIGNED-PAYLOAD is not accepted by this service: sign the payload's SHA-256.")
        )
        let lenient = SigV4Verifier(credentials: [Self.alice], policy: .init(region: "us-east-1", service: "events", acceptsUnsignedPayload: true))
        let pending = try lenient.check(head, now: Self.signedAt).get()
        #expect(!pending.needsPayloadHash)
        var asked = false
        _ = try pending.verify(payloadSHA256: {
            asked = true
            return ""
        }).get()
        #expect(!asked, "the body is not hashed for UNSIGNED-PAYLOAD")
    }

    @Test func thePayloadIsHashedOnlyAfterEverythingElsePassed() {
        var asked = false
        let unknown = Self.putEvents(AWSCredentials(accessKeyId: "AKIDMALLORY", secretAccessKey: "x"))
        _ = verifier.check(unknown, now: Self.signedAt).map {
            $0.verify(payloadSHA256: {
                asked = true
                return ""
            })
        }
        #expect(!asked)
    }

    // MARK: - Clock

    @Test func headerSignaturesLiveFiveMinutesEitherWay() {
        let head = Self.putEvents()
        #expect(failure(head, now: Self.signedAt.addingTimeInterval(300)) == nil)
        #expect(failure(head, now: Self.signedAt.addingTimeInterval(300.999)) == nil, "fractions of the clock are dropped")
        #expect(
            failure(head, now: Self.signedAt.addingTimeInterval(301))
                == SigV4Failure(.expired, "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T124101Z - 5 min.)")
        )
        #expect(failure(head, now: Self.signedAt.addingTimeInterval(-300)) == nil)
        #expect(
            failure(head, now: Self.signedAt.addingTimeInterval(-301))
                == SigV4Failure(
                    .expired,
                    "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z (20150830T123059Z + 5 min.)"
                )
        )
        #expect(SigV4Failure(.expired, "").code == "InvalidSignatureException")
    }

    @Test func theClockIsCheckedBeforeTheAccessKey() {
        // As AWS does: a stale request from an unknown key hears about its clock first.
        let stale = Self.putEvents(AWSCredentials(accessKeyId: "AKIDMALLORY", secretAccessKey: "x"))
        #expect(failure(stale, now: Self.signedAt.addingTimeInterval(3600))?.kind == .expired)
    }

    @Test func theSkewIsConfigurable() {
        let strict = SigV4Verifier(credentials: [Self.alice], policy: .init(region: "us-east-1", service: "events", maximumClockSkew: 90))
        let refused = strict.verify(Self.putEvents(), body: Self.body, now: Self.signedAt.addingTimeInterval(91))
        #expect(
            throws: SigV4Failure(.expired, "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T123731Z - 90 sec.)")
        ) {
            try refused.get()
        }
    }

    @Test func absurdClocksDoNotTrap() {
        for now in [Date.distantFuture, Date.distantPast, Date(timeIntervalSince1970: .infinity), Date(timeIntervalSince1970: -.infinity)] {
            #expect(failure(Self.putEvents(), now: now)?.kind == .expired)
        }
    }

    // MARK: - Presigned URLs

    @Test func presignedURLsLiveUntilTheirExpiry() throws {
        let head = Self.presignedGet(expires: 60)
        let verified = try verifier.verify(head, body: [], now: Self.signedAt.addingTimeInterval(60)).get()
        #expect(verified.isPresigned)
        let expired = verifier.verify(head, body: [], now: Self.signedAt.addingTimeInterval(61))
        #expect(
            throws: SigV4Failure(.expired, "Signature expired: 20150830T123700Z is now earlier than 20150830T123701Z (20150830T123600Z + 60 sec.)")
        ) {
            try expired.get()
        }
    }

    @Test func aWeekLongPresignedURLWorksToItsLastSecond() throws {
        let head = Self.presignedGet(expires: 604_800)
        _ = try verifier.verify(head, body: [], now: Self.signedAt.addingTimeInterval(604_800)).get()
        #expect(failure(head, body: [], now: Self.signedAt.addingTimeInterval(604_801))?.kind == .expired)
    }

    @Test func presignedURLsFromTheFutureAreRefused() {
        let head = Self.presignedGet(at: Self.signedAt.addingTimeInterval(301), expires: 3600)
        #expect(failure(head, body: [], now: Self.signedAt)?.message.hasPrefix("Signature not yet current: 20150830T124101Z") == true)
        #expect(failure(Self.presignedGet(at: Self.signedAt.addingTimeInterval(300)), body: [], now: Self.signedAt) == nil)
    }

    @Test func aTamperedPresignedQueryIsRefused() {
        var head = Self.presignedGet(expires: 60)
        head.query = head.query.replacingOccurrences(of: "X-Amz-Expires=60", with: "X-Amz-Expires=600")
        #expect(failure(head, body: [], now: Self.signedAt.addingTimeInterval(120)) == .signatureMismatchForTests)
    }

    @Test func missingQueryParametersAreNamed() {
        var head = Self.presignedGet()
        head.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20150830T123600Z"
        #expect(
            failure(head, body: [])
                == SigV4Failure(
                    .incompleteSignature,
                    "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. "
                        + "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."
                )
        )
    }

    @Test(arguments: ["0", "604801", "-1", "+60", "1e3", "60.0", " 60", "", "99999999999999999999999", "9223372036854775808"])
    func expiresOutsideOneSecondToAWeekIsRefused(_ expires: String) {
        var head = Self.presignedGet(expires: 60)
        head.query = head.query.replacingOccurrences(of: "X-Amz-Expires=60", with: "X-Amz-Expires=" + expires)
        let refused = failure(head, body: [])
        #expect(refused?.kind == .incompleteSignature)
        #expect(
            refused?.message.hasPrefix("X-Amz-Expires must be a whole number of seconds from 1 to 604800 (a week), not '") == true,
            "\(String(describing: refused))"
        )
    }

    @Test func presignedWithoutExpiresGetsTheClockSkewOnly() throws {
        var head = Self.presignedGet(expires: 60)
        head.query = head.query.replacingOccurrences(of: "&X-Amz-Expires=60", with: "")
        // Unsigned now (the parameter was signed), but the clock is checked first.
        #expect(failure(head, body: [], now: Self.signedAt.addingTimeInterval(301))?.kind == .expired)
        #expect(failure(head, body: [], now: Self.signedAt.addingTimeInterval(300)) == .signatureMismatchForTests)
    }

    // MARK: - Dates are parsed before any arithmetic

    @Test(arguments: [
        "2015-08-30T12:36:00Z", "20150830T123600", "20150830 123600Z", "20150230T000000Z", "20150831T240000Z", "20150831T236000Z",
        "20150831T235960Z", "2015083OT123600Z", "99999999T999999Z", "-0150830T123600Z", "201508301T23600Z", "", "Sun, 30 Aug 2015 12:36:00 GMT",
    ])
    func malformedDatesAreRefused(_ date: String) {
        let refused = failure(replacing("X-Amz-Date", with: date, in: Self.putEvents()))
        #expect(
            refused
                == SigV4Failure(
                    .incompleteSignature,
                    "Date must be in ISO-8601 'basic format'. Got '\(date)'. See http://en.wikipedia.org/wiki/ISO_8601"
                )
        )
    }

    @Test(arguments: [("00000101T000000Z", -62_167_219_200 as Int64), ("99991231T235959Z", 253_402_300_799), ("20160229T235959Z", 1_456_790_399)])
    func extremeButValidDatesParse(_ date: String, _ seconds: Int64) {
        // Far from now, so refused by the clock, which needs the date parsed first.
        let now = Date(timeIntervalSince1970: TimeInterval(seconds))
        let head = replacing("X-Amz-Date", with: date, in: Self.putEvents())
        #expect(failure(head, now: now)?.kind != .incompleteSignature)
        #expect(failure(head, now: now)?.kind == .invalidSignature, "the date parsed and is current; only the scope's day differs")
    }

    // MARK: - Keys

    @Test func constantTimeComparison() {
        #expect(ConstantTime.isEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ConstantTime.isEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!ConstantTime.isEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!ConstantTime.isEqual(Array("".utf8), Array("a".utf8)))
        #expect(ConstantTime.isEqual([UInt8](), [UInt8]()))
    }
}
