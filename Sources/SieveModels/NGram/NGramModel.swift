import Foundation
import SieveCore

/// An n-gram language model read from an ARPA file (lmplz's, SRILM's, `sieve ngram
/// train`'s), scoring as KenLM does: each word's log10 probability from the longest
/// n-gram of its history the model has, plus the backoffs of the longer histories it
/// lacks; words the model does not know are `<unk>`. `score` is KenLM's
/// `Model.score(line, bos=True, eos=True)`: the sentence's white-space tokens between
/// `<s>` and `</s>`.
public final class NGramModel: @unchecked Sendable {
    public let path: String
    public let order: Int
    public let counts: [Int]
    /// Word (its bytes: Swift's String equality would merge canonically equivalent
    /// spellings that KenLM keeps apart) -> id.
    private let ids: [WordBytes: Int32]
    private let unknown: Int32
    private let begin: Int32
    private let end: Int32
    /// Per order: hash of the n-gram's ids -> (log10 probability, log10 backoff). KenLM's
    /// probing model also keeps only a 64-bit hash of each n-gram.
    private var tables: [[UInt64: (prob: Float, backoff: Float)]]

    public static func read(from path: String) throws -> NGramModel {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError("\(path): cannot read") }
        return try NGramModel(arpa: data, path: path)
    }

    init(arpa data: Data, path: String) throws {
        self.path = path
        let text = String(decoding: data, as: UTF8.self)
        // Split at bytes: a combining mark after a tab, space or newline would otherwise
        // join it in one Character.
        var lines = NGramText.split(text[...], at: 0x0A).makeIterator()
        var lineNumber = 0
        func next() -> Substring? {
            lineNumber += 1
            return lines.next()
        }
        func fail(_ message: String) -> ModelError { ModelError("\(path): line \(lineNumber): \(message)") }
        // The header: \data\ then "ngram N=count" lines.
        var line = next()
        while let l = line, l.trimmingCharacters(in: .whitespaces) != "\\data\\" { line = next() }
        guard line != nil else { throw ModelError("\(path): no \\data\\ section: not an ARPA file") }
        var counts: [Int] = []
        while let l = next() {
            let t = l.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { if counts.isEmpty { continue } else { break } }
            guard t.hasPrefix("ngram "), let eq = t.firstIndex(of: "="),
                  let n = Int(t[t.index(t.startIndex, offsetBy: 6)..<eq].trimmingCharacters(in: .whitespaces)),
                  let c = Int(t[t.index(after: eq)...].trimmingCharacters(in: .whitespaces)), n == counts.count + 1, c >= 0 else {
                throw fail("expected \"ngram \(counts.count + 1)=COUNT\", found \"\(t.prefix(60))\"")
            }
            counts.append(c)
        }
        guard !counts.isEmpty else { throw ModelError("\(path): the \\data\\ section lists no n-gram counts") }
        order = counts.count
        self.counts = counts
        var ids: [WordBytes: Int32] = [:]
        var tables = [[UInt64: (prob: Float, backoff: Float)]](repeating: [:], count: counts.count)
        for n in 1...counts.count {
            var header = next()
            while let h = header, h.trimmingCharacters(in: .whitespaces).isEmpty { header = next() }
            guard let h = header, h.trimmingCharacters(in: .whitespaces) == "\\\(n)-grams:" else {
                throw fail("expected the \\\(n)-grams: section")
            }
            tables[n - 1].reserveCapacity(counts[n - 1])
            var seen = 0
            var words: [Int32] = []
            while let l = next() {
                if l.isEmpty || l.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { break }
                let fields = NGramText.split(l, at: 0x09)
                guard fields.count == 2 || fields.count == 3, let prob = Float(Self.trimmed(fields[0])) else {
                    throw fail("expected \"log10-probability<TAB>\(n) words[<TAB>backoff]\", found \"\(l.prefix(60))\"")
                }
                var backoff: Float = 0
                if fields.count == 3 {
                    guard let b = Float(Self.trimmed(fields[2])) else { throw fail("bad backoff \"\(fields[2])\"") }
                    backoff = b
                }
                let tokens = NGramText.split(fields[1], at: 0x20).filter { !$0.isEmpty }
                guard tokens.count == n else { throw fail("\(tokens.count) words in a \(n)-gram") }
                words.removeAll(keepingCapacity: true)
                for token in tokens {
                    let word = WordBytes(token)
                    if n == 1 {
                        let id = Int32(ids.count)
                        if ids[word] == nil { ids[word] = id }
                        words.append(ids[word]!)
                    } else {
                        guard let id = ids[word] else { throw fail("word \"\(token)\" is not a unigram") }
                        words.append(id)
                    }
                }
                tables[n - 1][Self.hash(words[...])] = (prob, backoff)
                seen += 1
            }
            guard seen == counts[n - 1] else {
                throw ModelError("\(path): the header says \(counts[n - 1]) \(n)-grams, the section has \(seen)")
            }
        }
        guard let unknown = ids[WordBytes("<unk>")] else { throw ModelError("\(path): no <unk> unigram") }
        guard let begin = ids[WordBytes("<s>")], let end = ids[WordBytes("</s>")] else { throw ModelError("\(path): no <s> or </s> unigram") }
        self.ids = ids
        self.unknown = unknown
        self.begin = begin
        self.end = end
        self.tables = tables
    }

    /// Without surrounding spaces, tabs and CRs (ASCII only: numbers and section lines).
    static func trimmed(_ s: Substring) -> Substring {
        let utf8 = s.utf8
        var start = utf8.startIndex, end = utf8.endIndex
        while start != end, utf8[start] == 0x20 || utf8[start] == 0x09 || utf8[start] == 0x0D { start = utf8.index(after: start) }
        while end != start, utf8[utf8.index(before: end)] == 0x20 || utf8[utf8.index(before: end)] == 0x09 || utf8[utf8.index(before: end)] == 0x0D {
            end = utf8.index(before: end)
        }
        return s[start..<end]
    }

    /// The key of an n-gram: FNV-1a over its ids from the last word back to the first,
    /// then a final mix. Hashing from the right lets scoring extend a word's key by one
    /// history word at a time.
    @inline(__always)
    static func step(_ h: UInt64, _ word: Int32) -> UInt64 { (h ^ UInt64(UInt32(bitPattern: word))) &* 0x0000_0100_0000_01B3 }
    static let seed: UInt64 = 0xcbf2_9ce4_8422_2325

    static func hash(_ words: ArraySlice<Int32>) -> UInt64 {
        var h = seed
        for w in words.reversed() { h = step(h, w) }
        return fmix64(h)
    }

    /// A word's id, `<unk>`'s for words the model does not have.
    func id(_ word: String) -> Int32 { ids[WordBytes(word[...])] ?? unknown }

    /// log10 P(word | history), the history's last order-1 words at most, as KenLM's
    /// FullScore: the longest n-gram present, plus the backoffs of the longer histories,
    /// shortest first.
    func score(_ word: Int32, history: ArraySlice<Int32>) -> Float {
        let longest = min(order - 1, history.count)
        var key = Self.step(Self.seed, word)
        var prob = tables[0][fmix64(key)]?.prob ?? tables[0][fmix64(Self.step(Self.seed, unknown))]?.prob ?? 0
        var matched = 0  // history words in the n-gram used
        var j = 0
        while j < longest {
            key = Self.step(key, history[history.endIndex - 1 - j])
            guard let entry = tables[j + 1][fmix64(key)] else { break }
            prob = entry.prob
            matched = j + 1
            j += 1
        }
        var context = Self.seed
        for k in 0..<longest {
            context = Self.step(context, history[history.endIndex - 1 - k])
            guard k + 1 > matched else { continue }
            guard let entry = tables[k][fmix64(context)] else { break }
            prob += entry.backoff
        }
        return prob
    }

    /// KenLM's `Model.score(sentence, bos=True, eos=True)`: the total log10 probability
    /// of the sentence's words and `</s>` after `<s>`.
    public func score(_ sentence: Substring) -> (logProb: Double, tokens: Int) {
        var history: [Int32] = [begin]
        // Summed in single precision, as KenLM sums.
        var total: Float = 0
        var tokens = 0
        for token in NGramText.tokens(sentence, separators: NGramText.kenlmSeparators) {
            let id = ids[WordBytes(token)] ?? unknown
            total += score(id, history: history[...])
            history.append(id)
            if history.count >= order { history.removeFirst(history.count - (order - 1)) }
            tokens += 1
        }
        total += score(end, history: history[...])
        return (Double(total), tokens + 1)
    }

    /// KenLM's `Model.perplexity`: 10^(−score / (words + 1)).
    public func perplexity(_ sentence: Substring) -> Double {
        let (logProb, tokens) = score(sentence)
        return pow(10, -logProb / Double(tokens))
    }
}

/// A word as a 64-bit hash of its UTF-8 bytes, the way KenLM's vocabulary keeps words
/// (and compares bytes, not canonically equivalent spellings as Swift's String does).
struct WordBytes: Hashable {
    let hash: UInt64

    init(_ word: Substring) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in word.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        hash = fmix64(h)
    }

    init(_ word: String) { self.init(word[...]) }

    static func == (a: WordBytes, b: WordBytes) -> Bool { a.hash == b.hash }
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}
