import ArgumentParser
import EventPatterns
import Foundation
import PushBridgeJSON

/// Events matched per second through `RuleMatcher` with 1, 100, 1,000 and 10,000 rules of mixed operators
/// (exact, prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists, cidr, `$or`) against
/// realistic ~1 KB events. Two figures per rule count: the whole path an entry takes (parse the event JSON,
/// flatten it, match) and matching alone (the event already flattened).
@main
struct RulesBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules-bench", abstract: "Events matched per second through RuleMatcher.")

    @Option(help: "Rule counts, comma-separated.") var rules = "1,100,1000,10000"
    @Option(help: "Distinct events cycled through.") var events = 512
    @Option(help: "Seconds per measurement.") var seconds = 1.0
    @Option(help: "Repetitions per rule count (median reported).") var repetitions = 3
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Flag(help: "Print JSON lines instead of a Markdown table.") var json = false

    func run() throws {
        var random = SplitMix(seed: seed)
        let eventTexts = (0..<events).map { _ in EventFactory.event(&random) }
        let eventBytes = eventTexts.map { Array($0.utf8) }
        let averageSize = eventBytes.map(\.count).reduce(0, +) / eventBytes.count
        let flattened = try eventBytes.map { FlattenedEvent(try JSONParser.parse($0)) }
        let counts = rules.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }

        var rows: [Row] = []
        for count in counts {
            var ruleRandom = SplitMix(seed: seed &+ UInt64(count))
            var matcher = RuleMatcher<Int>()
            let compileStart = monotonicSeconds()
            var compiled = 0
            while compiled < count {
                let text = RuleFactory.pattern(&ruleRandom)
                do {
                    matcher.add(try EventPattern(json: text), for: compiled)
                    compiled += 1
                } catch {
                    FileHandle.standardError.write(Data("skipping invalid generated pattern: \(error)\n\(text)\n".utf8))
                }
            }
            let compileSeconds = monotonicSeconds() - compileStart

            var matchedTotal = 0
            for event in flattened { matchedTotal += matcher.matchingRules(for: event).count }
            let matchedPerEvent = Double(matchedTotal) / Double(flattened.count)

            var endToEnd: [Double] = []
            var matchOnly: [Double] = []
            for _ in 0..<repetitions {
                endToEnd.append(
                    measure(seconds: seconds) { index in
                        let bytes = eventBytes[index % eventBytes.count]
                        guard let value = try? JSONParser.parse(bytes) else { return 0 }
                        // The product's path: the matcher flattens only the fields its rules read.
                        return matcher.matchingRules(for: value).count
                    }
                )
                matchOnly.append(
                    measure(seconds: seconds) { index in
                        matcher.matchingRules(for: flattened[index % flattened.count]).count
                    }
                )
            }
            rows.append(
                Row(
                    rules: count,
                    compileSeconds: compileSeconds,
                    matchedPerEvent: matchedPerEvent,
                    endToEnd: endToEnd.sorted(),
                    matchOnly: matchOnly.sorted()
                )
            )
            FileHandle.standardError.write(
                Data(
                    "rules-bench: \(count) rules: \(Int(rows.last!.endToEndMedian)) events/s parse+match, \(Int(rows.last!.matchOnlyMedian)) match only\n"
                        .utf8
                )
            )
        }

        if json {
            for row in rows {
                print(
                    #"{"rules":\#(row.rules),"eventBytes":\#(averageSize),"parseAndMatchPerSecond":\#(Int(row.endToEndMedian)),"#
                        + #""matchPerSecond":\#(Int(row.matchOnlyMedian)),"matchedPerEvent":\#(row.matchedPerEvent),"#
                        + #""compileSeconds":\#(row.compileSeconds)}"#
                )
            }
            return
        }
        print(
            "Events: \(events) distinct, \(averageSize) bytes on average. Rates are per CPU second of the benchmark's thread "
                + "(\(repetitions) × \(seconds) s each, median (min–max)), so other work on the core does not lower them."
        )
        print("")
        print("| Rules | Parse + flatten + match, events/s | Match only, events/s | Matched rules per event | Compile all rules |")
        print("|---|---|---|---|---|")
        for row in rows {
            print(
                "| \(row.rules) | \(Row.format(row.endToEnd)) | \(Row.format(row.matchOnly)) | "
                    + "\(String(format: "%.2f", row.matchedPerEvent)) | \(String(format: "%.2f s", row.compileSeconds)) |"
            )
        }
        if let hundred = rows.first(where: { $0.rules == 100 }), let tenThousand = rows.first(where: { $0.rules == 10_000 }) {
            print("")
            print(
                "Cost of 10,000 rules relative to 100 (time per event): "
                    + "\(String(format: "%.2f", hundred.endToEndMedian / tenThousand.endToEndMedian))× parse + match, "
                    + "\(String(format: "%.2f", hundred.matchOnlyMedian / tenThousand.matchOnlyMedian))× match only."
            )
        }
    }

    /// Events per CPU second of `body` (this thread's CPU time, so that other work sharing the core does
    /// not count), over about `seconds` of it, checked every 16 events.
    func measure(seconds: Double, _ body: (Int) -> Int) -> Double {
        var sink = 0
        var index = 0
        let start = threadCPUSeconds()
        var elapsed = 0.0
        while elapsed < seconds {
            for _ in 0..<16 {
                sink &+= body(index)
                index += 1
            }
            elapsed = threadCPUSeconds() - start
        }
        blackHole(sink)
        return Double(index) / elapsed
    }
}

