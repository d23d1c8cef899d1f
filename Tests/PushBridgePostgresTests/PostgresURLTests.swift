import Testing

@testable import PushBridgePostgres

@Suite("PostgreSQL URLs")
struct PostgresURLTests {
    @Test("A full URL gives every part, and its description hides the password")
    func fullURL() throws {
        let url = try PostgresURL(parsing: "postgres://pb:s3cr%40t@db.example:6543/pushbridge?sslmode=require")
        #expect(url == PostgresURL(host: "db.example", port: 6543, username: "pb", password: "s3cr@t", database: "pushbridge", tlsMode: .require))
        #expect(url.description == "postgres://pb:***@db.example:6543/pushbridge?sslmode=require")
        #expect(!url.description.contains("s3cr"))
    }

    @Test("Defaults: port 5432, sslmode prefer, no password; postgresql:// and IPv6 hosts")
    func defaults() throws {
        let url = try PostgresURL(parsing: "postgresql://pb@127.0.0.1/db")
        #expect(url.port == 5432 && url.tlsMode == .prefer && url.password == nil && url.host == "127.0.0.1")
        let v6 = try PostgresURL(parsing: "postgres://pb:x@[::1]:5433/db?sslmode=disable")
        #expect(v6.host == "::1" && v6.port == 5433 && v6.tlsMode == .disable)
        #expect(v6.description == "postgres://pb:***@[::1]:5433/db?sslmode=disable")
        // A password may hold '@' unencoded: the last '@' ends the credentials.
        #expect(try PostgresURL(parsing: "postgres://pb:a@b@host/db").password == "a@b")
    }

    @Test(
        "Ports outside 1…65535, and numbers that would overflow, are refused with a message",
        arguments: ["0", "65536", "-1", "99999999999999999999999", "", "80a", "+80"]
    )
    func badPorts(port: String) {
        #expect(throws: PostgresURLError("the port must be a number from 1 to 65535")) {
            try PostgresURL(parsing: "postgres://pb:pw@host:\(port)/db")
        }
    }

    @Test(
        "Malformed URLs are refused, and no message repeats the password",
        arguments: [
            "mysql://pb:hunter2@host/db", "postgres://pb:hunter2@host", "postgres://host/db", "postgres://:hunter2@host/db",
            "postgres://pb:hunter2%zz@host/db", "postgres://pb:hunter2@host/db?sslmode=verify-full",
            "postgres://pb:hunter2@host/db?application_name=x", "postgres://pb:hunter2@[::1/db", "postgres://pb:hunter2@/db",
            "postgres://pb:hunter2@host/",
        ]
    )
    func malformed(text: String) {
        do {
            _ = try PostgresURL(parsing: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test("Names longer than PostgreSQL's 63 bytes are refused")
    func longNames() {
        let long = String(repeating: "a", count: 64)
        #expect(throws: PostgresURLError.self) { try PostgresURL(parsing: "postgres://\(long)@host/db") }
        #expect(throws: PostgresURLError.self) { try PostgresURL(parsing: "postgres://pb@host/\(long)") }
    }
}
