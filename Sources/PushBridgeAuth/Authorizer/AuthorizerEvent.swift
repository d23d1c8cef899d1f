import CivilTime
import PushBridgeCore
import PushBridgeJSON

/// The event an authorizer webhook receives for a `$connect`: API Gateway's REQUEST authorizer event for WebSocket
/// APIs, so a Lambda authorizer's code can answer it unchanged. Pure: everything comes from the ``ConnectRequest``.
public struct AuthorizerEvent: Sendable {
    public let methodArn: String
    public let json: JSONValue

    /// The API id in method ARNs: PushBridge serves one WebSocket API.
    public static let apiId = "pushbridge"

    /// `arn:aws:execute-api:{region}:{account}:pushbridge/{stage}/$connect`, what a policy's `Resource` must match.
    public static func methodArn(account: AccountContext, stage: String) -> String {
        "arn:aws:execute-api:\(account.region):\(account.accountId):\(apiId)/\(stage)/$connect"
    }

    public init(_ request: ConnectRequest, account: AccountContext) {
        methodArn = Self.methodArn(account: account, stage: request.stage)
        let query = QueryParameters(uri: request.uri)
        let (headers, multiValueHeaders) = Self.headerMaps(request.headers)
        let epochMilliseconds = JSONValue.number(JSONNumber(text: String(request.time.milliseconds)))
        let requestContext: JSONValue = [
            "routeKey": "$connect",
            "eventType": "CONNECT",
            "extendedRequestId": .string(request.requestId),
            "requestTime": .string(Self.commonLogFormat(request.time)),
            "messageDirection": "IN",
            "stage": .string(request.stage),
            "connectedAt": epochMilliseconds,
            "requestTimeEpoch": epochMilliseconds,
            "identity": ["sourceIp": .string(request.sourceIp), "userAgent": .string(request.header("User-Agent") ?? "")],
            "requestId": .string(request.requestId),
            "domainName": .string(request.domainName),
            "connectionId": .string(request.connectionId),
            "apiId": .string(Self.apiId),
        ]
        json = [
            "type": "REQUEST",
            "methodArn": .string(methodArn),
            "headers": headers,
            "multiValueHeaders": multiValueHeaders,
            "queryStringParameters": .object(JSONObject(query.names.map { ($0, .string(query.values[$0]?.last ?? "")) })),
            "multiValueQueryStringParameters": .object(JSONObject(query.names.map { ($0, .array((query.values[$0] ?? []).map(JSONValue.string))) })),
            "stageVariables": .object(JSONObject()),
            "requestContext": requestContext,
        ]
    }

    /// `headers` keeps a name's last value, `multiValueHeaders` all of them; names differing only in case are one
    /// header, spelled as first sent.
    static func headerMaps(_ fields: [(name: String, value: String)]) -> (JSONValue, JSONValue) {
        var names: [String] = []
        var values: [String: (name: String, values: [String])] = [:]
        for (name, value) in fields {
            let key = name.lowercased()
            if values[key] == nil {
                names.append(key)
                values[key] = (name, [])
            }
            values[key]?.values.append(value)
        }
        let entries = names.compactMap { values[$0] }
        return (
            .object(JSONObject(entries.map { ($0.name, .string($0.values.last ?? "")) })),
            .object(JSONObject(entries.map { ($0.name, .array($0.values.map(JSONValue.string))) }))
        )
    }

    /// `09/Feb/2024:18:11:43 +0000`, API Gateway's `requestTime`.
    static func commonLogFormat(_ time: Timestamp) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let civil = CivilDateTime(secondsSince1970: CivilDateTime.floorDivide(time.milliseconds, 1000).quotient)
        let month = months[Int(civil.month - 1)]
        let pad = CivilDateTime.padded
        return "\(pad(civil.day, 2))/\(month)/\(civil.year):\(pad(civil.hour, 2)):\(pad(civil.minute, 2)):\(pad(civil.second, 2)) +0000"
    }
}
