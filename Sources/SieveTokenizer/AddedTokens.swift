/// A token matched whole in the raw text before normalization and pre-tokenization
/// (`added_tokens` of a `tokenizer.json`: `<|endoftext|>`, `<think>`, …).
public struct AddedToken: Sendable, Equatable {
    public var id: UInt32
    public var content: String
    /// `special: true` tokens are the ones `skip_special_tokens` drops when decoding.
    public var special: Bool

    public init(id: UInt32, content: String, special: Bool) {
        self.id = id
        self.content = content
        self.special = special
    }
}

/// Finds added tokens in text, leftmost first and longest among those starting at the
/// same place (Hugging Face's `AddedVocabulary` with its Aho-Corasick in LeftmostLongest
/// mode). Candidates are found by their first byte, which for real vocabularies (`<`) is
/// rare in text.
struct AddedTokenMatcher: Sendable {
    private var byFirstByte: [[(bytes: [UInt8], id: UInt32)]] = Array(repeating: [], count: 256)
    let isEmpty: Bool

    init(_ tokens: [AddedToken]) {
        for token in tokens where !token.content.isEmpty {
            let bytes = Array(token.content.utf8)
            byFirstByte[Int(bytes[0])].append((bytes, token.id))
        }
        for b in 0..<256 { byFirstByte[b].sort { $0.bytes.count > $1.bytes.count } }
        isEmpty = tokens.isEmpty
    }

    /// Calls `segment` for the text between matches and `token` for each match, in order.
    func split(_ text: UnsafeBufferPointer<UInt8>, segment: (Range<Int>) -> Void, token: (UInt32) -> Void) {
        var start = 0
        var i = 0
        let n = text.count
        while i < n {
            let candidates = byFirstByte[Int(text[i])]
            if !candidates.isEmpty {
                var matched: (Int, UInt32)?
                for c in candidates where c.bytes.count <= n - i {
                    if memcmp(text.baseAddress! + i, c.bytes, c.bytes.count) == 0 {
                        matched = (c.bytes.count, c.id)
                        break
                    }
                }
                if let (length, id) = matched {
                    if i > start { segment(start..<i) }
                    token(id)
                    i += length
                    start = i
                    continue
                }
            }
            i += 1
        }
        if start < n { segment(start..<n) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
