import CurlTransport
import Foundation
import Testing

@Suite("Outbound policy", .timeLimit(.minutes(1)))
struct OutboundPolicyTests {
    @Test(arguments: ["169.254.0.0/16", "10.0.0.1", "fd00:ec2::254/128", "::/0", "0.0.0.0/0", "fe80::/10"])
    func rangesParse(_ text: String) {
        #expect(OutboundPolicy.Range(text) != nil)
    }

    @Test(arguments: ["", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/9999999999999999999", "host.example/8", "10.0.0.0/8/8"])
    func badRangesAreRefused(_ text: String) {
        #expect(OutboundPolicy.Range(text) == nil)
    }

    @Test func aDeniedAddressIsRefusedBeforeAnythingIsSent() async throws {
        let denying = CurlHTTPClient(outboundPolicy: OutboundPolicy(denied: [OutboundPolicy.Range("127.0.0.0/8")!]), logger: quietLogger)
        let allowing = CurlHTTPClient(logger: quietLogger)
        try await withTestServer(client: allowing) { baseURL, _ in
            let error = await expectCurlError(denying, OutboundRequest(url: "\(baseURL)/status/200"))
            #expect(error?.kind == .deniedByPolicy)
            #expect(error?.message.contains("127.0.0.1") == true, "\(String(describing: error))")
            // The default policy (link-local only) lets loopback through, by name too.
            let allowed = try await allowing.execute(OutboundRequest(url: "\(baseURL)/status/200"))
            #expect(allowed.status == 200)
            let byName = try await allowing.execute(
                OutboundRequest(url: baseURL.replacingOccurrences(of: "127.0.0.1", with: "localhost") + "/status/200")
            )
            #expect(byName.status == 200)
        }
    }

    @Test func theMetadataAddressIsDeniedByDefault() async {
        let client = CurlHTTPClient(logger: quietLogger)
        let error = await expectCurlError(client, OutboundRequest(url: "http://169.254.169.254/latest/meta-data/", connectTimeout: .seconds(2)))
        #expect(error?.kind == .deniedByPolicy)
    }
}
