import SieveCore

extension LangIDStage {
    /// `[[stage]] type = "langid"` (docs/langid.md).
    public struct Settings: Codable, Sendable, Equatable {
        /// The model file, relative to the configuration; nil for the shipped one.
        public var model: String?
        /// Languages or groups kept; nil keeps every language.
        public var languages: [String]?
        /// The minimum score of every language not in `minScores`; nil uses the registry's.
        public var minScore: Double?
        /// Per language, or per group (compared with the group's summed score).
        public var minScores: [String: Double] = [:]
        /// Whether documents without a language (`und`) are kept.
        public var keepUndetermined = false
        /// Per language, a prior weight over the registry's (docs/langid.md).
        public var priors: [String: Double] = [:]

        enum CodingKeys: String, CodingKey {
            case model, languages, minScore = "min_score", minScores = "min_scores", keepUndetermined = "keep_undetermined"
            case priors
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            model = try c.decodeIfPresent(String.self, forKey: .model)
            languages = try c.decodeIfPresent([String].self, forKey: .languages)
            minScore = try c.decodeIfPresent(Double.self, forKey: .minScore)
            minScores = try c.numbersByKey(.minScores)
            keepUndetermined = try c.value(.keepUndetermined, default: false)
            priors = try c.numbersByKey(.priors, in: 0.0001...10_000)
        }

        /// As synthesized, but without `priors` when there are none, so that the
        /// fingerprint of a configuration written before priors existed stays the same.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(model, forKey: .model)
            try c.encodeIfPresent(languages, forKey: .languages)
            try c.encodeIfPresent(minScore, forKey: .minScore)
            try c.encode(minScores, forKey: .minScores)
            try c.encode(keepUndetermined, forKey: .keepUndetermined)
            if !priors.isEmpty { try c.encode(priors, forKey: .priors) }
        }

        /// The filter these settings describe, every language and group checked against
        /// `registry`.
        public func filter(registry: LanguageRegistry) throws -> LanguageFilter {
            let known = Set(registry.languages.flatMap { [$0.code, $0.groupName] })
            if let unknown = (languages ?? []).first(where: { !known.contains($0) }) ?? minScores.keys.sorted().first(where: { !known.contains($0) }) {
                throw SettingsError(context: "stage langid", key: "languages", message: "unknown language \(unknown)")
            }
            let codes = Set(registry.languages.map(\.code))
            if let unknown = priors.keys.sorted().first(where: { !codes.contains($0) }) {
                throw SettingsError(context: "stage langid", key: "priors", message: "unknown language \(unknown)")
            }
            return LanguageFilter(allowed: languages.map(Set.init), minScores: minScores, minScore: minScore,
                                  keepUndetermined: keepUndetermined)
        }
    }
}