struct Row {
    let rules: Int
    let compileSeconds: Double
    let matchedPerEvent: Double
    let endToEnd: [Double]
    let matchOnly: [Double]

    var endToEndMedian: Double { endToEnd[endToEnd.count / 2] }
    var matchOnlyMedian: Double { matchOnly[matchOnly.count / 2] }

    static func format(_ sorted: [Double]) -> String {
        func f(_ value: Double) -> String { value >= 10_000 ? String(format: "%.0fk", value / 1000) : String(format: "%.0f", value) }
        return "\(f(sorted[sorted.count / 2])) (\(f(sorted.first!))–\(f(sorted.last!)))"
    }
}

@inline(never)
func blackHole(_ value: Int) {
    if value == .min { print("") }
}

func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// A small deterministic generator (SplitMix64), so every run sees the same rules and events.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func pick<T>(_ values: [T]) -> T { values[int(0..<values.count)] }
    mutating func chance(_ probability: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < probability }
}

/// The vocabulary events and rules share, so that some rules match.
enum Vocabulary {
    static let sources = ["shop.orders", "shop.payments", "shop.shipping", "crm.customers", "iot.sensors", "auth.sessions", "billing", "inventory"]
    static let detailTypes = [
        "Order Created", "Order Updated", "Payment Captured", "Payment Failed", "Shipment Dispatched", "Entity Updated", "Reading", "Login",
    ]
    static let statuses = ["pending", "paid", "shipped", "shipping-delayed", "delivered", "cancelled", "refunded", "on-hold"]
    static let countries = ["US", "DE", "FR", "GB", "JP", "BR", "IN", "CA", "AU", "ES"]
    static let tiers = ["free", "silver", "gold", "platinum"]
    static let channels = ["web", "ios", "android", "pos", "api"]
    static let domains = ["example.com", "mail.example.org", "corp.example.net", "shop.example.io"]
    static let skus = (0..<200).map { "SKU-\(1000 + $0)" }
    static let regions = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1"]
    static let files = ["report.pdf", "photo.png", "photo.jpg", "invoice.pdf", "data.csv", "archive.zip"]
}

enum EventFactory {
    /// An EventBridge-shaped event of about 1 KB, in JSON.
    static func event(_ random: inout SplitMix) -> String {
        let v = Vocabulary.self
        let items = (0..<random.int(1..<4)).map { _ in
            #"{"sku":"\#(random.pick(v.skus))","quantity":\#(random.int(1..<6)),"price":\#(random.int(100..<50000)).\#(random.int(10..<99))}"#
        }
        let tags = (0..<random.int(0..<4)).map { _ in "\"\(random.pick(["vip", "gift", "express", "bulk", "b2b", "promo"]))\"" }
        let ip = "10.\(random.int(0..<4)).\(random.int(0..<256)).\(random.int(1..<255))"
        let detail =
            #"{"entityId":"e\#(random.int(0..<10000))","orderId":"ord-\#(random.int(100000..<999999))","#
            + #""status":"\#(random.pick(v.statuses))","amount":\#(random.int(0..<5000)).\#(random.int(10..<99)),"currency":"\#(random.pick(["USD", "EUR", "GBP", "JPY"]))","#
            + #""customer":{"id":"cust-\#(random.int(1..<50000))","tier":"\#(random.pick(v.tiers))","email":"user\#(random.int(1..<9999))@\#(random.pick(v.domains))","#
            + #""country":"\#(random.pick(v.countries))","age":\#(random.int(18..<90)),"verified":\#(random.chance(0.7))},"#
            + #""items":[\#(items.joined(separator: ","))],"tags":[\#(tags.joined(separator: ","))],"#
            + #""channel":"\#(random.pick(v.channels))","clientIp":"\#(ip)","attachment":"\#(random.pick(v.files))","#
            + #""message":"Order state changed after the customer's request; see the attached history for details. "#
            + #"The warehouse confirmed the new slot and the carrier was informed of the change.","#
            + #""metadata":{"traceId":"\#(String(random.next(), radix: 16))","retries":\#(random.int(0..<4)),"priority":\#(random.int(1..<6)),"#
            + #""warehouse":"WH-\#(random.int(1..<40))","carrier":\#(random.chance(0.2) ? "null" : "\"\(random.pick(["ups", "dhl", "fedex", "usps"]))\"")}}"#
        return
            #"{"version":"0","id":"\#(String(random.next(), radix: 16))-\#(String(random.next() % 100000))","#
            + #""detail-type":"\#(random.pick(v.detailTypes))","source":"\#(random.pick(v.sources))","account":"123456789012","#
            + #""time":"2024-05-\#(10 + random.int(0..<19))T12:\#(10 + random.int(0..<49)):00Z","region":"\#(random.pick(v.regions))","#
            + #""resources":["arn:aws:shop:\#(random.pick(v.regions)):123456789012:order/\#(random.int(1..<99999))"],"detail":\#(detail)}"#
    }
}

