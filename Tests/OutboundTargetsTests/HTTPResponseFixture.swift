import CurlTransport

/// Target answers built in memory, for the classification tests.
enum HTTPResponseFixture {
    static func make(status: Int, headers: [(String, String)] = [], body: String = "") -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
    }
}
