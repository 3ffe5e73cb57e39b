import Foundation
import SieveFiles

/// Estimates an n-gram language model with interpolated modified Kneser-Ney smoothing as
/// KenLM's `lmplz` does (Heafield et al. 2013; Chen and Goodman 1998):
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
/// No pruning (lmplz's default). The model is written as ARPA.
///
/// Like lmplz, it works in streaming passes over sorted records, which go to run files in
/// a temporary folder when they outgrow `memory` (`RecordSorter`); only the vocabulary and
/// one context's n-grams at a time must fit in memory:
///
/// 1. count the N-grams (a hash table per run), merged in suffix order;
/// 2. one pass over them gives every order's adjusted counts (in suffix order, an
///    n-gram's left extensions are neighbours) and the counts of adjusted counts;
/// 3. per order, in context order: each context's denominator and gamma, each n-gram's
///    discounted share;
/// 4. per order, in suffix order, beside the order below in the same order: interpolation;
/// 5. per order, in forward order, beside the contexts' gammas: the ARPA lines.
public struct NGramTrainer {
    public let order: Int
    /// lmplz's --discount_fallback: discounts used for an order whose counts of counts
    /// are too sparse to estimate them (lmplz's defaults when the flag is given).
    public var discountFallback: [Double]? = nil

    /// Word ids: 0 `<unk>`, 1 `<s>`, 2 `</s>`, then words in order of first appearance.
    private(set) var vocabulary: [String] = ["<unk>", "<s>", "</s>"]
    private var ids: [WordBytes: UInt32] = [WordBytes("<unk>"): 0, WordBytes("<s>"): 1, WordBytes("</s>"): 2]
    private let space: SortSpace
    /// Every N-gram of the padded sentences (N-1 `<s>` before each), with its count.
    private var counts: RecordSorter
    private var sequence: [UInt32] = []
    private var scratch: [UInt32]

    /// lmplz's default for -S: 80% of physical memory.
    public static var defaultMemory: Int { Int(ProcessInfo.processInfo.physicalMemory / 5 * 4) }