enum RuleFactory {
    /// One pattern of 1–4 conditions with mixed operators, sometimes with a `$or`.
    static func pattern(_ random: inout SplitMix) -> String {
        let v = Vocabulary.self
        var top: [String] = []
        var detail: [String] = []
        // Most rules are about one entity or customer (many rules = many subscribers or tenants); a few are broad.
        var usedKeys = Set<String>()
        if random.chance(0.95) {
            if random.chance(0.5) {
                detail.append(#""entityId":["e\#(random.int(0..<10000))"]"#)
                usedKeys.insert("entityId")
            } else {
                detail.append(#""orderId":[{"prefix":"ord-\#(random.int(100..<1000))"}]"#)
                usedKeys.insert("orderId")
            }
        }
        if random.chance(0.6) { top.append(#""source":["\#(random.pick(v.sources))"]"#) }
        if random.chance(0.4) { top.append(#""detail-type":["\#(random.pick(v.detailTypes))","\#(random.pick(v.detailTypes))"]"#) }
        let conditions = random.int(1..<4)
        for _ in 0..<conditions {
            let (key, value) = condition(&random)
            guard usedKeys.insert(key).inserted else { continue }
            detail.append("\"\(key)\":\(value)")
        }
        if random.chance(0.1) {
            detail.append(
                #""$or":[{"channel":["\#(random.pick(v.channels))"]},{"amount":[{"numeric":[">",\#(random.int(1000..<5000))]}]}]"#
            )
        }
        if !detail.isEmpty { top.append(#""detail":{\#(detail.joined(separator: ","))}"#) }
        return "{\(top.joined(separator: ","))}"
    }

    /// A detail key (possibly nested, written as nested objects) and its pattern array.
    static func condition(_ random: inout SplitMix) -> (String, String) {
        let v = Vocabulary.self
        switch random.int(0..<14) {
        case 0: return ("status", #"["\#(random.pick(v.statuses))"]"#)
        case 1: return ("status", #"[{"prefix":"\#(random.pick(["ship", "pa", "ref", "can", "on-"]))"}]"#)
        case 2: return ("attachment", #"[{"suffix":"\#(random.pick([".pdf", ".png", ".csv", ".zip"]))"}]"#)
        case 3: return ("currency", #"[{"equals-ignore-case":"\#(random.pick(["usd", "eur", "gbp", "jpy"]))"}]"#)
        case 4: return ("attachment", #"[{"wildcard":"\#(random.pick(["photo.*", "*.pdf", "inv*.pdf", "*a*.zip"]))"}]"#)
        case 5: return ("channel", #"[{"anything-but":["\#(random.pick(v.channels))","\#(random.pick(v.channels))"]}]"#)
        case 6:
            let low = random.int(0..<4000)
            return ("amount", #"[{"numeric":[">=",\#(low),"<",\#(low + random.int(10..<1000))]}]"#)
        case 7:
            return ("customer", #"{"tier":["\#(random.pick(v.tiers))"],"country":["\#(random.pick(v.countries))","\#(random.pick(v.countries))"]}"#)
        case 8: return ("clientIp", #"[{"cidr":"10.\#(random.int(0..<4)).\#(random.int(0..<256)).0/24"}]"#)
        case 9: return ("metadata", #"{"carrier":[{"exists":\#(random.chance(0.5))}]}"#)
        case 10: return ("items", #"{"sku":["\#(random.pick(v.skus))"]}"#)
        case 11: return ("customer", #"{"email":[{"suffix":"@\#(random.pick(v.domains))"}]}"#)
        case 12: return ("entityId", #"["e\#(random.int(0..<10000))"]"#)
        default: return ("customer", #"{"age":[{"numeric":[">",\#(random.int(18..<80))]}],"verified":[true]}"#)
        }
    }
}
