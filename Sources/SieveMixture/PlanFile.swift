import Foundation
import SieveCore

/// A plan as written to and read from `plan.toml` (docs/mixture.md): the manifest it was
/// made from, the seed of exports, and per stage its request and its targets.
public struct MixturePlan: Sendable {
    public var manifest: String
    public var seed: Int
    public var stages: [PlannedStage]

    public init(manifest: String, seed: Int, stages: [PlannedStage]) {
        self.manifest = manifest
        self.seed = seed
        self.stages = stages
    }

    public func toml() -> String {
        var out = """
            # Sieve mixture plan, written by `sieve mix plan`: targets in tokens per stage,
            # language and domain; share = target / stage budget, epochs = target / available.

            manifest = \(TOML.quoted(manifest))
            seed = \(seed)

            """
        for stage in stages {
            let r = stage.request
            out += """

                [[stage]]
                name = \(TOML.quoted(r.name))
                budget = \(r.budget)
                strategy = \(TOML.quoted(r.strategy.rawValue))
                temperature = \(r.temperature)
                max_epochs = \(r.maxEpochs ?? 0)
                min_document_tokens = \(r.minDocumentTokens)

                """
            if let rehydration = r.rehydration { out += "rehydrate = \(TOML.quoted("\(rehydration)"))\n" }
            if r.byGroup { out += "language_groups = true\n" }
            for t in stage.targets {
                out += """

                    [[stage.target]]
                    language = \(TOML.quoted(t.language))
                    domain = \(TOML.quoted(t.domain))
                    available = \(t.available)
                    target = \(t.target)
                    share = \(t.share)
                    epochs = \(t.epochs)

                    """
            }
        }
        return out
    }

    public init(toml text: String) throws {
        let table = try TOML.parse(text)
        guard case .string(let manifest)? = table["manifest"], case .integer(let seed)? = table["seed"],
              case .array(let stages)? = table["stage"] else {
            throw MixtureError.invalid("not a Sieve mixture plan (manifest, seed and [[stage]] are required)")
        }
        self.manifest = manifest
        self.seed = seed
        self.stages = try stages.map { value in
            guard case .table(let s) = value, case .string(let name)? = s["name"], case .integer(let budget)? = s["budget"],
                  case .string(let strategyName)? = s["strategy"], let strategy = Strategy(rawValue: strategyName) else {
                throw MixtureError.invalid("a [[stage]] of the plan lacks name, budget or strategy")
            }
            var request = StageRequest(name: name, budget: Int64(budget))
            request.strategy = strategy
            request.temperature = Self.number(s["temperature"]) ?? 0.3
            let cap = Self.number(s["max_epochs"]) ?? 0
            request.maxEpochs = cap > 0 ? cap : nil
            if case .integer(let n)? = s["min_document_tokens"] { request.minDocumentTokens = n }
            request.rehydration = try StageRequests.rehydration(s["rehydrate"], stage: name) ?? nil
            if case .bool(let byGroup)? = s["language_groups"] { request.byGroup = byGroup }
            var targets: [PlanTarget] = []
            if case .array(let rows)? = s["target"] {
                for row in rows {
                    guard case .table(let t) = row, case .string(let language)? = t["language"],
                          case .string(let domain)? = t["domain"], case .integer(let available)? = t["available"],
                          case .integer(let target)? = t["target"] else {
                        throw MixtureError.invalid("stage \(name): a [[stage.target]] lacks language, domain, available or target")
                    }
                    targets.append(PlanTarget(language: language, domain: domain, available: Int64(available),
                                              target: Int64(target), share: Self.number(t["share"]) ?? 0,
                                              epochs: Self.number(t["epochs"]) ?? 0))
                }
            }
            return PlannedStage(request: request, targets: targets)
        }
    }

    static func number(_ value: TOMLValue?) -> Double? {
        switch value {
        case .float(let x)?: return x
        case .integer(let n)?: return Double(n)
        default: return nil
        }
    }
}

