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
    /// Word -> id (0 is `<unk>`).
    private let ids: [String: Int32]
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
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).makeIterator()
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
        var ids: [String: Int32] = [:]
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
                let fields = l.split(separator: "\t", omittingEmptySubsequences: false)
                guard fields.count == 2 || fields.count == 3, let prob = Float(fields[0].trimmingCharacters(in: .whitespaces)) else {
                    throw fail("expected \"log10-probability<TAB>\(n) words[<TAB>backoff]\", found \"\(l.prefix(60))\"")
                }
                var backoff: Float = 0
                if fields.count == 3 {
                    guard let b = Float(fields[2].trimmingCharacters(in: .whitespaces)) else { throw fail("bad backoff \"\(fields[2])\"") }
                    backoff = b
                }
                let tokens = fields[1].split(separator: " ")
                guard tokens.count == n else { throw fail("\(tokens.count) words in a \(n)-gram") }
                words.removeAll(keepingCapacity: true)
                for token in tokens {
                    if n == 1 {
                        let id = Int32(ids.count)
                        if ids[String(token)] == nil { ids[String(token)] = id }
                        words.append(ids[String(token)]!)
                    } else {
                        guard let id = ids[String(token)] else { throw fail("word \"\(token)\" is not a unigram") }
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
        guard let unknown = ids["<unk>"] else { throw ModelError("\(path): no <unk> unigram") }
        guard let begin = ids["<s>"], let end = ids["</s>"] else { throw ModelError("\(path): no <s> or </s> unigram") }
        self.ids = ids
        self.unknown = unknown
        self.begin = begin
        self.end = end
        self.tables = tables
    }

    /// FNV-1a over the ids, then a final mix: the key of an n-gram.
    @inline(__always)
    static func hash(_ words: ArraySlice<Int32>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for w in words { h = (h ^ UInt64(UInt32(bitPattern: w))) &* 0x0000_0100_0000_01B3 }
        return fmix64(h)
    }

    /// A word's id, `<unk>`'s for words the model does not have.
    func id(_ word: String) -> Int32 { ids[word] ?? unknown }

    /// log10 P(word | history), the history's last order-1 words at most.
    func score(_ word: Int32, history: ArraySlice<Int32>) -> Float {
        var gram = Array(history.suffix(order - 1)) + [word]
        // The longest n-gram present, then the backoffs of the longer histories.
        var start = 0
        var prob: Float = 0
        while start < gram.count {
            if let entry = tables[gram.count - start - 1][Self.hash(gram[start...])] {
                prob = entry.prob
                break
            }
            start += 1
        }
        if start == gram.count { prob = tables[0][Self.hash([unknown][...])]?.prob ?? 0 }
        gram.removeLast()
        // Histories longer than the one used: gram[s..<end] for s < start.
        for s in 0..<min(start, gram.count) {
            if let entry = tables[gram.count - s - 1][Self.hash(gram[s...])] { prob += entry.backoff }
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
        for token in sentence.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\u{0B}" || $0 == "\u{0C}" }) {
            let id = ids[String(token)] ?? unknown
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
