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
/// rare in text; when all tokens share it, `memchr` finds the candidates.
struct AddedTokenMatcher: Sendable {
    private var byFirstByte: [[(bytes: [UInt8], id: UInt32)]] = Array(repeating: [], count: 256)
    private var isFirstByte = [Bool](repeating: false, count: 256)
    /// The first byte of every token, when they all have the same.
    private let onlyFirstByte: UInt8?
    let isEmpty: Bool

    init(_ tokens: [AddedToken]) {
        var firsts = Set<UInt8>()
        for token in tokens where !token.content.isEmpty {
            let bytes = Array(token.content.utf8)
            byFirstByte[Int(bytes[0])].append((bytes, token.id))
            isFirstByte[Int(bytes[0])] = true
            firsts.insert(bytes[0])
        }
        for b in 0..<256 { byFirstByte[b].sort { $0.bytes.count > $1.bytes.count } }
        onlyFirstByte = firsts.count == 1 ? firsts.first : nil
        isEmpty = tokens.isEmpty
    }

    /// The position of the next byte from `i` that starts a token, or `text.count`.
    @inline(__always)
    private func nextCandidate(_ text: UnsafeBufferPointer<UInt8>, from i: Int) -> Int {
        guard i < text.count else { return text.count }
        if let byte = onlyFirstByte {
            guard let p = memchr(text.baseAddress! + i, Int32(byte), text.count - i) else { return text.count }
            return text.baseAddress!.distance(to: p.assumingMemoryBound(to: UInt8.self))
        }
        return isFirstByte.withUnsafeBufferPointer { isFirst in
            var j = i
            while j < text.count && !isFirst[Int(text[j])] { j += 1 }
            return j
        }
    }

    /// Calls `segment` for the text between matches and `token` for each match, in order.
    func split(_ text: UnsafeBufferPointer<UInt8>, segment: (Range<Int>) -> Void, token: (UInt32) -> Void) {
        var start = 0
        let n = text.count
        var i = nextCandidate(text, from: 0)
        while i < n {
            var matched: (Int, UInt32)?
            for c in byFirstByte[Int(text[i])] where c.bytes.count <= n - i {
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
            } else {
                i += 1
            }
            i = nextCandidate(text, from: i)
        }
        if start < n { segment(start..<n) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
