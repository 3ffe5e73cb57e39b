import Foundation
import SieveCore

/// How a stage's budget is spread over languages (docs/mixture.md).
public enum Strategy: String, Sendable, CaseIterable {
    /// Shares as available: weight = tokens.
    case proportional
    /// Temperature sampling: weight = tokens^τ (τ < 1 flattens towards small languages).
    case temperature
    /// UniMax (Chung et al., 2023): the budget spread uniformly over languages, each
    /// capped at `maxEpochs` passes over its tokens, what the capped ones cannot use
    /// spread again over the others.
    case unimax
}

/// Per-language overrides, as shares of the stage budget.
public struct LanguageOverride: Sendable, Equatable {
    /// Pinned: the language gets exactly this share.
    public var share: Double?
    /// Floor and cap.
    public var minShare: Double?
    public var maxShare: Double?

    public init(share: Double? = nil, minShare: Double? = nil, maxShare: Double? = nil) {
        self.share = share
        self.minShare = minShare
        self.maxShare = maxShare
    }
}

/// Per-domain overrides: a weight within each language, and shares of the stage budget
/// for the domain across languages.
public struct DomainOverride: Sendable, Equatable {
    /// Weight of the domain's tokens within each language (default 1; 0 leaves it out).
    public var multiplier: Double
    /// Pinned share, floor and cap of the domain's total.
    public var share: Double?
    public var minShare: Double?
    public var maxShare: Double?

    public init(multiplier: Double = 1, share: Double? = nil, minShare: Double? = nil, maxShare: Double? = nil) {
        self.multiplier = multiplier
        self.share = share
        self.minShare = minShare
        self.maxShare = maxShare
    }
}

/// One training stage's request: budget, strategy and overrides.
public struct StageRequest: Sendable {
    public var name: String
    public var budget: Int64
    public var strategy: Strategy = .unimax
    public var temperature = 0.3
    /// At most this many passes over any (language, domain)'s tokens; nil: no cap.
    public var maxEpochs: Double?
    /// Only documents with at least this many tokens count (long-context stages).
    public var minDocumentTokens = 0
    /// Upsampling by duplicate count; nil: every document once.
    public var rehydration: Rehydration?
    public var languages: [String: LanguageOverride] = [:]
    public var domains: [String: DomainOverride] = [:]
    /// Plan over groups of close varieties (`MixturePlanner.planByGroup`): `languages`
    /// then names groups.
    public var byGroup = false

    public init(name: String, budget: Int64) {
        self.name = name
        self.budget = budget
    }
}

/// One (language, domain) of a planned stage.
public struct PlanTarget: Sendable, Equatable {
    public var language: String
    public var domain: String
    public var available: Int64
    public var target: Int64
    /// target / stage budget.
    public var share: Double
    /// target / available.
    public var epochs: Double
}

public struct PlannedStage: Sendable {
    public var request: StageRequest
    public var targets: [PlanTarget]
}

/// A request that cannot be planned, with what it would take.
public enum MixtureError: Error, CustomStringConvertible, Equatable {
    case budgetTooLarge(stage: String, budget: Int64, maximum: Int64, shortfalls: [(language: String, tokens: Int64)])
    case sharesAboveOne(stage: String, total: Double)
    case unknownLanguages(stage: String, [String])
    case unknownDomains(stage: String, [String])
    case invalid(String)

    public var description: String {
        switch self {
        case .budgetTooLarge(let stage, let budget, let maximum, let shortfalls):
            let list = shortfalls.map { "\($0.language) \($0.tokens)" }.joined(separator: ", ")
            return "stage \(stage): budget \(budget) exceeds the \(maximum) tokens available within the epoch cap and the caps; short per language: \(list)"
        case .sharesAboveOne(let stage, let total):
            return "stage \(stage): pinned shares and floors sum to \(total), above 1"
        case .unknownLanguages(let stage, let codes):
            return "stage \(stage): unknown languages in overrides (not in languages/registry.tsv): \(codes.joined(separator: ", "))"
        case .unknownDomains(let stage, let names):
            return "stage \(stage): unknown domains in overrides (not in the manifest): \(names.joined(separator: ", "))"
        case .invalid(let message):
            return message
        }
    }

