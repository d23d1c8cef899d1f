import Foundation

/// Resolves service endpoints the way the AWS SDKs and CLI do from the environment, so a PushBridge deployment can be
/// pointed at LocalStack, moto or another PushBridge with the same variables that already redirect the AWS tools.
public enum AWSEndpoints {
    /// Endpoint for `serviceId` (the SDK service id: `EventBridge`, `SQS`, `ApiGatewayManagementApi`, …), first match:
    ///
    /// 1. `AWS_ENDPOINT_URL_<SERVICE>`: the service id upper-cased with spaces and dashes as `_`
    ///    (`AWS_ENDPOINT_URL_EVENTBRIDGE`; note that `AWS_ENDPOINT_URL_EVENTS` is *not* consulted by the SDKs either);
    /// 2. `AWS_ENDPOINT_URL`;
    /// 3. `https://{endpointPrefix}.{region}.amazonaws.com` (`.amazonaws.com.cn` for `cn-*` regions).
    ///
    /// Steps 1 and 2 are skipped when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true`, as in the SDKs. Empty values
    /// count as unset. Trailing slashes are removed so callers can append paths such as `/@connections/{id}` (the API
    /// Gateway Management endpoint carries the stage, e.g. `https://abc.execute-api.us-east-1.amazonaws.com/dev`).
    public static func endpoint(
        service serviceId: String,
        region: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        if environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() != "true" {
            let specific = "AWS_ENDPOINT_URL_" + environmentSuffix(serviceId)
            for key in [specific, "AWS_ENDPOINT_URL"] {
                if let value = environment[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                    return trimmingTrailingSlashes(value)
                }
            }
        }
        let domain = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return "https://\(endpointPrefix(serviceId)).\(region).\(domain)"
    }

    /// The region from `AWS_REGION`, then `AWS_DEFAULT_REGION` (the SDKs' and the CLI's order); `nil` if neither is set.
    public static func region(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        for key in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let value = environment[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                return value
            }
        }
        return nil
    }

    /// `EventBridge` → `EVENTBRIDGE`, `API Gateway` → `API_GATEWAY`.
    public static func environmentSuffix(_ serviceId: String) -> String {
        String(serviceId.uppercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
    }

    /// The DNS label (and, for these services, the SigV4 signing name) for a service id. The ids PushBridge uses are
    /// listed because their prefixes differ from the id; anything else is lower-cased with spaces removed.
    public static func endpointPrefix(_ serviceId: String) -> String {
        let key = serviceId.lowercased().filter { $0 != " " && $0 != "-" && $0 != "_" }
        switch key {
        case "eventbridge", "events", "cloudwatchevents": return "events"
        case "apigatewaymanagementapi", "executeapi": return "execute-api"
        default: return key
        }
    }

    private static func trimmingTrailingSlashes(_ value: String) -> String {
        var value = Substring(value)
        while value.hasSuffix("/") && !value.hasSuffix("://") {
            value = value.dropLast()
        }
        return String(value)
    }
}
