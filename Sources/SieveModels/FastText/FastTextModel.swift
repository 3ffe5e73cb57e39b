import Foundation

/// A supervised fastText model read from fastText's own `.bin` or quantized `.ftz` file
/// (`lid.176.ftz`, DCLM's quality classifier, any `fasttext supervised` output), predicting
/// as fastText 0.9 does: the same features (`FeatureExtractor`, with fastText's label
/// tokens and pruned n-gram index), the mean of their input rows, and the loss the model
/// was trained with: softmax, one-vs-all or negative sampling (sigmoids from fastText's
/// 512-entry table), or hierarchical softmax (its Huffman tree over label counts,
/// searched depth first). Probabilities are the ones fastText reports:
/// exp(log(p + 1e-5)) in single precision, so thresholds carry over unchanged.
public final class FastTextModel: @unchecked Sendable {
    public enum Loss: Int32, Sendable {
        case hierarchicalSoftmax = 1, negativeSampling = 2, softmax = 3, oneVsAll = 4
    }

    public let path: String
    /// Labels in the model's order, with fastText's names (`__label__en`).
    public let labels: [String]
    public let loss: Loss
    public let dim: Int
    let options: ClassifierOptions
    let table: WordTable
    let words: Int32
    let pruneIndex: [Int32: Int32]?
    let input: FastTextMatrix
    let output: FastTextMatrix
    /// Hierarchical softmax: children of the internal nodes labels..<2·labels-1 (leaves
    /// are the labels), as fastText's buildTree makes them.
    let left: [Int32], right: [Int32]
    /// fastText's sigmoid table: 513 values over [-8, 8].
    let sigmoidTable: [Float]

    static let labelPrefix = Array("__label__".utf8)

    public static func read(from path: String) throws -> FastTextModel {
        try FastTextModel(FastTextFile(path: path), path: path)
    }

    init(_ file: FastTextFile, path: String) throws {
        self.path = path
        let a = file.arguments
        guard a.model == 3 else {
            throw ModelError("\(path): a fastText \(a.model == 1 ? "cbow" : a.model == 2 ? "skipgram" : "model \(a.model)") model; only supervised classifiers predict labels")
        }
        guard let loss = Loss(rawValue: a.loss) else { throw ModelError("\(path): unknown fastText loss \(a.loss)") }
        guard file.labelCount > 0 else { throw ModelError("\(path): a fastText model without labels") }
        self.loss = loss
        dim = Int(a.dim)
        labels = file.entries[file.wordCount...].map(\.word)
        var options = ClassifierOptions()
        options.dim = dim
        options.wordNgrams = Int(a.wordNgrams)
        options.minn = Int(a.minn)
        options.maxn = Int(a.maxn)
        options.buckets = Int(a.bucket)
        options.multiLabel = loss == .oneVsAll || loss == .negativeSampling
        self.options = options
        table = WordTable(file.entries.map(\.word))
        words = Int32(file.wordCount)
        pruneIndex = file.pruneIndex
        input = file.input!
        output = file.output!
        if loss == .hierarchicalSoftmax {
            (left, right) = try Self.huffmanTree(counts: file.entries[file.wordCount...].map(\.count), path: path)
        } else {
            (left, right) = ([], [])
        }
        sigmoidTable = (0...512).map { i in
            let x = Float(i * 2 * 8) / 512 - 8
            return Float(1.0 / (1.0 + Double(exp(-x))))
        }
    }

    /// fastText's HierarchicalSoftmaxLoss::buildTree: leaves sorted by descending count
    /// (the dictionary's order), merged two smallest first. Counts that fastText never
    /// writes (one of 10^15 or more, sums past Int64) would merge a node not built yet, a
    /// cycle that prediction would walk forever: they are refused.
    static func huffmanTree(counts: [Int64], path: String) throws -> (left: [Int32], right: [Int32]) {
        let damaged = ModelError("\(path): label counts that make no Huffman tree (damaged?)")
        let n = counts.count
        var count = counts + [Int64](repeating: 1_000_000_000_000_000, count: max(0, n - 1))
        var left = [Int32](repeating: -1, count: 2 * n - 1), right = left
        var leaf = n - 1, node = n
        for i in n..<max(n, 2 * n - 1) {
            var mini = (0, 0)
            for j in 0..<2 {
                let pick: Int
                if leaf >= 0 && count[leaf] < count[node] {
                    pick = leaf
                    leaf -= 1
                } else {
                    guard node < i else { throw damaged }
                    pick = node
                    node += 1
                }
                if j == 0 { mini.0 = pick } else { mini.1 = pick }
            }
            left[i] = Int32(mini.0)
            right[i] = Int32(mini.1)
            let (sum, overflow) = count[mini.0].addingReportingOverflow(count[mini.1])
            guard !overflow else { throw damaged }
            count[i] = sum
        }
        return (left, right)
    }

