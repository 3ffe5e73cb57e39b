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
    private var tables: [NGramTable]

    public static func read(from path: String) throws -> NGramModel {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError("\(path): cannot read") }
        return try NGramModel(arpa: data, path: path)
    }

    init(arpa data: Data, path: String) throws {
        self.path = path
        // Parsed as bytes: a combining mark after a tab, space or newline would join it
        // in one Character, and the n-gram lines are most of the time spent loading. The
        // NUL after the last byte stops strtof.
        let bytes = [UInt8](data) + [0]
        let size = data.count
        var state: (order: Int, counts: [Int], ids: [WordBytes: Int32], tables: [NGramTable]) = (0, [], [:], [])
        try bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            var position = 0, lineNumber = 0
            /// The next line's byte range, without its LF.
            func next() -> Range<Int>? {
                guard position < size else { return nil }
                lineNumber += 1
                let start = position
                if let newline = memchr(base + start, 0x0A, size - start) {
                    let end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                    position = end + 1
                    return start..<end
                }
                position = size
                return start..<size
            }
            func text(_ r: Range<Int>) -> String {
                String(decoding: UnsafeBufferPointer(start: base + r.lowerBound, count: r.count), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            func fail(_ message: String) -> ModelError { ModelError("\(path): line \(lineNumber): \(message)") }
            func isBlank(_ r: Range<Int>) -> Bool { r.allSatisfy { base[$0] == 0x20 || base[$0] == 0x09 || base[$0] == 0x0D } }
            /// strtof over r; nil unless only spaces, tabs or a CR follow the number.
            func number(_ r: Range<Int>) -> Float? {
                guard !r.isEmpty else { return nil }
                var end: UnsafeMutablePointer<CChar>?
                let start = UnsafeRawPointer(base + r.lowerBound).assumingMemoryBound(to: CChar.self)
                let value = strtof(start, &end)
                guard let end else { return nil }
                let stop = base.distance(to: UnsafeRawPointer(end).assumingMemoryBound(to: UInt8.self))
                guard stop > r.lowerBound, stop <= r.upperBound, isBlank(stop..<r.upperBound) else { return nil }
                return value
            }
            // The header: \data\ then "ngram N=count" lines.
            var line = next()
            while let l = line, text(l) != "\\data\\" { line = next() }
            guard line != nil else { throw ModelError("\(path): no \\data\\ section: not an ARPA file") }
            var counts: [Int] = []
            while let l = next() {
                let t = text(l)
                if t.isEmpty { if counts.isEmpty { continue } else { break } }
                guard t.hasPrefix("ngram "), let eq = t.firstIndex(of: "="),
                      let n = Int(t[t.index(t.startIndex, offsetBy: 6)..<eq].trimmingCharacters(in: .whitespaces)),
                      let c = Int(t[t.index(after: eq)...].trimmingCharacters(in: .whitespaces)), n == counts.count + 1, c >= 0 else {
                    throw fail("expected \"ngram \(counts.count + 1)=COUNT\", found \"\(t.prefix(60))\"")
                }
                // Each n-gram takes a line of at least four bytes: a larger count is damage,
                // and would only make the tables huge.
                guard c <= size / 4 else { throw fail("\(c) \(n)-grams cannot fit in a file of \(size) bytes") }
                counts.append(c)
            }
            guard !counts.isEmpty else { throw ModelError("\(path): the \\data\\ section lists no n-gram counts") }
            var ids: [WordBytes: Int32] = [:]
            var tables = counts.map { NGramTable(capacity: $0) }
            var words: [Int32] = []
            for n in 1...counts.count {
                var header = next()
                while let h = header, isBlank(h) { header = next() }
                guard let h = header, text(h) == "\\\(n)-grams:" else { throw fail("expected the \\\(n)-grams: section") }
                var seen = 0
                while let l = next(), !isBlank(l) {
                    // probability TAB words [TAB backoff]
                    func shape() -> ModelError { fail("expected \"log10-probability<TAB>\(n) words[<TAB>backoff]\", found \"\(text(l).prefix(60))\"") }
                    guard let tab = memchr(base + l.lowerBound, 0x09, l.count) else { throw shape() }
                    let firstTab = base.distance(to: tab.assumingMemoryBound(to: UInt8.self))
                    guard let prob = number(l.lowerBound..<firstTab) else { throw shape() }
                    var wordsEnd = l.upperBound
                    var backoff: Float = 0
                    if let tab2 = memchr(base + firstTab + 1, 0x09, l.upperBound - firstTab - 1) {
                        wordsEnd = base.distance(to: tab2.assumingMemoryBound(to: UInt8.self))
                        guard let b = number(wordsEnd + 1..<l.upperBound) else { throw fail("bad backoff in \"\(text(l).prefix(60))\"") }
                        backoff = b
                    }
                    words.removeAll(keepingCapacity: true)
                    var i = firstTab + 1
                    while i < wordsEnd {
                        while i < wordsEnd && base[i] == 0x20 { i += 1 }
                        let start = i
                        while i < wordsEnd && base[i] != 0x20 { i += 1 }
                        guard i > start else { break }
                        let word = WordBytes(UnsafeBufferPointer(start: base + start, count: i - start))
                        if n == 1 {
                            if let id = ids[word] {
                                words.append(id)
                            } else {
                                let id = Int32(ids.count)
                                ids[word] = id
                                words.append(id)
                            }
                        } else {
                            guard let id = ids[word] else {
                                throw fail("word \"\(String(decoding: UnsafeBufferPointer(start: base + start, count: i - start), as: UTF8.self))\" is not a unigram")
                            }
                            words.append(id)
                        }
                    }
                    guard words.count == n else { throw fail("\(words.count) words in a \(n)-gram") }
                    guard tables[n - 1].insert(Self.hash(words[...]), prob: prob, backoff: backoff) else {
                        throw fail("more \(n)-grams than the header's \(counts[n - 1])")
                    }
                    seen += 1
                }
                guard seen == counts[n - 1] else {
                    throw ModelError("\(path): the header says \(counts[n - 1]) \(n)-grams, the section has \(seen)")
                }
            }
            state = (counts.count, counts, ids, tables)
        }
        let ids = state.ids
        guard let unknown = ids[WordBytes("<unk>")] else { throw ModelError("\(path): no <unk> unigram") }
        guard let begin = ids[WordBytes("<s>")], let end = ids[WordBytes("</s>")] else { throw ModelError("\(path): no <s> or </s> unigram") }
        order = state.order
        counts = state.counts
        self.ids = ids
        self.unknown = unknown
        self.begin = begin
        self.end = end
        self.tables = state.tables
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
        var prob = tables[0].find(fmix64(key))?.prob ?? tables[0].find(fmix64(Self.step(Self.seed, unknown)))?.prob ?? 0
        var matched = 0  // history words in the n-gram used
        var j = 0
        while j < longest {
            key = Self.step(key, history[history.endIndex - 1 - j])
            guard let entry = tables[j + 1].find(fmix64(key)) else { break }
            prob = entry.prob
            matched = j + 1
            j += 1
        }
        var context = Self.seed
        for k in 0..<longest {
            context = Self.step(context, history[history.endIndex - 1 - k])
            guard k + 1 > matched else { continue }
            guard let entry = tables[k].find(fmix64(context)) else { break }
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

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        hash = fmix64(h)
    }

    init(_ word: String) { self.init(word[...]) }

    static func == (a: WordBytes, b: WordBytes) -> Bool { a.hash == b.hash }
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}

/// One order's n-grams: open addressing with linear probing on keys that are already
/// well-mixed 64-bit hashes, as KenLM's probing model stores them (1.5 slots an n-gram;
/// no second hash). Key 0 marks an empty slot; an n-gram hashing to 0 is stored as 1.
struct NGramTable {
    private var keys: [UInt64]
    private var values: [(prob: Float, backoff: Float)]
    private let mask: Int
    private let capacity: Int
    private var count = 0

    init(capacity: Int) {
        var size = 16
        while size < capacity + capacity / 2 + 1 { size *= 2 }
        keys = [UInt64](repeating: 0, count: size)
        values = [(prob: Float, backoff: Float)](repeating: (0, 0), count: size)
        mask = size - 1
        self.capacity = capacity
    }

    /// Stores the entry (replacing one with the same key); false when the table already
    /// holds `capacity` n-grams.
    mutating func insert(_ key: UInt64, prob: Float, backoff: Float) -> Bool {
        let key = key == 0 ? 1 : key
        var slot = Int(truncatingIfNeeded: key) & mask
        while keys[slot] != 0 && keys[slot] != key { slot = (slot + 1) & mask }
        if keys[slot] == 0 {
            guard count < capacity else { return false }
            count += 1
            keys[slot] = key
        }
        values[slot] = (prob, backoff)
        return true
    }

    @inline(__always)
    func find(_ key: UInt64) -> (prob: Float, backoff: Float)? {
        let key = key == 0 ? 1 : key
        var slot = Int(truncatingIfNeeded: key) & mask
        while true {
            let k = keys[slot]
            if k == key { return values[slot] }
            if k == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }
}
