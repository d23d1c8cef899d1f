/// The signature parameters a request carries, read from its `Authorization` header or from its presigned query,
/// before any of them is checked.
struct SignatureClaim: Equatable {
    enum Form: Equatable {
        /// `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` with `X-Amz-Date`.
        case header
        /// `?X-Amz-Algorithm=…&X-Amz-Credential=…&X-Amz-Date=…&X-Amz-SignedHeaders=…&X-Amz-Signature=…`.
        case query
    }

    var form: Form
    var algorithm: String
    var credential: String
    var signedHeaders: String
    var signature: String
    var amzDate: String
    /// `X-Amz-Expires` as sent (query form only; optional there).
    var expires: String?

    /// Reads the parameters, refusing with AWS's codes and messages: nothing at all is
    /// `MissingAuthenticationTokenException`, a missing or malformed part `IncompleteSignatureException`.
    static func parse(_ head: InboundRequestHead) -> Result<SignatureClaim, SigV4Failure> {
        let authorizations = head.values(of: "authorization")
        let query = QueryParameters(head.query)
        let hasQueryAlgorithm = query.contains("X-Amz-Algorithm")
        if !authorizations.isEmpty && hasQueryAlgorithm {
            return .failure(
                SigV4Failure(.invalidSignature, "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
            )
        }
        if hasQueryAlgorithm { return fromQuery(query) }
        guard let authorization = authorizations.first else { return .failure(.missingToken) }
        // Another scheme (Basic, Bearer) carries no SigV4 token at all, as AWS sees it.
        guard authorization.trimmed.hasPrefix("AWS4-") else { return .failure(.missingToken) }
        guard authorizations.count == 1 else { return .failure(SigV4Failure(.incompleteSignature, "Found more than one 'Authorization' header.")) }
        return fromHeader(authorization.trimmed, dates: head.values(of: "x-amz-date"), hasDateHeader: !head.values(of: "date").isEmpty)
    }

    private static func fromHeader(_ authorization: String, dates: [String], hasDateHeader: Bool) -> Result<SignatureClaim, SigV4Failure> {
        let algorithmEnd = authorization.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "," }) ?? authorization.endIndex
        let algorithm = String(authorization[..<algorithmEnd])
        var parameters: [String: String] = [:]
        // Components are separated by commas, spaces or both (AWS accepts `Credential=…,SignedHeaders=…` too).
        for part in authorization[algorithmEnd...].split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) {
            guard let equals = part.firstIndex(of: "=") else {
                return .failure(
                    SigV4Failure(
                        .incompleteSignature,
                        "'\(part.clipped)' not a valid key=value pair (missing equal-sign) in Authorization header: '\(authorization.clipped)'."
                    )
                )
            }
            let name = String(part[..<equals])
            guard parameters[name] == nil else {
                return .failure(SigV4Failure(.incompleteSignature, "Authorization header has more than one '\(name.clipped)' parameter."))
            }
            parameters[name] = String(part[part.index(after: equals)...])
        }
        var message = ""
        for name in ["Credential", "Signature", "SignedHeaders"] where (parameters[name] ?? "").isEmpty {
            message += "Authorization header requires '\(name)' parameter. "
        }
        if dates.isEmpty && !hasDateHeader {
            message += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        }
        guard message.isEmpty else { return .failure(SigV4Failure(.incompleteSignature, message + "Authorization=" + authorization.clipped)) }
        guard dates.count <= 1 else { return .failure(SigV4Failure(.incompleteSignature, "Found more than one 'X-Amz-Date' header.")) }
        guard let amzDate = dates.first else {
            // The signing time must be in ISO 8601 basic form; the HTTP `Date` header never is.
            return .failure(SigV4Failure(.incompleteSignature, "Authorization header requires the signing time in an 'X-Amz-Date' header."))
        }
        return .success(
            SignatureClaim(
                form: .header,
                algorithm: algorithm,
                credential: parameters["Credential"] ?? "",
                signedHeaders: parameters["SignedHeaders"] ?? "",
                signature: parameters["Signature"] ?? "",
                amzDate: amzDate.trimmed,
                expires: nil
            )
        )
    }

    private static func fromQuery(_ query: QueryParameters) -> Result<SignatureClaim, SigV4Failure> {
        let names = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date", "X-Amz-Expires"]
        if let repeated = names.first(where: { query.values(of: $0).count > 1 }) {
            return .failure(SigV4Failure(.incompleteSignature, "AWS query-string parameter '\(repeated)' appears more than once."))
        }
        var message = ""
        for name in names.dropLast() where (query.values(of: name).first ?? "").isEmpty {
            message += "AWS query-string parameters must include '\(name)'. "
        }
        guard message.isEmpty else { return .failure(SigV4Failure(.incompleteSignature, message + "Re-examine the query-string parameters.")) }
        func value(_ name: String) -> String { query.values(of: name).first ?? "" }
        return .success(
            SignatureClaim(
                form: .query,
                algorithm: value("X-Amz-Algorithm"),
                credential: value("X-Amz-Credential"),
                signedHeaders: value("X-Amz-SignedHeaders"),
                signature: value("X-Amz-Signature"),
                amzDate: value("X-Amz-Date"),
                expires: query.values(of: "X-Amz-Expires").first
            )
        )
    }
}

/// A raw query's parameters, names and values percent-decoded, in order; the raw text of each is kept so that
/// the canonical query can be built from what was sent minus the signature.
struct QueryParameters {
    struct Parameter {
        var name: String
        var value: String
        var raw: Substring
    }

    let parameters: [Parameter]

    init(_ raw: String) {
        parameters = raw.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let equals = part.firstIndex(of: "=")
            let name = part[..<(equals ?? part.endIndex)]
            let value = equals.map { part[part.index(after: $0)...] } ?? ""
            return Parameter(
                name: String(decoding: URIEncoding.decode(name.utf8), as: UTF8.self),
                value: String(decoding: URIEncoding.decode(value.utf8), as: UTF8.self),
                raw: part
            )
        }
    }

    func contains(_ name: String) -> Bool { parameters.contains { $0.name == name } }

    func values(of name: String) -> [String] { parameters.compactMap { $0.name == name ? $0.value : nil } }

    /// The raw query without the parameters named in `excluded`.
    func raw(excluding excluded: Set<String>) -> String {
        parameters.filter { !excluded.contains($0.name) }.map { String($0.raw) }.joined(separator: "&")
    }
}

extension StringProtocol {
    var trimmed: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }

    /// At most 128 characters of a value echoed in an error message: the sender learns what was read without the
    /// answer growing with whatever was sent.
    var clipped: String {
        count <= 128 ? String(self) : String(prefix(128)) + "…"
    }
}