/// Stage requests from an overrides file (`languages/mixture.toml`): `[[stage]]` tables
/// with name, and optionally budget, strategy, temperature, max_epochs,
/// min_document_tokens, rehydrate (true for FineWeb-2's weights, false, or weights as
/// "SIZE:WEIGHT,…"), language_groups (plan over groups of close varieties),
/// `[stage.languages.CODE]` (share, min_share, max_share; CODE a group with
/// language_groups) and
/// `[stage.domains.NAME]` (multiplier, share, min_share, max_share). Missing values come
/// from `defaults`.
public enum StageRequests {
    public static func parse(_ text: String, defaults: StageRequest) throws -> [StageRequest] {
        let table = try TOML.parse(text)
        guard case .array(let stages)? = table["stage"] else { throw MixtureError.invalid("no [[stage]] in the overrides file") }
        return try stages.map { value in
            guard case .table(let s) = value else { throw MixtureError.invalid("[[stage]] must be a table") }
            var request = defaults
            if case .string(let name)? = s["name"] { request.name = name }
            switch s["budget"] {
            case .string(let text)?:
                guard let budget = MixturePlanner.parseTokens(text) else { throw MixtureError.invalid("stage \(request.name): bad budget \(text)") }
                request.budget = budget
            case .integer(let n)?: request.budget = Int64(n)
            default: break
            }
            if case .string(let name)? = s["strategy"] {
                guard let strategy = Strategy(rawValue: name) else { throw MixtureError.invalid("stage \(request.name): unknown strategy \(name)") }
                request.strategy = strategy
            }
            if let t = MixturePlan.number(s["temperature"]) { request.temperature = t }
            if let e = MixturePlan.number(s["max_epochs"]) { request.maxEpochs = e > 0 ? e : nil }
            if case .integer(let n)? = s["min_document_tokens"] { request.minDocumentTokens = n }
            if let rehydration = try rehydration(s["rehydrate"], stage: request.name) { request.rehydration = rehydration }
            switch s["language_groups"] {
            case nil: break
            case .bool(let byGroup)?: request.byGroup = byGroup
            default: throw MixtureError.invalid("stage \(request.name): language_groups must be true or false")
            }
            if case .table(let languages)? = s["languages"] {
                for code in languages.keys {
                    guard case .table(let o)? = languages[code] else { continue }
                    let override = LanguageOverride(share: MixturePlan.number(o["share"]), minShare: MixturePlan.number(o["min_share"]),
                                                    maxShare: MixturePlan.number(o["max_share"]))
                    for value in [override.share, override.minShare, override.maxShare] {
                        if let v = value, !(0...1).contains(v) {
                            throw MixtureError.invalid("stage \(request.name): \(code): shares must be between 0 and 1")
                        }
                    }
                    request.languages[code] = override
                }
            }
            if case .table(let domains)? = s["domains"] {
                for name in domains.keys {
                    guard case .table(let o)? = domains[name] else { continue }
                    let override = DomainOverride(multiplier: MixturePlan.number(o["multiplier"]) ?? 1,
                                                  share: MixturePlan.number(o["share"]), minShare: MixturePlan.number(o["min_share"]),
                                                  maxShare: MixturePlan.number(o["max_share"]))
                    guard override.multiplier >= 0 else { throw MixtureError.invalid("stage \(request.name): domain \(name): multiplier below 0") }
                    for value in [override.share, override.minShare, override.maxShare] {
                        if let v = value, !(0...1).contains(v) {
                            throw MixtureError.invalid("stage \(request.name): domain \(name): shares must be between 0 and 1")
                        }
                    }
                    request.domains[name] = override
                }
            }
            return request
        }
    }

    /// `rehydrate`: nil when absent, .some(nil) for false.
    static func rehydration(_ value: TOMLValue?, stage: String) throws -> Rehydration?? {
        switch value {
        case nil: return nil
        case .bool(let on)?: return .some(on ? .fineWeb2 : nil)
        case .string(let text)?: return .some(try Rehydration(text))
        default: throw MixtureError.invalid("stage \(stage): rehydrate must be true, false or weights as \"SIZE:WEIGHT,…\"")
        }
    }
}
