import CurlTransport
import PushBridgeCore

/// Posts each target input to one API Gateway WebSocket connection (PostToConnection); the connection id comes
/// from the event through the target's path parameter, as for the built-in WebSocket target.
///
/// A 410 means the connection is gone: the message was delivered to nobody, which is not a failure.
public struct APIGatewayDeliverer: TargetDeliverer {
    public let caller: AWSCaller
    /// The Management API endpoint, stage included (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`).
    public let endpoint: String
    public let region: String
    public var maximumConcurrency: Int { 16 }

    public init(caller: AWSCaller, endpoint: String, region: String) {
        self.caller = caller
        self.endpoint = endpoint
        self.region = region
    }

    /// Percent-encodes a connection id for the path (`=` becomes `%3D`, as the SDKs send it).
    static func pathComponent(_ id: String) -> String {
        var output = ""
        for byte in id.utf8 {
            let character = Character(Unicode.Scalar(byte))
            if byte < 0x80, character.isLetter || character.isNumber || "-_.~".contains(character) {
                output.append(character)
            } else {
                output += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return output
    }

    public func deliver(_ message: DeliveryMessage) async -> DeliveryOutcome {
        guard let connectionId = message.routingKey, !connectionId.isEmpty else {
            return .failed(.invalidParameter("The event has no connection id at the target's path parameter."))
        }
        let input: String
        switch message.deliverableInput {
        case .success(let text): input = text
        case .failure(let failure): return .failed(failure)
        }
        do {
            let response = try await caller.send(
                method: "POST",
                url: "\(endpoint)/@connections/\(Self.pathComponent(connectionId))",
                signingName: "execute-api",
                region: region,
                headers: [],
                body: Array(input.utf8)
            )
            if response.status == 410 { return .delivered }
            return HTTPOutcome.classify(response)
        } catch {
            return HTTPOutcome.classify(error)
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
