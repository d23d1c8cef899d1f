import AWSSigV4
import Foundation
import Testing

/// Requests shaped like the ones boto3 / the AWS CLI send to PushBridge's upstreams, with the signatures botocore
/// 1.43.11 computed for them (aws-wire.md §5.3): fixed time 2015-08-30T12:36:00Z, `AKIDEXAMPLE` credentials.
@Suite struct BotocoreCrossCheckTests {
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let credentials = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    @Test func getVanilla() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "service")
        let request = SigningRequest(method: "GET", url: try #require(URL(string: "https://example.amazonaws.com/")))
        let signed = signer.sign(request, date: Self.date)

        #expect(signed.signedHeaders == "host;x-amz-date")
        #expect(signed.signature == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(
            signed.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, "
                + "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
    }

    @Test func putEvents() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "events")
        let body = #"{"Entries": [{"Source": "CLI", "DetailType": "Entity Updated", "Detail": "{\"entityId\":\"myEntityId\"}"}]}"#
        let request = SigningRequest(
            method: "POST",
            url: try #require(URL(string: "http://127.0.0.1:4010/")),
            headers: [
                (name: "Content-Type", value: "application/x-amz-json-1.1"),
                (name: "X-Amz-Target", value: "AWSEvents.PutEvents"),
            ],
            body: Array(body.utf8)
        )
        let signed = signer.sign(request, date: Self.date)
        let lines = signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)

        #expect(lines[1] == "/")
        #expect(lines.contains("host:127.0.0.1:4010"))
        #expect(signed.signedHeaders == "content-type;host;x-amz-date;x-amz-target")
        let payloadHash = try #require(lines.last)
        #expect(payloadHash.hasPrefix("95d5cc9d") && payloadHash.hasSuffix("6ba6e1"), "body sha256 \(payloadHash)")
        #expect(signed.signature == "9cbcce442ac8510720e561554f88b0c7744aa8acc3e92bd85ed2a1fe8eb79e11")
    }

    @Test func postToConnection() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "execute-api")
        let request = SigningRequest(
            method: "POST",
            url: try #require(URL(string: "http://127.0.0.1:4010/dev/@connections/abc%3D")),
            body: Array(#"{"type":"Entity Updated","entityId":"myEntityId"}"#.utf8)
        )
        let signed = signer.sign(request, date: Self.date)
        let lines = signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)

        #expect(request.path == "/dev/@connections/abc%3D")
        #expect(lines[1] == "/dev/%40connections/abc%253D")
        #expect(signed.signedHeaders == "host;x-amz-date")
        #expect(signed.signature == "0ed82334e7c59daa28cf6994bea3c993674ba40637e2855f6938ed5f6c1cbe11")
    }
}
