import CCurl

/// One request on the wire: a configured libcurl easy handle plus the buffers it reads from and writes into.
///
/// Created, driven and destroyed only on the worker thread, so it needs no locking and is deliberately not `Sendable`.
/// The worker's `inFlight` table keeps it alive while the handle sits in the multi handle; libcurl reaches it from
/// the data callbacks through an unretained pointer (`CURLOPT_WRITEDATA` / `CURLOPT_HEADERDATA`).
final class EasyTransfer {
    typealias Completion = CheckedContinuation<Result<HTTPResponse, CurlError>, Never>

    let id: UInt64
    let handle: UnsafeMutableRawPointer
    private let completion: Completion
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// The request body. `CURLOPT_POSTFIELDS` does not copy, so the bytes must outlive the transfer.
    private var body: UnsafeMutableBufferPointer<UInt8>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// The outbound policy as libcurl's socket callback reads it; it also records a refusal.
    private let denyList: UnsafeMutablePointer<ccurl_deny_list>
    fileprivate var responseHeaders: [(String, String)] = []
    fileprivate var responseBody: [UInt8] = []
    fileprivate let maximumResponseBytes: Int
    fileprivate let maximumHeaderBytes: Int
    fileprivate var headerBytes = 0
    /// Set when a callback stopped the transfer on purpose (`return 0`), so its CURLE_WRITE_ERROR is explained.
    fileprivate var stoppedBecause: StopReason?

    fileprivate enum StopReason {
        case bodyLimit
        case headerLimit
    }

    /// Configures a new easy handle for `request`; fails without side effects if libcurl refuses an option.
    init(
        id: UInt64,
        request: HTTPRequest,
        completion: Completion,
        denied: UnsafePointer<ccurl_cidr>? = nil,
        deniedCount: Int = 0
    ) throws(CurlError) {
        guard let handle = curl_easy_init() else {
            throw CurlError(kind: .other, message: "curl_easy_init failed")
        }
        self.id = id
        self.handle = handle
        self.completion = completion
        self.maximumResponseBytes = max(0, request.maximumResponseBytes)
        self.maximumHeaderBytes = max(0, request.maximumHeaderBytes)
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var list = ccurl_deny_list()
        list.ranges = denied
        list.count = deniedCount
        self.denyList = .allocate(capacity: 1)
        self.denyList.initialize(to: list)
        try configure(request)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        body?.deallocate()
        errorBuffer.deallocate()
        denyList.deallocate()
    }

    /// Resumes the caller. The worker calls exactly one of these, once, after taking the transfer out of `inFlight`.
    func finish(code: CURLcode) {
        if code != CURLE_OK, denyList.pointee.refused != 0 {
            let address = withUnsafeBytes(of: denyList.pointee.refused_address) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let message = "the host resolved to \(address), which the outbound policy denies (--outbound-deny); nothing was sent"
            completion.resume(returning: .failure(CurlError(kind: .deniedByPolicy, message: message)))
            return
        }
        if code == CURLE_WRITE_ERROR, stoppedBecause == .headerLimit {
            let message = "the response headers passed \(maximumHeaderBytes) bytes"
            completion.resume(returning: .failure(CurlError(kind: .other, message: message)))
            return
        }
        // A body over the limit stops the transfer, but the status and the start of the body are a response.
        let truncated = code == CURLE_WRITE_ERROR && stoppedBecause == .bodyLimit
        guard code == CURLE_OK || truncated else {
            completion.resume(returning: .failure(CurlError(code: code, detail: String(cString: errorBuffer))))
            return
        }
        var status = 0
        var connects = 0
        ccurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        ccurl_easy_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
        let response = HTTPResponse(
            status: status,
            headers: responseHeaders,
            body: responseBody,
            newConnections: connects,
            bodyTruncated: truncated
        )
        completion.resume(returning: .success(response))
    }

    func fail(_ error: CurlError) {
        completion.resume(returning: .failure(error))
    }

