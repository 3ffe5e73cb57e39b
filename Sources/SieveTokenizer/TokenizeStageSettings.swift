import SieveCore

extension TokenizeStage {
    /// `[[stage]] type = "tokenize"` (docs/shards.md).
    public struct Settings: Codable, Sendable, Equatable {
        /// The `tokenizer.json`, relative to the configuration.
        public var tokenizer: String
        public var addedTokens = AddedTokenMatching.none
        public var endOfText = "<|endoftext|>"

        enum CodingKeys: String, CodingKey { case tokenizer, addedTokens = "added_tokens", endOfText = "end_of_text" }

        public init(tokenizer: String) { self.tokenizer = tokenizer }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            tokenizer = try c.required(.tokenizer, "the tokenizer.json, or sieve run --tokenizer")
            addedTokens = try c.choice(.addedTokens, default: addedTokens)
            endOfText = try c.value(.endOfText, default: endOfText)
        }
    }
}
