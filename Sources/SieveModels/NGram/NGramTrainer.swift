import Foundation

/// Estimates an n-gram language model with interpolated modified Kneser-Ney smoothing as
/// KenLM's `lmplz` does (Heafield et al. 2013; Chen and Goodman 1998), in memory:
///
/// - each line is a sentence: its white-space tokens, `</s>` after them and N-1 `<s>`
///   before them (so that the first words have full histories);
/// - the highest order keeps raw counts; a lower-order n-gram's adjusted count is the
///   number of distinct words seen to its left, except n-grams that start with `<s>`,
///   which keep their raw counts (nothing can precede `<s>`);
/// - per order, discounts D1, D2, D3+ from the counts of adjusted counts 1–4 (Chen and
///   Goodman's equation 26); lmplz's error when one of them is zero, or its fallback;
/// - per context h: gamma(h) = (D1·N1(h·) + D2·N2(h·) + D3+·N3+(h·)) / Σ a(h·), and
///   p(w|h) = (a(hw) − D(a(hw))) / Σ a(h·) + gamma(h)·p(w|h′); unigrams interpolate with
///   the uniform distribution over the vocabulary without `<s>`; `<unk>` gets only that
///   share, `<s>` probability 1 (log 0), as lmplz writes it;
/// - backoff(h) = gamma(h) for every n-gram below the highest order that is a context,
///   1 (log 0) for the others and for those ending in `</s>` or `<unk>`.
///
/// No pruning (lmplz's default). The model is written as ARPA (`ARPAFile`).
public struct NGramTrainer {
    public let order: Int
    /// lmplz's --discount_fallback: discounts used for an order whose counts of counts
    /// are too sparse to estimate them (lmplz's defaults when the flag is given).
    public var discountFallback: [Double]? = nil

    /// Word ids: 0 `<unk>`, 1 `<s>`, 2 `</s>`, then words in order of first appearance.
    private(set) var vocabulary: [String] = ["<unk>", "<s>", "</s>"]
    private var ids: [WordBytes: Int32] = [WordBytes("<unk>"): 0, WordBytes("<s>"): 1, WordBytes("</s>"): 2]
    /// Raw counts of every k-gram (1...order) ending on a real token of a padded sentence.
    private var raw: [[NGramKey: Int]]

    public init(order: Int) {
        precondition(order >= 1)
        self.order = order
        raw = Array(repeating: [:], count: order)
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Adds one sentence (a line): its tokens, separated by the bytes lmplz separates
    /// words with (space, tab, CR, LF, NUL). `<s>`, `</s>` and `<unk>` in the text are
    /// skipped, as lmplz's --skip_symbols does (by default it refuses them).
    public mutating func add(line: Substring) {
        var sequence = [Int32](repeating: 1, count: order - 1)
        for token in NGramText.tokens(line, separators: NGramText.lmplzSeparators) {
            let word = WordBytes(token)
            if let id = ids[word] {
                if id <= 2 { continue }  // <unk>, <s>, </s>
                sequence.append(id)
            } else {
                let id = Int32(vocabulary.count)
                ids[word] = id
                vocabulary.append(String(token))
                sequence.append(id)
            }
        }
        sequence.append(2)
        for end in (order - 1)..<sequence.count {
            for k in 1...order {
                raw[k - 1][NGramKey(sequence[(end - k + 1)...end]), default: 0] += 1
            }
        }
    }

    /// Estimates the model.
    public func estimate() throws -> NGramModelData {
        // The model's n-grams: no `<s>` after the first word; adjusted counts.
        var adjusted = [[NGramKey: Int]](repeating: [:], count: order)
        for k in 1...order {
            for (gram, count) in raw[k - 1] where !gram.hasBeginAfterFirst {
                if k == order || gram.words[0] == 1 {
                    adjusted[k - 1][gram] = count
                } else {
                    adjusted[k - 1][gram] = 0
                }
            }
        }
        // Distinct left extensions: every (k+1)-gram occurrence, `<s>` padding included.
        if order > 1 {
            for k in 1..<order {
                for gram in raw[k].keys {
                    let suffix = gram.dropFirst()
                    if suffix.words[0] != 1 { adjusted[k - 1][suffix, default: 0] += 1 }
                }
            }
        }
        adjusted[0][NGramKey([0]), default: 0] += 0
        adjusted[0][NGramKey([1]), default: 0] += 0

        // Discounts per order from the counts of adjusted counts.
        var discounts: [[Double]] = []
        for k in 1...order {
            var n = [Int](repeating: 0, count: 5)
            for count in adjusted[k - 1].values where count > 0 && count < 5 { n[count] += 1 }
            if (1...3).contains(where: { n[$0] == 0 }) {
                guard let fallback = discountFallback else {
                    let j = (1...3).first { n[$0] == 0 }!
                    throw Failure(description: "cannot estimate Kneser-Ney discounts for \(k)-grams with adjusted count \(j + 1): no \(k)-grams have adjusted count \(j) (too little or artificial data; lmplz says the same; --discount-fallback uses 0.5 1 1.5)")
                }
                discounts.append([0] + fallback)
                continue
            }
            // lmplz computes these in single precision.
            let y = Float(n[1]) / (Float(n[1]) + 2 * Float(n[2]))
            var d: [Double] = [0]
            for j in 1...3 {
                let value = Float(j) - Float(j + 1) * y * Float(n[j + 1]) / Float(n[j])
                guard value >= 0, value <= Float(j) else {
                    throw Failure(description: "\(k)-gram discount out of range for adjusted count \(j): \(value)")
                }
                d.append(Double(value))
            }
            discounts.append(d)
        }

        // Per context: the denominator and gamma, from the n-grams of the next order.
        var gammas = [[NGramKey: (denominator: Double, gamma: Double)]](repeating: [:], count: order)
        for k in 1...order {
            var sums: [NGramKey: (denominator: Double, n: (Int, Int, Int))] = [:]
            for (gram, count) in adjusted[k - 1] {
                let context = gram.dropLast()
                var entry = sums[context] ?? (0, (0, 0, 0))
                entry.denominator += Double(count)
                switch count {
                case 0: break
                case 1: entry.n.0 += 1
                case 2: entry.n.1 += 1
                default: entry.n.2 += 1
                }
                sums[context] = entry
            }
            let d = discounts[k - 1]
            for (context, s) in sums {
                let gamma = (d[1] * Double(s.n.0) + d[2] * Double(s.n.1) + d[3] * Double(s.n.2)) / s.denominator
                gammas[k - 1][context] = (s.denominator, gamma)
            }
        }

        // Interpolated probabilities, lowest order first.
        var probabilities = [[NGramKey: Double]](repeating: [:], count: order)
        let uniform = 1 / Double(adjusted[0].count - 1)  // the vocabulary without <s>
        for k in 1...order {
            let d = discounts[k - 1]
            for (gram, count) in adjusted[k - 1] {
                let context = gram.dropLast()
                let g = gammas[k - 1][context]!
                var p: Double
                if k == 1 && gram.words[0] == 1 {
                    p = 1  // <s>
                } else {
                    let discounted = k == 1 && gram.words[0] == 0 ? 0 : (Double(count) - d[min(count, 3)]) / g.denominator
                    let lower = k == 1 ? uniform : probabilities[k - 2][gram.dropFirst()]!
                    p = discounted + g.gamma * lower
                }
                probabilities[k - 1][gram] = p
            }
        }

        var orders: [[(gram: NGramKey, logProb: Double, logBackoff: Double)]] = []
        for k in 1...order {
            var entries: [(gram: NGramKey, logProb: Double, logBackoff: Double)] = []
            entries.reserveCapacity(probabilities[k - 1].count)
            for (gram, p) in probabilities[k - 1] {
                var backoff = 0.0
                let last = gram.words[gram.words.count - 1]
                if k < order && last != 0 && last != 2, let g = gammas[k][gram] {
                    backoff = log10(g.gamma)
                }
                entries.append((gram, min(0, log10(p)), backoff))
            }
            entries.sort { $0.gram < $1.gram }
            orders.append(entries)
        }
        return NGramModelData(vocabulary: vocabulary, orders: orders)
    }
}

/// An n-gram as word ids.
struct NGramKey: Hashable, Comparable {
    var words: [Int32]

