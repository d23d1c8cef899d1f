import OutboundTargets
import Testing

/// An ARN's parts become a host name and a path of a request signed with the server's credentials.
@Suite struct AWSTargetArnTests {
    @Test(arguments: [
        "arn:aws:events:us-east-1:123456789012:event-bus/default",
        "arn:aws:events:eu-west-3:123456789012:event-bus/aws.partner/acme.com/x",
        "arn:aws-cn:sqs:cn-north-1:123456789012:orders",
        "arn:aws-us-gov:sqs:us-gov-west-1:123456789012:orders.fifo",
        "arn:aws:execute-api:ap-southeast-5:123456789012:a1b2c3d4e5/dev",
        "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/POST/@connections/*",
    ])
    func wellFormedArnsParse(_ arn: String) {
        #expect(AWSTargetArn(arn) != nil)
    }

    @Test(arguments: [
        "arn:aws:sqs:evil.example#:123456789012:q",
        "arn:aws:sqs:us-east-1.evil.example:123456789012:q",
        "arn:aws:sqs:us-east-1/x:123456789012:q",
        "arn:aws:sqs:us-east-1:12345678901:q",
        "arn:aws:sqs:us-east-1:1234567890123:q",
        "arn:aws:sqs:us-east-1:12345678901a:q",
        "arn:aws:sqs:us-east-1:123456789012:q/../../x",
        "arn:aws:sqs:us-east-1:123456789012:q?x=1",
        "arn:aws:sqs:US-EAST-1:123456789012:q",
        "arn:aws:sqs::123456789012:q",
        "arn:awsevil:sqs:us-east-1:123456789012:q",
        "arn:aws:execute-api:us-east-1:123456789012:evil.example@x/dev",
        "arn:aws:execute-api:us-east-1:123456789012:abc/dev#x",
        "arn:aws:execute-api:us-east-1:123456789012:abc.evil.example%23/dev",
        "arn:aws:execute-api:us-east-1:123456789012:abc",
        "arn:aws:events:us-east-1:123456789012:event-bus/",
        "arn:aws:events:us-east-1:123456789012:event-bus/a b",
        "arn:aws:events:us-east-1:123456789012:rule/x",
        "arn:aws:lambda:us-east-1:123456789012:function:x",
    ])
    func malformedArnsAreRefused(_ arn: String) {
        #expect(AWSTargetArn(arn) == nil)
    }

    @Test func theManagementEndpointIsAssembledFromCheckedParts() throws {
        let arn = try #require(AWSTargetArn("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev"))
        guard case .webSocketApi(let api, let stage) = arn.kind else {
            Issue.record("not a WebSocket API")
            return
        }
        #expect(
            OutboundTargetFactory.managementEndpoint(apiId: api, stage: stage, region: arn.region)
                == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev"
        )
    }
}
