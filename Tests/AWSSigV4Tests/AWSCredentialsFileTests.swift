import AWSSigV4
import Testing

/// The AWS CLI's credentials file as `--aws-credentials-file` reads it: what the CLI accepts is accepted, and
/// every mistake stops with the file, the line and the reason, never with a secret in the message.
@Suite struct AWSCredentialsFileTests {
    func parse(_ text: String) throws(AWSCredentialsFile.ParseError) -> AWSCredentialsFile {
        try AWSCredentialsFile.parse(text, path: "/etc/pushbridge/credentials")
    }

    func error(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func profilesAsTheCLIWritesThem() throws {
        let file = try parse(
            """
            # written by aws configure
            [default]
            aws_access_key_id = AKIAIOSFODNN7EXAMPLE
            aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
            region = us-east-1

            [publisher]
            AWS_ACCESS_KEY_ID=AKIAI44QH8DHBEXAMPLE
            aws_secret_access_key:je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY
            aws_session_token = ignored
            ; another comment
            """
        )
        #expect(file.profiles.map(\.name) == ["default", "publisher"])
        #expect(file.profiles.map(\.line) == [2, 7])
        #expect(
            file.credentials == [
                AWSCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                AWSCredentials(accessKeyId: "AKIAI44QH8DHBEXAMPLE", secretAccessKey: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"),
            ]
        )
        #expect(file.profile(forAccessKeyId: "AKIAI44QH8DHBEXAMPLE")?.name == "publisher")
    }

    @Test func windowsLineEndsAByteOrderMarkAndNestedSettings() throws {
        let file = try parse(
            "\u{FEFF}[ci]\r\naws_access_key_id = AKIDCI\r\naws_secret_access_key = s3cr=t:#1\r\ns3 =\r\n    max_concurrent_requests = 4\r\n"
        )
        #expect(file.credentials == [AWSCredentials(accessKeyId: "AKIDCI", secretAccessKey: "s3cr=t:#1")])
    }

    @Test func theSameKeyPairInTwoProfilesIsFine() throws {
        let file = try parse("[a]\naws_access_key_id=K\naws_secret_access_key=S\n[b]\naws_access_key_id=K\naws_secret_access_key=S\n")
        #expect(file.profiles.count == 2)
    }

    @Test(arguments: [
        ("", "/etc/pushbridge/credentials: no [profile] with aws_access_key_id and aws_secret_access_key"),
        ("# only a comment\n", "/etc/pushbridge/credentials: no [profile] with aws_access_key_id and aws_secret_access_key"),
        ("aws_access_key_id = K\n", "/etc/pushbridge/credentials:1: aws_access_key_id is outside any [profile] section"),
        ("[a]\naws_access_key_id = K\n", "/etc/pushbridge/credentials:1: profile [a] has no aws_secret_access_key"),
        ("[a]\nregion = x\n", "/etc/pushbridge/credentials:1: profile [a] has no aws_access_key_id and aws_secret_access_key"),
        ("[a\naws_access_key_id = K\n", "/etc/pushbridge/credentials:1: a section header must look like [profile-name]"),
        ("[ ]\n", "/etc/pushbridge/credentials:1: the profile name between [ and ] is empty"),
        (
            "[a]\naws_access_key_id=K\naws_secret_access_key=S\n[a]\n",
            "/etc/pushbridge/credentials:4: profile [a] appears twice (first on line 1)"
        ),
        (
            "[a]\naws_access_key_id=K\naws_access_key_id=L\naws_secret_access_key=S\n",
            "/etc/pushbridge/credentials:3: aws_access_key_id appears twice in profile [a] (first on line 2)"
        ),
        ("[a]\naws_access_key_id =\naws_secret_access_key=S\n", "/etc/pushbridge/credentials:2: aws_access_key_id is empty"),
        ("[a]\naws_access_key_id=K\naws_secret_access_key=\n", "/etc/pushbridge/credentials:3: aws_secret_access_key is empty"),
        (
            "[a]\naws_access_key_id=AK/ID\naws_secret_access_key=S\n",
            "/etc/pushbridge/credentials:2: aws_access_key_id may hold printable ASCII only, without spaces or '/'"
        ),
        (
            "[a]\naws_access_key_id=AK ID\naws_secret_access_key=S\n",
            "/etc/pushbridge/credentials:2: aws_access_key_id may hold printable ASCII only, without spaces or '/'"
        ),
        (
            "[a]\naws_access_key_id=K\naws_secret_access_key=S\n[b]\naws_access_key_id=K\naws_secret_access_key=T\n",
            "/etc/pushbridge/credentials:5: access key id K is also in profile [a] (line 1) with another secret"
        ),
        (
            "[a]\naws_access_key_id=K\naws_secret_access_key=abc\n  def\n",
            "/etc/pushbridge/credentials:4: the value of aws_secret_access_key continues on an indented line; write it on one line"
        ),
        ("[a]\n= value\n", "/etc/pushbridge/credentials:2: a key name is missing before '='"),
    ])
    func mistakesNameTheFileTheLineAndTheReason(_ text: String, _ expected: String) {
        #expect(error(text) == expected)
    }

    @Test func aLineWithoutSeparatorIsNotEchoed() {
        let message = error("[a]\naws_secret_access_key wJalrXUtnFEMI\n")
        #expect(message == "/etc/pushbridge/credentials:2: expected 'name = value', a [profile] header or a # comment")
        #expect(message?.contains("wJalr") == false)
    }

    @Test func secretsAreNeverInMessagesOrDescriptions() throws {
        #expect(error("[a]\naws_access_key_id=K\naws_secret_access_key=TOPSECRET\u{01}\n")?.contains("TOPSECRET") == false)
        let file = try parse("[a]\naws_access_key_id=K\naws_secret_access_key=TOPSECRET\n")
        #expect(!String(describing: file.profiles).contains("TOPSECRET"))
    }
}
