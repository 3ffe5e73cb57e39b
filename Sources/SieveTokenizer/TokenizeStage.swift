import SieveCore

/// The `tokenize` stage: encodes each document with a byte-level BPE tokenizer, keeps the
/// ids followed by the end-of-text id in `Document.tokens` (what shards are made of),
/// and records `metadata.token_count` (the text's tokens, end-of-text not counted). A
/// document without tokens (empty text) is dropped as `tokenize:empty`.
/// Added tokens are not matched in documents by default (`added_tokens = "none"`), so a
/// web page containing `<|endoftext|>` cannot inject a control token into the stream.
public struct TokenizeStage: Stage {
    public let name = "tokenize"
    public let tokenizer: Tokenizer
    public let addedTokens: AddedTokenMatching
    public let endOfText: UInt32
    private let sessions = EncodeSessionPool()

    /// Throws when `endOfText` is not a token of the vocabulary.
    public init(tokenizer: Tokenizer, addedTokens: AddedTokenMatching = .none,
                endOfText: String = "<|endoftext|>") throws {
        guard let id = tokenizer.id(of: endOfText) else {
            throw TokenizerError("the end-of-text token \(endOfText) is not in the vocabulary")
        }
        self.tokenizer = tokenizer
        self.addedTokens = addedTokens
        self.endOfText = id
    }

    public func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        sessions.withSession { session in
            var kept: [Document] = []
            kept.reserveCapacity(documents.count)
            for var document in documents {
                var ids: [UInt32] = []
                ids.reserveCapacity(document.text.utf8.count / 3 + 1)
                var text = document.text
                text.withUTF8 { tokenizer.encode(utf8: $0, into: &ids, addedTokens: addedTokens, session: session) }
                // Nothing to train on; Megatron's preprocess_data.py writes no sequence for it either.
                guard !ids.isEmpty else {
                    context.drop(document, rule: "empty")
                    continue
                }
                document.setMetadata(.tokenCount, .int(ids.count))
                ids.append(endOfText)
                document.tokens = ids
                kept.append(document)
            }
            return kept
        }
    }
}
