import AWSSigV4
import Testing

@Suite struct AWSCredentialsTests {
    @Test func readsKeyPairAndSessionToken() {
        let env = ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "TOKEN"]
        #expect(AWSCredentials.fromEnvironment(env) == AWSCredentials(accessKeyId: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN"))
    }

    @Test func sessionTokenIsOptionalAndEmptyMeansAbsent() {
        let env = ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": ""]
        #expect(AWSCredentials.fromEnvironment(env)?.sessionToken == nil)
        #expect(AWSCredentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET"])?.sessionToken == nil)
    }

    @Test func legacySecurityTokenIsTheFallback() {
        let env = ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SECURITY_TOKEN": "OLD"]
        #expect(AWSCredentials.fromEnvironment(env)?.sessionToken == "OLD")
    }

    @Test(arguments: [
        [String: String](),
        ["AWS_ACCESS_KEY_ID": "AKID"],
        ["AWS_SECRET_ACCESS_KEY": "SECRET"],
        ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "SECRET"],
        ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": ""],
    ])
    func incompleteKeyPairGivesNil(_ env: [String: String]) {
        #expect(AWSCredentials.fromEnvironment(env) == nil)
    }

    @Test func descriptionRedactsSecrets() {
        let text = String(describing: AWSCredentials(accessKeyId: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN"))
        #expect(text.contains("AKID"))
        #expect(!text.contains("SECRET") && !text.contains("TOKEN"))
    }
}
