import SieveCore

extension LangIDStage {
    /// `[[stage]] type = "langid"` (docs/langid.md).
    public struct Settings: Codable, Sendable, Equatable {
        /// The model file, relative to the configuration; nil for the shipped one.
        public var model: String?
        /// Languages kept; nil keeps every language.
        public var languages: [String]?
        /// The minimum score of every language not in `minScores`; nil uses the registry's.
        public var minScore: Double?
        public var minScores: [String: Double] = [:]
        /// Whether documents without a language (`und`) are kept.
        public var keepUndetermined = false

        enum CodingKeys: String, CodingKey {
            case model, languages, minScore = "min_score", minScores = "min_scores", keepUndetermined = "keep_undetermined"
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            model = try c.decodeIfPresent(String.self, forKey: .model)
            languages = try c.decodeIfPresent([String].self, forKey: .languages)
            minScore = try c.decodeIfPresent(Double.self, forKey: .minScore)
            minScores = try c.numbersByKey(.minScores)
            keepUndetermined = try c.value(.keepUndetermined, default: false)
        }

        /// The filter these settings describe, every language checked against `registry`.
        public func filter(registry: LanguageRegistry) throws -> LanguageFilter {
            let known = Set(registry.languages.map(\.code))
            if let unknown = (languages ?? []).first(where: { !known.contains($0) }) ?? minScores.keys.sorted().first(where: { !known.contains($0) }) {
                throw SettingsError(context: "stage langid", key: "languages", message: "unknown language \(unknown)")
            }
            return LanguageFilter(allowed: languages.map(Set.init), minScores: minScores, minScore: minScore,
                                  keepUndetermined: keepUndetermined)
        }
    }
}