    private func configure(_ request: HTTPRequest) throws(CurlError) {
        try set(CURLOPT_URL, string: request.url)
        // Webhook URLs come from configuration; never let one read a file or speak another protocol.
        try set(CURLOPT_PROTOCOLS_STR, string: "http,https")
        // Loopback, tests and AWS endpoints must never go through a proxy picked up from the environment.
        try set(CURLOPT_NOPROXY, string: "*")
        // libcurl must not install signal handlers or use alarm() for DNS timeouts: we share the process.
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
        try set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout))
        try set(CURLOPT_TIMEOUT_MS, Self.milliseconds(request.totalTimeout))
        try set(CURLOPT_PRIVATE, pointer: UnsafeMutableRawPointer(bitPattern: UInt(id)))
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        if let authorities = request.certificateAuthorities { try set(CURLOPT_CAINFO, string: authorities) }
        if denyList.pointee.count > 0 { try check(ccurl_easy_set_deny_list(handle, denyList)) }

        let userdata = Unmanaged.passUnretained(self).toOpaque()
        try check(ccurl_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, easyTransferWriteCallback))
        try set(CURLOPT_WRITEDATA, pointer: userdata)
        try check(ccurl_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, easyTransferHeaderCallback))
        try set(CURLOPT_HEADERDATA, pointer: userdata)

        try configureMethodAndBody(request)
        try configureHeaders(request)
    }

    private func configureMethodAndBody(_ request: HTTPRequest) throws(CurlError) {
        let method = request.method.rawValue
        let sendsBody = !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(method)
        if sendsBody {
            // POSTFIELDS needs a non-null pointer even for an empty body, hence at least one byte.
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(request.body.count, 1))
            _ = buffer.initialize(from: request.body)
            body = buffer
            try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: curl_off_t(request.body.count))
            try set(CURLOPT_POSTFIELDS, pointer: UnsafeMutableRawPointer(buffer.baseAddress))
            if method != "POST" {
                try set(CURLOPT_CUSTOMREQUEST, string: method)
            }
        } else if method == "HEAD" {
            try set(CURLOPT_NOBODY, 1)
        } else if method != "GET" {
            try set(CURLOPT_CUSTOMREQUEST, string: method)
        }
    }

    private func configureHeaders(_ request: HTTPRequest) throws(CurlError) {
        var lines = request.headers.map { "\($0.0): \($0.1)" }
        let names = Set(request.headers.map { $0.0.lowercased() })
        // "Name:" with no value tells libcurl to drop a header it would add by itself.
        if body != nil && !names.contains("content-type") {
            lines.append("Content-Type:")
        }
        if !names.contains("expect") {
            lines.append("Expect:")
        }
        for line in lines {
            guard let list = curl_slist_append(headerList, line) else {
                throw CurlError(kind: .other, message: "curl_slist_append failed")
            }
            headerList = list
        }
        try check(ccurl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList))
    }

    fileprivate func receiveHeaderLine(_ bytes: UnsafeBufferPointer<UInt8>) {
        var line = Substring(decoding: bytes, as: UTF8.self)
        while let last = line.last, last == "\r\n" || last == "\n" || last == "\r" {
            line.removeLast()
        }
        if line.hasPrefix("HTTP/") {
            // A new status line: anything before belonged to a 1xx interim response.
            responseHeaders.removeAll()
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingSpaces()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            responseHeaders.append((String(name), String(value)))
        }
    }

    private func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try check(ccurl_easy_setopt_long(handle, option, value))
    }

    private func set(_ option: CURLoption, offset: curl_off_t) throws(CurlError) {
        try check(ccurl_easy_setopt_off_t(handle, option, offset))
    }

    private func set(_ option: CURLoption, string: String) throws(CurlError) {
        // libcurl copies string options (all but POSTFIELDS, which goes through `pointer:`).
        try check(ccurl_easy_setopt_string(handle, option, string))
    }

    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(CurlError) {
        try check(ccurl_easy_setopt_pointer(handle, option, pointer))
    }

    private func check(_ code: CURLcode) throws(CurlError) {
        guard code == CURLE_OK else {
            throw CurlError(code: code, detail: "")
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let total = seconds.multipliedReportingOverflow(by: 1000)
        guard !total.overflow else { return Int.max }
        // 0 means "no timeout" to libcurl, so round up and keep at least 1 ms.
        return max(1, Int(total.partialValue) + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000))
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}

// C callbacks cannot capture context: libcurl hands back the transfer as `userdata`. Both run on the worker thread,
// inside curl_multi_perform, while `inFlight` holds the transfer.

private let easyTransferWriteCallback: ccurl_data_callback = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<EasyTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    if let data, length > 0 {
        let room = transfer.maximumResponseBytes - transfer.responseBody.count
        data.withMemoryRebound(to: UInt8.self, capacity: length) {
            transfer.responseBody.append(contentsOf: UnsafeBufferPointer(start: $0, count: min(length, room)))
        }
        if length > room {
            transfer.stoppedBecause = .bodyLimit
            return 0
        }
    }
    return length
}

private let easyTransferHeaderCallback: ccurl_data_callback = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<EasyTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    if let data, length > 0 {
        transfer.headerBytes += length
        if transfer.headerBytes > transfer.maximumHeaderBytes {
            transfer.stoppedBecause = .headerLimit
            return 0
        }
        data.withMemoryRebound(to: UInt8.self, capacity: length) {
            transfer.receiveHeaderLine(UnsafeBufferPointer(start: $0, count: length))
        }
    }
    return length
}
