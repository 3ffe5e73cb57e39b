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
    public var languages: [String: LanguageOverride] = [:]
    /// Weights of domains within each language (default 1; 0 leaves a domain out).
    public var domainMultipliers: [String: Double] = [:]

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
        let unknownDomains = request.domainMultipliers.keys.filter { !availability.domains.contains($0) }.sorted()
        guard unknownDomains.isEmpty else { throw MixtureError.unknownDomains(stage: request.name, unknownDomains) }
        guard request.budget > 0 else { throw MixtureError.invalid("stage \(request.name): the budget must be positive") }

        // Tokens per language over the domains the stage uses.
        let byLanguage = availability.tokens.mapValues { $0.filter { request.domainMultipliers[$0.key] ?? 1 > 0 } }
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

        // Within each language, domains by available tokens × multiplier, each capped.
        var targets: [PlanTarget] = []
        for (i, language) in languages.enumerated() where languageTargets[i] > 0 || available[i] > 0 {
            let domains = (byLanguage[language] ?? [:]).keys.sorted()
            let tokens = domains.map { Double(byLanguage[language]![$0]!) }
            let domainWeights = domains.indices.map { tokens[$0] * (request.domainMultipliers[domains[$0]] ?? 1) }
            let domainUpper = tokens.map { t in request.maxEpochs.map { $0 * t } ?? .infinity }
            guard !domains.isEmpty else {
                throw MixtureError.invalid("stage \(request.name): \(language) has a pinned share but no tokens in the manifest")
            }
            let split = try Allocation.split(Double(languageTargets[i]), weights: domainWeights,
                                             lower: domains.map { _ in 0 }, upper: domainUpper)
            for (d, target) in Allocation.rounded(split, upper: domainUpper).enumerated() {
                targets.append(PlanTarget(language: language, domain: domains[d], available: Int64(tokens[d]), target: target,
                                          share: Double(target) / budget,
                                          epochs: tokens[d] > 0 ? Double(target) / tokens[d] : 0))
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
