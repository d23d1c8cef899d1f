import AWSSigV4
import HTTPTypes
import NIOHTTP1

extension InboundRequestHead {
    /// From NIO's head (``PutEventsChannelHandler``): the request target and the header fields as received.
    init(_ head: HTTPRequestHead) {
        self.init(method: head.method.rawValue, target: head.uri, headers: head.headers.map { (name: $0.name, value: $0.value) })
    }

    /// From a routed request. HTTPTypes moves the first `Host` into `authority`; it is put back, since it is signed.
    init(_ request: HTTPRequest) {
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(request.headerFields.count + 1)
        if let authority = request.authority { headers.append((name: "Host", value: authority)) }
        for field in request.headerFields {
            headers.append((name: field.name.rawName, value: field.value))
        }
        self.init(method: request.method.rawValue, target: request.path ?? "/", headers: headers)
    }
}
