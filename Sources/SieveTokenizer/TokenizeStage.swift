import SieveCore

/// The `tokenize` stage: counts each document's tokens (`metadata.token_count`) with a
/// byte-level BPE tokenizer. Added tokens are not matched in documents by default
/// (`added_tokens = "none"`), so a web page containing `<|endoftext|>` cannot inject a
/// control token into the training stream.
public struct TokenizeStage: Stage {
    public let name = "tokenize"
    public let tokenizer: Tokenizer
    public let addedTokens: AddedTokenMatching
    private let sessions = EncodeSessionPool()

    public init(tokenizer: Tokenizer, addedTokens: AddedTokenMatching = .none) {
        self.tokenizer = tokenizer
        self.addedTokens = addedTokens
    }

    public func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        sessions.withSession { session in
            var ids: [UInt32] = []
            return documents.map { document in
                var document = document
                ids.removeAll(keepingCapacity: true)
                var text = document.text
                text.withUTF8 { tokenizer.encode(utf8: $0, into: &ids, addedTokens: addedTokens, session: session) }
                document.setMetadata("token_count", .int(ids.count))
                return document
            }
        }
    }
}
