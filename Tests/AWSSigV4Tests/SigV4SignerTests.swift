import AWSSigV4
import Foundation
import Testing

/// Behaviour beyond the official suite that PushBridge's outbound clients rely on.
@Suite struct SigV4SignerTests {
    let signer = SigV4Signer(
        credentials: AWSCredentials(accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "token"),
        region: "eu-west-1",
        service: "sqs"
    )

    private func amzDate(_ iso: String) throws -> String? {
        let request = SigningRequest(method: "GET", path: "/", headers: [(name: "Host", value: "sqs.eu-west-1.amazonaws.com")])
        let signed = signer.sign(request, date: try Date(iso, strategy: .iso8601))
        return signed.headers.first { $0.name == "X-Amz-Date" }?.value
    }

    @Test(arguments: [
        ("2016-02-29T23:59:59Z", "20160229T235959Z"),
        ("2000-03-01T00:00:00Z", "20000301T000000Z"),
        ("1969-12-31T23:59:59Z", "19691231T235959Z"),
        ("2026-11-29T19:09:22Z", "20261129T190922Z"),
        ("2100-12-31T12:00:00Z", "21001231T120000Z"),
    ])
    func amzDateIsUTCAndCalendarCorrect(_ iso: String, _ expected: String) throws {
        #expect(try amzDate(iso) == expected)
    }

    @Test func fractionalSecondsAreTruncated() {
        let request = SigningRequest(method: "GET", path: "/", headers: [(name: "Host", value: "h")])
        let signed = signer.sign(request, date: Date(timeIntervalSince1970: 1_440_938_160.999))
        #expect(signed.headers.first { $0.name == "X-Amz-Date" }?.value == "20150830T123600Z")
    }

    @Test func resigningARetryReplacesStaleSignerHeaders() {
        let first = signer.sign(
            SigningRequest(method: "POST", path: "/", headers: [(name: "Host", value: "h")]),
            date: Date(timeIntervalSince1970: 1_000)
        )
        let retry = SigningRequest(method: "POST", path: "/", headers: first.allHeaders)
        let second = signer.sign(retry, date: Date(timeIntervalSince1970: 2_000))

        for name in ["authorization", "x-amz-date", "x-amz-security-token"] {
            #expect(second.allHeaders.filter { $0.name.lowercased() == name }.count == 1, "\(name) must appear once")
        }
        #expect(second.signedHeaders == "host;x-amz-date;x-amz-security-token")
        #expect(second.allHeaders.first { $0.name == "X-Amz-Date" }?.value == "19700101T003320Z")
    }

    @Test func hopByHopAndUserAgentAreSentButNotSigned() {
        let request = SigningRequest(
            method: "GET",
            path: "/",
            headers: [(name: "Host", value: "h"), (name: "User-Agent", value: "pushbridge/1"), (name: "Connection", value: "keep-alive")]
        )
        let signed = signer.sign(request, date: Date(timeIntervalSince1970: 0))
        #expect(signed.signedHeaders == "host;x-amz-date;x-amz-security-token")
        #expect(signed.allHeaders.contains { $0.name == "User-Agent" })
    }

    @Test func suppliedContentHashIsSignedAndUsedAsPayloadHash() {
        let request = SigningRequest(
            method: "PUT",
            path: "/",
            headers: [(name: "Host", value: "h"), (name: "X-Amz-Content-SHA256", value: "UNSIGNED-PAYLOAD")],
            body: Array("ignored".utf8)
        )
        let signed = signer.sign(request, date: Date(timeIntervalSince1970: 0), options: SigningOptions(signBody: true))
        #expect(signed.canonicalRequest.hasSuffix("\nUNSIGNED-PAYLOAD"))
        #expect(signed.signedHeaders == "host;x-amz-content-sha256;x-amz-date;x-amz-security-token")
        #expect(!signed.headers.contains { $0.name.lowercased() == "x-amz-content-sha256" })
    }

    @Test func urlInitKeepsTheWirePathAndDerivesHost() throws {
        let https = SigningRequest(method: "GET", url: try #require(URL(string: "https://sqs.eu-west-1.amazonaws.com:443/123/q?Action=X&b=%2F")))
        #expect(https.path == "/123/q")
        #expect(https.query == "Action=X&b=%2F")
        #expect(https.headers.map(\.value) == ["sqs.eu-west-1.amazonaws.com"])

        let explicitHost = SigningRequest(
            method: "GET",
            url: try #require(URL(string: "http://127.0.0.1:4010")),
            headers: [(name: "host", value: "proxy.example")]
        )
        #expect(explicitHost.path == "/")
        #expect(explicitHost.headers.map(\.value) == ["proxy.example"])
    }

    @Test func canonicalQueryDoubleEncodesAndSortsByKeyThenValue() {
        let request = SigningRequest(method: "GET", path: "/", query: "b=2&a=z&a=y&c&d=%2F+x", headers: [(name: "Host", value: "h")])
        let signed = signer.sign(request, date: Date(timeIntervalSince1970: 0))
        let query = signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2]
        #expect(query == "a=y&a=z&b=2&c=&d=%2F%2Bx")
    }
}
