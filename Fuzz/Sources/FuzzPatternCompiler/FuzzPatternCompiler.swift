import EventPatterns
import FuzzSupport
import PushBridgeJSON

// Why: PutRule and the rules file compile patterns from users; the compiler must refuse bad ones cleanly, never trap.
//
// Input: pattern text (UTF-8, invalid bytes replaced). Properties checked besides "no crash":
// - compiling is deterministic (same reason, or the same number of `$or` branches);
// - syntax errors, and only they, carry a line and column; every message starts as AWS's does;
// - a valid pattern has 1 to `maximumOrCombinations` branches and stays valid under looser limits;
// - the compact re-serialization of a parsed pattern compiles to the same outcome (the compiler sees values).
//
// The wildcard work budget is a hundredth of the default: the fuzzer soon finds wildcards that spend all of it, and each
// input is compiled up to four times, so the default budget made such inputs dominate the run (same code paths).
@main
enum FuzzPatternCompiler {
    static let wildcardSteps = PatternLimits.defaultWildcardSteps / 100
    static let limits = PatternLimits(maximumWildcardSteps: wildcardSteps)
    static let loose = PatternLimits(
        maximumLength: PatternLimits.absoluteMaximumLength,
        maximumWildcardComplexity: 50,
        maximumWildcardSteps: wildcardSteps
    )
    static let event = try! JSONParser.parse(
        #"{"source":"com.example","detail-type":"t","detail":{"a":[1,"x",{"b":null}],"n":-1.5e3,"ip":"10.0.0.1"}}"#
    )

    static func main() {
        Fuzz.run { data in
            let text = Fuzz.text(data)
            let outcome = compile(text)
            Fuzz.require(Outcome(outcome) == Outcome(compile(text)), "compiling twice gave different outcomes for \(text)")
            let parsed = try? JSONParser.parse(text)
            let withinLength = text.utf16.count <= limits.maximumLength
            switch outcome {
            case .failure(let error):
                Fuzz.require(error.message.hasPrefix("Event pattern is not valid. Reason: \(error.reason)"), "message: \(error.message)")
                let isSyntax = parsed == nil && withinLength
                Fuzz.require((error.line != nil) == isSyntax, "line \(String(describing: error.line)) for '\(error.reason)'")
            case .success(let pattern):
                Fuzz.require(pattern.source == text, "source changed")
                Fuzz.require((1...limits.maximumOrCombinations).contains(pattern.subRuleCount), "\(pattern.subRuleCount) branches")
                _ = pattern.matches(event)
                _ = pattern.matches(JSONValue.object(JSONObject()))
                let loose = Result { () throws(InvalidEventPattern) in try EventPattern(json: text, limits: Self.loose) }
                Fuzz.require(Outcome(loose) == Outcome(outcome), "looser limits refuse it: \(loose)")
            }
            if let parsed, withinLength {
                let compact = parsed.jsonText
                Fuzz.require(Outcome(compile(compact)) == Outcome(outcome), "compact form \(compact) compiles differently from \(text)")
            }
        }
    }

    /// What compiling decided: the reason of a refusal, or the branch count of a valid pattern.
    enum Outcome: Equatable {
        case failure(reason: String)
        case success(branches: Int)

        init(_ result: Result<EventPattern, InvalidEventPattern>) {
            switch result {
            case .failure(let error): self = .failure(reason: error.reason)
            case .success(let pattern): self = .success(branches: pattern.subRuleCount)
            }
        }
    }

    static func compile(_ text: String) -> Result<EventPattern, InvalidEventPattern> {
        Result { () throws(InvalidEventPattern) in try EventPattern(json: text, limits: limits) }
    }
}