    public static func == (a: MixtureError, b: MixtureError) -> Bool { a.description == b.description }
}

public enum MixturePlanner {
    /// Plans one stage. `knownLanguages`: the registry's codes, which overrides may name.
    public static func plan(_ request: StageRequest, availability: Availability, knownLanguages: Set<String>) throws -> PlannedStage {
        let unknown = request.languages.keys.filter { !knownLanguages.contains($0) }.sorted()
        guard unknown.isEmpty else { throw MixtureError.unknownLanguages(stage: request.name, unknown) }
        let unknownDomains = request.domains.keys.filter { !availability.domains.contains($0) }.sorted()
        guard unknownDomains.isEmpty else { throw MixtureError.unknownDomains(stage: request.name, unknownDomains) }
        guard request.budget > 0 else { throw MixtureError.invalid("stage \(request.name): the budget must be positive") }

        // Tokens per language over the domains the stage uses.
        let byLanguage = availability.tokens.mapValues { $0.filter { request.domains[$0.key]?.multiplier ?? 1 > 0 } }
        let languages = Set(byLanguage.filter { $0.value.values.reduce(0, +) > 0 }.keys).union(request.languages.keys).sorted()
        let available = languages.map { Double(byLanguage[$0]?.values.reduce(0, +) ?? 0) }
        let budget = Double(request.budget)
        let pinned = languages.map { request.languages[$0]?.share }
        let floors = languages.indices.map { pinned[$0] ?? request.languages[languages[$0]]?.minShare ?? 0 }
        guard floors.reduce(0, +) <= 1 + 1e-12 else {
            throw MixtureError.sharesAboveOne(stage: request.name, total: floors.reduce(0, +))
        }
        let weights = languages.indices.map { i -> Double in
            if pinned[i] != nil { return 0 }
            switch request.strategy {
            case .proportional: return available[i]
            case .temperature: return available[i] > 0 ? pow(available[i], request.temperature) : 0
            case .unimax: return available[i] > 0 ? 1 : 0
            }
        }
        let epochCap = available.map { tokens in request.maxEpochs.map { $0 * tokens } ?? .infinity }
        let lower = floors.map { $0 * budget }
        let upper = languages.indices.map { i in
            min(epochCap[i], (pinned[i] ?? request.languages[languages[i]]?.maxShare ?? 1) * budget)
        }
        for i in languages.indices where lower[i] > upper[i] * (1 + 1e-12) {
            throw MixtureError.invalid("""
                stage \(request.name): \(languages[i]) needs \(Int64(lower[i].rounded(.up))) tokens for its share or floor, \
                but at most \(Int64(upper[i])) fit within its cap and the epoch cap
                """)
        }
        let parts: [Double]
        do {
            parts = try Allocation.split(budget, weights: weights, lower: lower, upper: upper)
        } catch Allocation.Failure.budgetTooLarge(let maximum) {
            // What each language would get without the caps, beyond what it can take.
            let total = weights.reduce(0, +)
            let shortfalls = languages.indices.compactMap { i -> (String, Int64)? in
                let wanted = pinned[i].map { $0 * budget } ?? (total > 0 ? budget * weights[i] / total : 0)
                return wanted > upper[i] ? (languages[i], Int64((wanted - upper[i]).rounded(.up))) : nil
            }
            throw MixtureError.budgetTooLarge(stage: request.name, budget: request.budget,
                                              maximum: Int64(maximum.rounded(.down)), shortfalls: shortfalls)
        } catch Allocation.Failure.lowerBoundsTooLarge(let minimum) {
            throw MixtureError.invalid("stage \(request.name): floors need \(Int64(minimum)) tokens, more than available within the caps")
        }
        let languageTargets = Allocation.rounded(parts, upper: upper)

        // Within each language, domains by available tokens × multiplier, each capped by
        // the epoch cap. Shares, floors and caps of a domain's total across languages
        // scale that domain's weight in every language (iterative proportional fitting)
        // until each domain's total is within its bounds.
        let rows = languages.indices.filter { languageTargets[$0] > 0 || available[$0] > 0 }
        for i in rows where (byLanguage[languages[i]] ?? [:]).isEmpty {
            throw MixtureError.invalid("stage \(request.name): \(languages[i]) has a pinned share but no tokens in the manifest")
        }
        let domainsOf = rows.map { (byLanguage[languages[$0]] ?? [:]).keys.sorted() }
        let tokensOf = rows.indices.map { r in domainsOf[r].map { Double(byLanguage[languages[rows[r]]]![$0]!) } }
        let capsOf = tokensOf.map { $0.map { t in request.maxEpochs.map { $0 * t } ?? .infinity } }
        var bounds: [String: (low: Double, high: Double)] = [:]
        for (name, o) in request.domains where o.share != nil || o.minShare != nil || o.maxShare != nil {
            bounds[name] = o.share.map { ($0 * budget, $0 * budget) } ?? ((o.minShare ?? 0) * budget, (o.maxShare ?? 1) * budget)
        }
        let floorSum = bounds.values.reduce(0) { $0 + $1.low }
        guard floorSum <= budget * (1 + 1e-12) else {
            throw MixtureError.sharesAboveOne(stage: request.name, total: floorSum / budget)
        }
        var scale: [String: Double] = [:]
        func splitRows() throws -> [[Double]] {
            try rows.indices.map { r in
                let weights = domainsOf[r].indices.map { d in
                    tokensOf[r][d] * (request.domains[domainsOf[r][d]]?.multiplier ?? 1) * (scale[domainsOf[r][d]] ?? 1)
                }
                return try Allocation.split(Double(languageTargets[rows[r]]), weights: weights,
                                            lower: weights.map { _ in 0 }, upper: capsOf[r])
            }
        }
        func totals(_ split: [[Double]]) -> [String: Double] {
            var result: [String: Double] = [:]
            for r in rows.indices { for (d, name) in domainsOf[r].enumerated() { result[name, default: 0] += split[r][d] } }
            return result
        }
        var split = try splitRows()
        let tolerance = 0.5 + 1e-9 * budget
        for _ in 0..<2000 where !bounds.isEmpty {
            let current = totals(split)
            var settled = true
            for (name, bound) in bounds {
                let total = current[name] ?? 0
                let goal = min(bound.high, max(bound.low, total))
                guard abs(goal - total) > tolerance / 4 else { continue }
                settled = false
                // Bounded: a domain that cannot reach its bounds stops at a share of all or
                // nothing of its languages' targets, and the check below reports it.
                scale[name] = min(1e12, max(1e-12, (scale[name] ?? 1) * (total > 0 ? goal / total : 2)))
            }
            if settled { break }
            split = try splitRows()
        }
        let reached = totals(split)
        for (name, bound) in bounds.sorted(by: { $0.key < $1.key }) {
            let total = reached[name] ?? 0
            guard total >= bound.low - tolerance, total <= bound.high + tolerance else {
                throw MixtureError.invalid("""
                    stage \(request.name): domain \(name) cannot get \(Int64(bound.low))...\(Int64(bound.high)) tokens \
                    with these language targets and the epoch cap (at most \(Int64(total)))
                    """)
            }
        }
        var targets: [PlanTarget] = []
        for r in rows.indices {
            for (d, target) in Allocation.rounded(split[r], upper: capsOf[r]).enumerated() {
                let tokens = tokensOf[r][d]
                targets.append(PlanTarget(language: languages[rows[r]], domain: domainsOf[r][d], available: Int64(tokens),
                                          target: target, share: Double(target) / budget,
                                          epochs: tokens > 0 ? Double(target) / tokens : 0))
            }
        }
        return PlannedStage(request: request, targets: targets)
    }

    /// "36T", "500B", "2.5M", "1000": K, M, B (or G), T are powers of 1000.
    public static func parseTokens(_ text: String) -> Int64? {
        let units: [Character: Double] = ["K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12]
        var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
        var scale = 1.0
        if let last = digits.last, let unit = units[last] {
            scale = unit
            digits.removeLast()
        }
        guard let value = Double(digits), value >= 0 else { return nil }
        return Int64((value * scale).rounded())
    }
}