    init<C: Collection>(_ words: C) where C.Element == Int32 { self.words = Array(words) }

    /// `<s>` anywhere but first: padding that lmplz collapses into a shorter n-gram.
    var hasBeginAfterFirst: Bool { words.dropFirst().contains(1) }

    func dropFirst() -> NGramKey { NGramKey(words.dropFirst()) }
    func dropLast() -> NGramKey { NGramKey(words.dropLast()) }

    static func < (a: NGramKey, b: NGramKey) -> Bool { a.words.lexicographicallyPrecedes(b.words) }
}

/// An estimated model: the vocabulary, and per order its n-grams with log10 probability
/// and log10 backoff (0 for the highest order).
public struct NGramModelData {
    public var vocabulary: [String]
    var orders: [[(gram: NGramKey, logProb: Double, logBackoff: Double)]]

    public var counts: [Int] { orders.map(\.count) }

    /// The model in ARPA format, as lmplz writes it (backoffs on every line below the
    /// highest order, numbers in the shortest form that reads back to single precision).
    public func arpa() -> String {
        var out = "\\data\\\n"
        for (k, entries) in orders.enumerated() { out += "ngram \(k + 1)=\(entries.count)\n" }
        out += "\n"
        for (k, entries) in orders.enumerated() {
            out += "\\\(k + 1)-grams:\n"
            for entry in entries {
                out += "\(Float(entry.logProb))\t"
                out += entry.gram.words.map { vocabulary[Int($0)] }.joined(separator: " ")
                if k + 1 < orders.count { out += "\t\(Float(entry.logBackoff))" }
                out += "\n"
            }
            out += "\n"
        }
        out += "\\end\\\n"
        return out
    }
}

/// Words of a line, split at ASCII separator bytes only: splitting at Characters would
/// glue a combining mark to the space before it.
public enum NGramText {
    /// The lines of a text: split at LF bytes (a final LF ends the last line).
    public static func lines(_ text: Substring) -> [Substring] {
        var lines = split(text, at: 0x0A)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// Pieces between occurrences of one ASCII byte, empty ones kept.
    static func split(_ text: Substring, at byte: UInt8) -> [Substring] {
        var pieces: [Substring] = []
        let utf8 = text.utf8
        var start = utf8.startIndex, i = start
        while i != utf8.endIndex {
            if utf8[i] == byte {
                pieces.append(text[start..<i])
                start = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        pieces.append(text[start..<utf8.endIndex])
        return pieces
    }

    /// lmplz's word delimiters.
    static let lmplzSeparators: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0 }
    /// Python's bytes.split(), which the kenlm module splits sentences with.
    static let kenlmSeparators: (UInt8) -> Bool = { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }

    static func tokens(_ line: Substring, separators: (UInt8) -> Bool) -> [Substring] {
        var tokens: [Substring] = []
        let utf8 = line.utf8
        var i = utf8.startIndex
        while i != utf8.endIndex {
            while i != utf8.endIndex && separators(utf8[i]) { i = utf8.index(after: i) }
            let start = i
            while i != utf8.endIndex && !separators(utf8[i]) { i = utf8.index(after: i) }
            if start != i { tokens.append(line[start..<i]) }
        }
        return tokens
    }
}
