/// The parts of an AWS target ARN that say where to deliver, checked against AWS's grammar.
///
/// Region, account and resource become a host name and a path of a request signed with the server's own
/// credentials, so each part is held to its character set: `us-east-1.evil.example#` is not a region.
public struct AWSTargetArn: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `arn:aws:events:{region}:{account}:event-bus/{name}`
        case eventBus(name: String)
        /// `arn:aws:sqs:{region}:{account}:{queue}`
        case sqsQueue(name: String)
        /// `arn:aws:execute-api:{region}:{account}:{api-id}/{stage}`
        case webSocketApi(apiId: String, stage: String)
    }

    public let kind: Kind
    public let partition: String
    public let region: String
    public let account: String
    public let arn: String

    public init?(_ arn: String) {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn", Self.isPartition(parts[1]), Self.isRegion(parts[3]), Self.isAccount(parts[4]) else {
            return nil
        }
        self.arn = arn
        self.partition = parts[1]
        self.region = parts[3]
        self.account = parts[4]
        let resource = parts[5]
        switch parts[2] {
        case "events":
            let name = resource.dropFirst("event-bus/".count)
            // Partner buses are named `aws.partner/…`, hence `/`.
            guard resource.hasPrefix("event-bus/"), Self.matches(name, 1...256, extra: "._-/") else { return nil }
            self.kind = .eventBus(name: String(name))
        case "sqs":
            let base = resource.hasSuffix(".fifo") ? resource.dropLast(".fifo".count) : Substring(resource)
            guard Self.matches(base, 1...75, extra: "_-") else { return nil }
            self.kind = .sqsQueue(name: resource)
        case "execute-api":
            // `{api-id}/{stage}`, optionally followed by a method and route (`/POST/@connections/*`), as in IAM.
            let pieces = resource.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count >= 2, Self.matches(pieces[0], 1...64, extra: ""), pieces[0].allSatisfy({ !$0.isUppercase }),
                Self.matches(pieces[1], 1...128, extra: "_-")
            else { return nil }
            self.kind = .webSocketApi(apiId: String(pieces[0]), stage: String(pieces[1]))
        default:
            return nil
        }
    }

    /// `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, …
    static func isPartition(_ text: String) -> Bool {
        text == "aws" || (text.hasPrefix("aws-") && matches(text.dropFirst(4), 1...16, extra: "-") && !text.hasSuffix("-"))
    }

    /// `us-east-1`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-5`: lower-case words joined by `-`, then a number.
    static func isRegion(_ text: String) -> Bool {
        let words = text.split(separator: "-", omittingEmptySubsequences: false)
        guard words.count >= 3, text.utf8.count <= 32, let number = words.last, (1...2).contains(number.count),
            number.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return false }
        return words.dropLast().allSatisfy { word in !word.isEmpty && word.allSatisfy { $0.isASCII && $0.isLowercase } }
    }

    static func isAccount(_ text: String) -> Bool { text.utf8.count == 12 && text.utf8.allSatisfy { (0x30...0x39).contains($0) } }

    /// ASCII letters and digits plus `extra`, with a length in `lengths`.
    static func matches(_ text: Substring, _ lengths: ClosedRange<Int>, extra: String) -> Bool {
        lengths.contains(text.utf8.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || extra.contains($0)) }
    }
}