    func featureExtractor() -> FeatureExtractor {
        FeatureExtractor(options: options, words: words, table: table, labelPrefix: Self.labelPrefix, pruneIndex: pruneIndex)
    }

    /// The top `k` labels of `text` (all with `k` nil) with fastText's probabilities,
    /// most probable first; none for a text without features, as fastText.
    public func predict(_ text: String, k: Int? = nil, threshold: Float = 0) -> [(label: String, probability: Float)] {
        var predictor = FastTextPredictor(self)
        return predictor.top(text, k: k ?? labels.count, threshold: threshold).map { (labels[$0.label], $0.probability) }
    }
}

/// Predictions with buffers kept between texts: one per thread.
public struct FastTextPredictor {
    public let model: FastTextModel
    private var extractor: FeatureExtractor
    private var hidden: [Float]
    private var scores: [Float]
    /// (log probability, label) pairs, a min-heap on the log probability as fastText's.
    private var heap: [(score: Float, label: Int32)] = []

    public init(_ model: FastTextModel) {
        self.model = model
        extractor = model.featureExtractor()
        hidden = [Float](repeating: 0, count: model.dim)
        scores = [Float](repeating: 0, count: model.labels.count)
    }

    @inline(__always)
    static func stdLog(_ x: Float) -> Float { Float(log(Double(x) + 1e-5)) }

    /// The `k` most probable labels (indices into `model.labels`) with probability at
    /// least `threshold`, most probable first, with fastText's probabilities.
    public mutating func top(_ text: String, k: Int, threshold: Float = 0) -> [(label: Int, probability: Float)] {
        extractor.extract(text)
        guard !extractor.ids.isEmpty, k > 0 else { return [] }
        computeHidden()
        heap.removeAll(keepingCapacity: true)
        let k = min(k, model.labels.count)
        if model.loss == .hierarchicalSoftmax {
            let n = model.labels.count
            hidden.withUnsafeBufferPointer { h in
                search(k: k, threshold: threshold, node: 2 * n - 2, score: 0, hidden: h.baseAddress!)
            }
        } else {
            computeOutput()
            for i in scores.indices where scores[i] >= threshold {
                let score = Self.stdLog(scores[i])
                if heap.count == k && score < heap[0].score { continue }
                push((score, Int32(i)), k: k)
            }
        }
        Self.sortHeap(&heap)
        return heap.map { (Int($0.label), exp($0.score)) }
    }

    /// Every label's probability as fastText reports it, in `model.labels` order (0 for a
    /// text without features).
    public mutating func probabilities(_ text: String) -> [Float] {
        var p = [Float](repeating: 0, count: model.labels.count)
        for (label, probability) in top(text, k: model.labels.count) { p[label] = probability }
        return p
    }

    private mutating func computeHidden() {
        let dim = model.dim
        hidden.withUnsafeMutableBufferPointer { h in
            let out = h.baseAddress!
            out.update(repeating: 0, count: dim)
            switch model.input {
            case .dense(_, _, let values):
                for id in extractor.ids { Self.addRow(values.start + Int(id) * dim * 4, into: out, count: dim) }
            case .quantized(let q):
                let pq = q.quantizer
                q.codes.withUnsafeBufferPointer { codes in
                    pq.centroids.withUnsafeBufferPointer { centroids in
                        for id in extractor.ids {
                            let alpha = q.norm(Int(id))
                            let code = codes.baseAddress! + pq.subquantizers * Int(id)
                            var d = pq.subDim
                            for m in 0..<pq.subquantizers {
                                let c = centroids.baseAddress! + pq.centroid(m, code[m])
                                if m == pq.subquantizers - 1 { d = pq.lastSubDim }
                                for n in 0..<d { out[m * pq.subDim + n] += alpha * c[n] }
                            }
                        }
                    }
                }
            }
            let scale = Float(1.0 / Double(extractor.ids.count))
            for j in 0..<dim { out[j] *= scale }
        }
    }

