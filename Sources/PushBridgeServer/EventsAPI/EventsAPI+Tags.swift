import PushBridgeCore
import PushBridgeJSON

/// ListTagsForResource, TagResource and UntagResource, for event buses and rules.
extension EventsAPI {
    func listTagsForResource(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let arn = try RequestParameters(body).required("ResourceARN")
        return ["Tags": ResourceTag.json(try runtime.router.tags(of: arn))]
    }

    func tagResource(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let parameters = try RequestParameters(body)
        try runtime.router.tagResource(try parameters.required("ResourceARN"), tags: try parameters.tags())
        return [:]
    }

    func untagResource(_ body: JSONValue) throws(AWSServiceError) -> JSONValue {
        let parameters = try RequestParameters(body)
        try runtime.router.untagResource(try parameters.required("ResourceARN"), keys: try parameters.strings("TagKeys"))
        return [:]
    }
}
