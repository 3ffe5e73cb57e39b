import SieveCore

extension LabelStage {
    /// `[[stage]] type = "label"` (docs/labels.md): the classifier files and what is kept.
    public struct Settings: Codable, Sendable, Equatable {
        /// Classifier files (Sieve's, or fastText's `.bin` and `.ftz`), relative to the
        /// configuration; at least one of the three.
        public var domainModel: String?
        public var qualityModel: String?
        /// A model whose labels' probabilities go into `fields`.
        public var model: String?
        /// Metadata key -> label of `model` (`quality_dclm = "__label__hq"`).
        public var fields: [String: String] = [:]
        /// Metadata key -> minimum probability; documents below are dropped.
        public var minScores: [String: Double] = [:]
        /// The taxonomy file (`models/domains.toml`): the domains the model may name.
        public var taxonomy: String?
        public var minDomainScore = 0.0
        public var qualityLabel = LabelSettings().qualityLabel
        public var minQuality = 0.0
        public var minQualities: [String: Double] = [:]

        enum CodingKeys: String, CodingKey {
            case domainModel = "domain_model", qualityModel = "quality_model", taxonomy, minDomainScore = "min_domain_score"
            case qualityLabel = "quality_label", minQuality = "min_quality", minQualities = "min_qualities"
            case model, fields, minScores = "min_scores"
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            domainModel = try c.decodeIfPresent(String.self, forKey: .domainModel)
            qualityModel = try c.decodeIfPresent(String.self, forKey: .qualityModel)
            model = try c.decodeIfPresent(String.self, forKey: .model)
            guard domainModel != nil || qualityModel != nil || model != nil else {
                throw DecodingError.keyNotFound(CodingKeys.domainModel, .init(
                    codingPath: [], debugDescription: "a classifier file; the stage needs domain_model, quality_model or model"))
            }
            fields = try c.decodeIfPresent([String: String].self, forKey: .fields) ?? [:]
            minScores = try c.numbersByKey(.minScores, in: 0...1)
            guard (model == nil) == fields.isEmpty else {
                throw DecodingError.dataCorruptedError(forKey: .fields, in: c, debugDescription:
                    model == nil ? "must be left out without model (fields are the labels of model)"
                        : "must name the labels to keep when model is set (metadata key = label, e.g. quality_dclm = \"__label__hq\")")
            }
            taxonomy = try c.decodeIfPresent(String.self, forKey: .taxonomy)
            minDomainScore = try c.value(.minDomainScore, default: minDomainScore, in: 0...1)
            qualityLabel = try c.value(.qualityLabel, default: qualityLabel)
            minQuality = try c.value(.minQuality, default: minQuality, in: 0...1)
            minQualities = try c.numbersByKey(.minQualities, in: 0...1)
        }

        /// The thresholds, with the taxonomy's domains when it was read.
        public func labelSettings(taxonomy domains: Set<String>?) -> LabelSettings {
            var settings = LabelSettings()
            settings.minDomainScore = minDomainScore
            settings.qualityLabel = qualityLabel
            settings.minQualityDefault = minQuality
            settings.minQualityByLanguage = minQualities
            settings.taxonomy = domains
            settings.fields = fields
            settings.minScores = minScores
            return settings
        }
    }
}