    /// out[j] += row[j]: eight lanes at a time, each lane the same addition as fastText's.
    @inline(__always)
    private static func addRow(_ row: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>, count: Int) {
        var j = 0
        while j + 8 <= count {
            let sum = UnsafeRawPointer(out + j).loadUnaligned(as: SIMD8<Float>.self) + row.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out + j).storeBytes(of: sum, as: SIMD8<Float>.self)
            j += 8
        }
        while j < count {
            out[j] += row.loadUnaligned(fromByteOffset: 4 * j, as: Float.self)
            j += 1
        }
    }

    /// fastText's Matrix::dotRow, summed in order.
    @inline(__always)
    private static func dotRow(_ matrix: FastTextMatrix, _ x: UnsafePointer<Float>, _ i: Int) -> Float {
        switch matrix {
        case .dense(_, let columns, let values):
            let row = values.start + 4 * i * columns
            var d: Float = 0
            for j in 0..<columns { d += row.loadUnaligned(fromByteOffset: 4 * j, as: Float.self) * x[j] }
            return d
        case .quantized(let q):
            let pq = q.quantizer
            var result: Float = 0
            var d = pq.subDim
            for m in 0..<pq.subquantizers {
                let c = pq.centroid(m, q.codes[pq.subquantizers * i + m])
                if m == pq.subquantizers - 1 { d = pq.lastSubDim }
                for n in 0..<d { result += x[m * pq.subDim + n] * pq.centroids[c + n] }
            }
            return result * q.norm(i)
        }
    }

    private mutating func computeOutput() {
        let n = model.labels.count
        hidden.withUnsafeBufferPointer { h in
            for i in 0..<n { scores[i] = Self.dotRow(model.output, h.baseAddress!, i) }
        }
        if model.loss == .softmax {
            var maximum = scores[0]
            for i in 0..<n { maximum = max(scores[i], maximum) }
            var z: Float = 0
            for i in 0..<n {
                scores[i] = exp(scores[i] - maximum)
                z += scores[i]
            }
            for i in 0..<n { scores[i] /= z }
        } else {
            for i in 0..<n { scores[i] = sigmoid(scores[i]) }
        }
    }

    /// fastText's Loss::sigmoid: the table entry below x.
    @inline(__always)
    private func sigmoid(_ x: Float) -> Float {
        // A damaged model's weights can make a score NaN: no table index comes from it, and
        // `top` never reports it (NaN is below every threshold).
        if x.isNaN { return x }
        if x < -8 { return 0 }
        if x > 8 { return 1 }
        return model.sigmoidTable[Int((x + 8) * 512 / 8 / 2)]
    }

    /// fastText's HierarchicalSoftmaxLoss::dfs.
    private mutating func search(k: Int, threshold: Float, node: Int, score: Float, hidden: UnsafePointer<Float>) {
        if !(score >= Self.stdLog(threshold)) { return }  // a NaN score (damaged weights) too
        if heap.count == k && score < heap[0].score { return }
        let n = model.labels.count
        if node < n {
            push((score, Int32(node)), k: k)
            return
        }
        let dot = Self.dotRow(model.output, hidden, node - n)
        let f = Float(1.0 / Double(1 + exp(-dot)))
        search(k: k, threshold: threshold, node: Int(model.left[node]), score: score + Self.stdLog(Float(1.0 - Double(f))), hidden: hidden)
        search(k: k, threshold: threshold, node: Int(model.right[node]), score: score + Self.stdLog(f), hidden: hidden)
    }

    /// Push onto the heap, dropping the least probable beyond `k`: libstdc++'s push_heap
    /// and pop_heap with fastText's comparePairs, step for step, so that labels of equal
    /// probability (saturated sigmoids) come out in fastText's order.
    private mutating func push(_ entry: (score: Float, label: Int32), k: Int) {
        heap.append(entry)
        Self.siftUp(&heap, hole: heap.count - 1, top: 0, value: entry)
        if heap.count > k {
            Self.popHeap(&heap, count: heap.count)
            heap.removeLast()
        }
    }

    /// comparePairs: a before b in the heap's order when a's score is greater.
    @inline(__always)
    private static func before(_ a: (score: Float, label: Int32), _ b: (score: Float, label: Int32)) -> Bool { a.score > b.score }

    /// std::__push_heap.
    private static func siftUp(_ h: inout [(score: Float, label: Int32)], hole: Int, top: Int, value: (score: Float, label: Int32)) {
        var hole = hole
        var parent = (hole - 1) / 2
        while hole > top && before(h[parent], value) {
            h[hole] = h[parent]
            hole = parent
            parent = (hole - 1) / 2
        }
        h[hole] = value
    }

    /// std::__pop_heap over h[0..<count]: the first element moves to count - 1.
    private static func popHeap(_ h: inout [(score: Float, label: Int32)], count: Int) {
        guard count > 1 else { return }
        let last = count - 1
        let value = h[last]
        h[last] = h[0]
        // std::__adjust_heap over h[0..<last].
        let length = last
        var hole = 0, second = 0
        while second < (length - 1) / 2 {
            second = 2 * (second + 1)
            if before(h[second], h[second - 1]) { second -= 1 }
            h[hole] = h[second]
            hole = second
        }
        if length & 1 == 0 && second == (length - 2) / 2 {
            second = 2 * (second + 1)
            h[hole] = h[second - 1]
            hole = second - 1
        }
        siftUp(&h, hole: hole, top: 0, value: value)
    }

    /// std::sort_heap: most probable first.
    private static func sortHeap(_ h: inout [(score: Float, label: Int32)]) {
        var count = h.count
        while count > 1 {
            popHeap(&h, count: count)
            count -= 1
        }
    }
}
