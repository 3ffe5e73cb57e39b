import SieveCore

extension PerplexityStage {
    /// `[[stage]] type = "perplexity"`, after `tokenize` (docs/lm.md).
    public struct Settings: Codable, Sendable, Equatable {
        /// A `sieve model train --out` folder, or an n-gram model (`.arpa`), relative to
        /// the configuration.
        public var model: String
        /// N-gram models per language (language -> `.arpa`); `model`, when an ARPA file,
        /// scores the languages not listed.
        public var models: [String: String] = [:]
        /// A cutoffs file (`sieve model score --cutoffs-out`): per language, the
        /// perplexities between the buckets.
        public var cutoffs: String?
        /// The buckets kept.
        public var keep = PerplexityStage.buckets

        enum CodingKeys: String, CodingKey { case model, models, cutoffs, keep }

        /// Whether `model` names an n-gram model rather than a transformer folder.
        public var isNGram: Bool { model.hasSuffix(".arpa") || !models.isEmpty }

        public init(model: String) { self.model = model }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            models = try c.decodeIfPresent([String: String].self, forKey: .models) ?? [:]
            if models.isEmpty {
                model = try c.required(.model, "a sieve model train --out folder, or an n-gram model (.arpa)")
            } else {
                model = try c.decodeIfPresent(String.self, forKey: .model) ?? ""
                if !model.isEmpty && !model.hasSuffix(".arpa") {
                    throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.model],
                                                            debugDescription: "must be an .arpa file when models are given per language"))
                }
            }
            cutoffs = try c.decodeIfPresent(String.self, forKey: .cutoffs)
            keep = try c.value(.keep, default: keep)
            if let bad = keep.first(where: { !PerplexityStage.buckets.contains($0) }) {
                throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.keep],
                                                        debugDescription: "takes \(PerplexityStage.buckets.joined(separator: ", ")), not \"\(bad)\""))
            }
        }
    }
}