    /// `memory`: bytes the sorted records may hold before they go to run files under
    /// `temporaryDirectory` (lmplz's -S and -T).
    public init(order: Int, memory: Int = NGramTrainer.defaultMemory, temporaryDirectory: String = NSTemporaryDirectory()) {
        precondition(order >= 1)
        self.order = order
        space = SortSpace(capacity: memory, parent: temporaryDirectory)
        counts = RecordSorter(layout: RecordLayout(keyWords: order, payloadWords: 2), order: .suffix,
                              space: space, budget: memory / 2, counting: true)
        scratch = [UInt32](repeating: 0, count: order + 2)
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Adds one sentence (a line): its tokens, separated by the bytes lmplz separates
    /// words with (space, tab, CR, LF, NUL). `<s>`, `</s>` and `<unk>` in the text are
    /// skipped, as lmplz's --skip_symbols does (by default it refuses them).
    public mutating func add(line: Substring) throws {
        sequence.removeAll(keepingCapacity: true)
        for _ in 0..<(order - 1) { sequence.append(1) }
        for token in NGramText.tokens(line, separators: NGramText.lmplzSeparators) {
            let word = WordBytes(token)
            if let id = ids[word] {
                if id <= 2 { continue }  // <unk>, <s>, </s>
                sequence.append(id)
            } else {
                let id = UInt32(vocabulary.count)
                ids[word] = id
                vocabulary.append(String(token))
                sequence.append(id)
            }
        }
        sequence.append(2)
        scratch[order] = 1
        scratch[order + 1] = 0
        for end in (order - 1)..<sequence.count {
            for i in 0..<order { scratch[i] = sequence[end - order + 1 + i] }
            try scratch.withUnsafeBufferPointer { try counts.append($0.baseAddress!) }
        }
    }

    /// Estimates the model and writes it to `path` as ARPA (atomically). Call once.
    public mutating func estimate(to path: String) throws -> NGramEstimate {
        let n = order
        let budget = space.capacity / (4 * n)
        let (byContext, sizes, countsOfCounts) = try adjustedCounts(budget: budget)
        let (discounts, fallbackOrders) = try self.discounts(countsOfCounts)
        let (bySuffix, contextGammas) = try discountedShares(byContext, discounts, budget: budget)
        let finals = try interpolate(bySuffix, uniform: 1 / Double(sizes[0] - 1), budget: budget)
        try writeARPA(finals, contextGammas, sizes: sizes, to: path)
        return NGramEstimate(counts: sizes, vocabulary: vocabulary.count, spilledBytes: space.spilledBytes, fallbackOrders: fallbackOrders)
    }

    /// `<s>` anywhere but first: padding that lmplz collapses into a shorter n-gram.
    private static func hasBeginAfterFirst(_ words: UnsafePointer<UInt32>, _ k: Int) -> Bool {
        for i in 1..<max(k, 1) where words[i] == 1 { return true }
        return false
    }

    /// Pass 2: every order's n-grams with adjusted counts, to be read in context (forward)
    /// order; how many each order has; its counts of adjusted counts 1–4.
    private mutating func adjustedCounts(budget: Int) throws -> ([RecordSorter], [Int], [[Int]]) {
        let n = order
        var out = (1...n).map { RecordSorter(layout: RecordLayout(keyWords: $0, payloadWords: 2), order: .forward, space: space, budget: budget) }
        var sizes = [Int](repeating: 0, count: n)
        var countsOfCounts = [[Int]](repeating: [Int](repeating: 0, count: 5), count: n)
        var record = [UInt32](repeating: 0, count: n + 2)
        func emit(_ k: Int, _ words: UnsafePointer<UInt32>, _ adjusted: UInt64) throws {
            for i in 0..<k { record[i] = words[i] }
            record[k] = UInt32(truncatingIfNeeded: adjusted)
            record[k + 1] = UInt32(truncatingIfNeeded: adjusted >> 32)
            try record.withUnsafeBufferPointer { try out[k - 1].append($0.baseAddress!) }
            sizes[k - 1] += 1
            if adjusted > 0 && adjusted < 5 { countsOfCounts[k - 1][Int(adjusted)] += 1 }
        }
        // Per order k < N, the k-suffix being read: its raw count (the sum over the N-grams
        // that end with it) and its distinct (k+1)-suffixes (the words seen to its left).
        var rawSums = [UInt64](repeating: 0, count: n), distinct = [UInt64](repeating: 0, count: n)
        func emitSuffix(_ k: Int, of gram: UnsafePointer<UInt32>) throws {
            let suffix = gram + (n - k)
            if Self.hasBeginAfterFirst(suffix, k) { return }
            // Nothing precedes <s>: an n-gram that starts with it keeps its raw count.
            try emit(k, suffix, suffix[0] == 1 ? rawSums[k] : distinct[k])
        }
        let stream = try counts.finish()
        var current = [UInt32](repeating: 0, count: n + 2), previous = current
        var first = true
        while try stream.next(into: &current) {
            let count = UInt64(current[n]) | UInt64(current[n + 1]) << 32
            var common = 0
            if !first {
                while common < n && current[n - 1 - common] == previous[n - 1 - common] { common += 1 }
                try previous.withUnsafeBufferPointer { p in
                    for k in stride(from: n - 1, to: common, by: -1) { try emitSuffix(k, of: p.baseAddress!) }
                }
            }
            for k in 1..<n {
                if first || k > common {
                    rawSums[k] = count
                    distinct[k] = 1
                } else {
                    rawSums[k] &+= count
                    if k == common { distinct[k] += 1 }
                }
            }
            try current.withUnsafeBufferPointer { p in
                if !Self.hasBeginAfterFirst(p.baseAddress!, n) { try emit(n, p.baseAddress!, count) }
            }
            swap(&current, &previous)
            first = false
        }
        if !first {
            try previous.withUnsafeBufferPointer { p in
                for k in stride(from: n - 1, through: 1, by: -1) { try emitSuffix(k, of: p.baseAddress!) }
            }
        }
        // <unk> and <s> are unigrams of every model, with adjusted count 0.
        for id: UInt32 in [0, 1] { try [id].withUnsafeBufferPointer { try emit(1, $0.baseAddress!, 0) } }
        return (out, sizes, countsOfCounts)
    }

    /// Discounts D1, D2, D3+ per order (index 0 unused), and the orders that took the
    /// fallback. As lmplz: with a fallback, an order whose counts of counts give no
    /// discounts or discounts out of range takes it; without one, that is an error.
    private func discounts(_ countsOfCounts: [[Int]]) throws -> (discounts: [[Double]], fallbackOrders: [Int]) {
        var discounts: [[Double]] = [], fallbackOrders: [Int] = []
        for (index, n) in countsOfCounts.enumerated() {
            let k = index + 1
            var problem: String? = nil
            var d: [Double] = [0]
            if let j = (1...3).first(where: { n[$0] == 0 }) {
                problem = "cannot estimate Kneser-Ney discounts for \(k)-grams with adjusted count \(j + 1): no \(k)-grams have adjusted count \(j) (too little or artificial data; lmplz says the same)"
            } else {
                // lmplz computes these in single precision (y's denominator in double).
                let y = Float(n[1]) / Float(Double(n[1]) + 2.0 * Double(n[2]))
                for j in 1...3 {
                    let value = Float(j) - Float(j + 1) * y * Float(n[j + 1]) / Float(n[j])
                    if value < 0 || value > Float(j) {
                        problem = "\(k)-gram discount out of range for adjusted count \(j): \(value) (modified Kneser-Ney finds the data unusual, e.g. many repeated sentences; lmplz says the same)"
                        break
                    }
                    d.append(Double(value))
                }
            }
            if let problem {
                guard let fallback = discountFallback else {
                    throw Failure(description: problem + "; --discount-fallback uses 0.5 1 1.5")
                }
                d = [0] + fallback
                fallbackOrders.append(k)
            }
            discounts.append(d)
        }
        return (discounts, fallbackOrders)
    }

    /// Pass 3, per order in context order: each context's denominator Σ a(h·) and gamma;
    /// each n-gram's discounted share (a − D(a)) / Σ a(h·) with its context's gamma, to be
    /// read in suffix order; each context's gamma (its backoff), to be read in forward order.
    private func discountedShares(_ byContext: [RecordSorter], _ discounts: [[Double]], budget: Int) throws -> ([RecordSorter], [RecordSorter]) {
        let n = order
        var byContext = byContext
        var bySuffix = (1...n).map { RecordSorter(layout: RecordLayout(keyWords: $0, payloadWords: 4), order: .suffix, space: space, budget: budget) }
        var contextGammas = (1..<max(n, 1)).map { RecordSorter(layout: RecordLayout(keyWords: $0, payloadWords: 2), order: .forward, space: space, budget: budget) }
        for k in 1...n {
            let d = discounts[k - 1], stride = k + 2
            let stream = try byContext[k - 1].finish()
            var group: [UInt32] = []
            var record = [UInt32](repeating: 0, count: stride)
            var share = [UInt32](repeating: 0, count: k + 4)
            var context = [UInt32](repeating: 0, count: k + 1)
            func flush() throws {
                guard !group.isEmpty else { return }
                var denominator = 0.0
                var n1 = 0, n2 = 0, n3 = 0
                for start in Swift.stride(from: 0, to: group.count, by: stride) {
                    let count = UInt64(group[start + k]) | UInt64(group[start + k + 1]) << 32
                    denominator += Double(count)
                    switch count {
                    case 0: break
                    case 1: n1 += 1
                    case 2: n2 += 1
                    default: n3 += 1
                    }
                }
                let gamma = (d[1] * Double(n1) + d[2] * Double(n2) + d[3] * Double(n3)) / denominator
                for start in Swift.stride(from: 0, to: group.count, by: stride) {
                    let count = UInt64(group[start + k]) | UInt64(group[start + k + 1]) << 32
                    let unknown = k == 1 && group[start] == 0
                    let discounted = unknown ? 0 : (Double(count) - d[Int(min(count, 3))]) / denominator
                    for i in 0..<k { share[i] = group[start + i] }
                    share.withUnsafeMutableBufferPointer {
                        $0.baseAddress!.store(discounted.bitPattern, at: k)
                        $0.baseAddress!.store(gamma.bitPattern, at: k + 2)
                    }
                    try share.withUnsafeBufferPointer { try bySuffix[k - 1].append($0.baseAddress!) }
                }
                if k > 1 {
                    for i in 0..<(k - 1) { context[i] = group[i] }
                    context.withUnsafeMutableBufferPointer { $0.baseAddress!.store(gamma.bitPattern, at: k - 1) }
                    try context.withUnsafeBufferPointer { try contextGammas[k - 2].append($0.baseAddress!) }
                }
                group.removeAll(keepingCapacity: true)
            }
            while try stream.next(into: &record) {
                if !group.isEmpty && k > 1 && (0..<(k - 1)).contains(where: { group[$0] != record[$0] }) { try flush() }
                group.append(contentsOf: record)
            }
            try flush()
        }
        return (bySuffix, contextGammas)
    }

    /// Pass 4, per order from the lowest, in suffix order: p(w|h) = share + gamma(h)·p(w|h′),
    /// with p(w|h′) read from the order below, in the same order, beside it.
    private func interpolate(_ bySuffix: [RecordSorter], uniform: Double, budget: Int) throws -> [RecordSorter] {
        let n = order
        var bySuffix = bySuffix
        var finals = (1...n).map { RecordSorter(layout: RecordLayout(keyWords: $0, payloadWords: 2), order: .forward, space: space, budget: budget) }
        var lowerStream: SortedRecords? = nil
        for k in 1...n {
            let stream = try bySuffix[k - 1].finish()
            var nextLower = k < n ? RecordSorter(layout: RecordLayout(keyWords: k, payloadWords: 2), order: .suffix, space: space, budget: budget) : nil
            var record = [UInt32](repeating: 0, count: k + 4)
            var probability = [UInt32](repeating: 0, count: k + 2)
            var lower = [UInt32](repeating: 0, count: k + 1)
            var haveLower = false
            while try stream.next(into: &record) {
                let (share, gamma) = record.withUnsafeBufferPointer {
                    (Double(bitPattern: $0.baseAddress!.load(at: k)), Double(bitPattern: $0.baseAddress!.load(at: k + 2)))
                }
                var p: Double
                if k == 1 {
                    p = record[0] == 1 ? 1 : share + gamma * uniform  // <s>: log 0, as lmplz writes it
                } else {
                    while true {
                        if !haveLower {
                            guard try lowerStream!.next(into: &lower) else { throw Failure(description: "internal: a \(k)-gram's suffix is not among the \(k - 1)-grams") }
                            haveLower = true
                        }
                        let c = lower.withUnsafeBufferPointer { l in record.withUnsafeBufferPointer { r in
                            RecordLayout.compare(l.baseAddress!, r.baseAddress! + 1, words: k - 1, .suffix)
                        } }
                        if c < 0 { haveLower = false; continue }
                        guard c == 0 else { throw Failure(description: "internal: a \(k)-gram's suffix is not among the \(k - 1)-grams") }
                        break
                    }
                    p = share + gamma * lower.withUnsafeBufferPointer { Double(bitPattern: $0.baseAddress!.load(at: k - 1)) }
                }
                for i in 0..<k { probability[i] = record[i] }
                probability.withUnsafeMutableBufferPointer { $0.baseAddress!.store(p.bitPattern, at: k) }
                try probability.withUnsafeBufferPointer {
                    try finals[k - 1].append($0.baseAddress!)
                    try nextLower?.append($0.baseAddress!)
                }
            }
            lowerStream = try nextLower?.finish()
        }
        return finals
    }

    /// Pass 5: the ARPA file, each order in forward order; backoff(h) = gamma(h) for an
    /// n-gram below the highest order that is a context, except those that end in `</s>` or
    /// `<unk>`; numbers in the shortest form that reads back to single precision, as lmplz
    /// writes them.
    private func writeARPA(_ finals: [RecordSorter], _ contextGammas: [RecordSorter], sizes: [Int], to path: String) throws {
        let n = order
        var finals = finals, contextGammas = contextGammas
        let words = vocabulary.map { Array($0.utf8) }
        let file = try AtomicFile(path: path)
        var text = Array("\\data\\\n".utf8)
        for (k, size) in sizes.enumerated() { text += Array("ngram \(k + 1)=\(size)\n".utf8) }
        text += Array("\n".utf8)
        for k in 1...n {
            text += Array("\\\(k)-grams:\n".utf8)
            let stream = try finals[k - 1].finish()
            let contexts = k < n ? try contextGammas[k - 1].finish() : nil
            var record = [UInt32](repeating: 0, count: k + 2)
            var context = [UInt32](repeating: 0, count: k + 2)
            var haveContext = false, contextsDone = contexts == nil
            while try stream.next(into: &record) {
                let p = record.withUnsafeBufferPointer { Double(bitPattern: $0.baseAddress!.load(at: k)) }
                var backoff = 0.0
                if let contexts {
                    var c = 1
                    while !contextsDone {
                        if !haveContext {
                            haveContext = try contexts.next(into: &context)
                            if !haveContext { contextsDone = true; break }
                        }
                        c = context.withUnsafeBufferPointer { x in record.withUnsafeBufferPointer { r in
                            RecordLayout.compare(x.baseAddress!, r.baseAddress!, words: k, .forward)
                        } }
                        if c < 0 { haveContext = false; continue }
                        break
                    }
                    let last = record[k - 1]
                    if c == 0 && last != 0 && last != 2 {
                        backoff = log10(context.withUnsafeBufferPointer { Double(bitPattern: $0.baseAddress!.load(at: k)) })
                    }
                }
                text += Array("\(Float(min(0, log10(p))))\t".utf8)
                for i in 0..<k {
                    if i > 0 { text.append(0x20) }
                    text += words[Int(record[i])]
                }
                if k < n { text += Array("\t\(Float(backoff))".utf8) }
                text.append(0x0A)
                if text.count >= 1 << 20 {
                    try file.write(text)
                    text.removeAll(keepingCapacity: true)
                }
            }
            text.append(0x0A)
        }
        text += Array("\\end\\\n".utf8)
        try file.write(text)
        try file.commit()
    }
}

/// What an estimate wrote: n-grams per order, the vocabulary's size (with `<unk>`, `<s>`,
/// `</s>`), the bytes that went to run files, and the orders whose discounts are the
/// fallback's.
public struct NGramEstimate {
    public var counts: [Int]
    public var vocabulary: Int
    public var spilledBytes: Int
    public var fallbackOrders: [Int]
}
