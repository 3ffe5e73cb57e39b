import SieveCore

extension PerplexityStage {
    /// `[[stage]] type = "perplexity"`, after `tokenize` (docs/lm.md).
    public struct Settings: Codable, Sendable, Equatable {
        /// A `sieve model train --out` folder, relative to the configuration.
        public var model: String
        /// A cutoffs file (`sieve model score --cutoffs-out`): per language, the
        /// perplexities between the buckets.
        public var cutoffs: String?
        /// The buckets kept.
        public var keep = PerplexityStage.buckets

        enum CodingKeys: String, CodingKey { case model, cutoffs, keep }

        public init(model: String) { self.model = model }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            model = try c.required(.model, "a sieve model train --out folder")
            cutoffs = try c.decodeIfPresent(String.self, forKey: .cutoffs)
            keep = try c.value(.keep, default: keep)
            if let bad = keep.first(where: { !PerplexityStage.buckets.contains($0) }) {
                throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.keep],
                                                        debugDescription: "takes \(PerplexityStage.buckets.joined(separator: ", ")), not \"\(bad)\""))
            }
        }
    }
}
