import AWSSigV4
import Testing

@Suite struct AWSEndpointsTests {
    @Test func defaultsToTheRegionalEndpoint() {
        #expect(AWSEndpoints.endpoint(service: "EventBridge", region: "us-east-1", environment: [:]) == "https://events.us-east-1.amazonaws.com")
        #expect(AWSEndpoints.endpoint(service: "SQS", region: "eu-west-1", environment: [:]) == "https://sqs.eu-west-1.amazonaws.com")
        #expect(
            AWSEndpoints.endpoint(service: "ApiGatewayManagementApi", region: "us-east-1", environment: [:])
                == "https://execute-api.us-east-1.amazonaws.com"
        )
        #expect(AWSEndpoints.endpoint(service: "SQS", region: "cn-north-1", environment: [:]) == "https://sqs.cn-north-1.amazonaws.com.cn")
    }

    @Test func serviceSpecificVariableWinsOverGlobal() {
        let env = ["AWS_ENDPOINT_URL": "http://global:1", "AWS_ENDPOINT_URL_EVENTBRIDGE": "http://127.0.0.1:4010"]
        #expect(AWSEndpoints.endpoint(service: "EventBridge", region: "us-east-1", environment: env) == "http://127.0.0.1:4010")
        #expect(AWSEndpoints.endpoint(service: "SQS", region: "us-east-1", environment: env) == "http://global:1")
    }

    @Test func keyIsTheServiceIdNotTheSigningName() {
        let env = ["AWS_ENDPOINT_URL_EVENTS": "http://wrong:1"]
        #expect(AWSEndpoints.endpoint(service: "EventBridge", region: "us-east-1", environment: env) == "https://events.us-east-1.amazonaws.com")
        #expect(AWSEndpoints.environmentSuffix("ApiGatewayManagementApi") == "APIGATEWAYMANAGEMENTAPI")
        #expect(AWSEndpoints.environmentSuffix("API Gateway") == "API_GATEWAY")
    }

    @Test func managementEndpointKeepsTheStageWithoutTrailingSlash() {
        let env = ["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": "http://127.0.0.1:4010/dev/"]
        #expect(AWSEndpoints.endpoint(service: "ApiGatewayManagementApi", region: "us-east-1", environment: env) == "http://127.0.0.1:4010/dev")
    }

    @Test func emptyValuesAndTheIgnoreFlagFallThrough() {
        #expect(
            AWSEndpoints.endpoint(service: "SQS", region: "us-east-1", environment: ["AWS_ENDPOINT_URL_SQS": "", "AWS_ENDPOINT_URL": " "])
                == "https://sqs.us-east-1.amazonaws.com"
        )
        let ignored = ["AWS_ENDPOINT_URL_SQS": "http://local:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]
        #expect(AWSEndpoints.endpoint(service: "SQS", region: "us-east-1", environment: ignored) == "https://sqs.us-east-1.amazonaws.com")
    }

    @Test func regionPrefersAWSRegionOverDefault() {
        #expect(AWSEndpoints.region(environment: ["AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-1"]) == "eu-west-1")
        #expect(AWSEndpoints.region(environment: ["AWS_DEFAULT_REGION": "us-east-1"]) == "us-east-1")
        #expect(AWSEndpoints.region(environment: ["AWS_REGION": ""]) == nil)
    }
}
