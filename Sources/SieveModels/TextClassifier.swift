import Dispatch
import Foundation
import SieveCore
import SieveKernels

/// The hyper-parameters of `TextClassifier`, named as fastText names them.
public struct ClassifierOptions: Codable, Equatable, Sendable {
    public var dim = 100
    public var epochs = 5
    public var lr = 0.1
    /// Word n-grams up to this length (1: words only).
    public var wordNgrams = 1
    /// Character n-grams of `<word>` from minn to maxn code points (0: none).
    public var minn = 0
    public var maxn = 0
    /// Hash buckets for word and character n-grams; 0 when there are none (as fastText).
    public var buckets = 2_000_000
    /// Words seen fewer times are left out of the vocabulary (their n-grams still count).
    public var minCount = 1
    /// One-vs-all sigmoid per label instead of softmax over labels.
    public var multiLabel = false
    public var seed: UInt64 = 1

    public init() {}

    /// fastText drops the buckets when nothing is hashed into them.
    var effectiveBuckets: Int { wordNgrams <= 1 && maxn == 0 ? 0 : buckets }
}

/// A labelled text.
public struct LabeledText: Sendable {
    public var text: String
    public var labels: [String]
    public init(text: String, labels: [String]) {
        self.text = text
        self.labels = labels
    }
}

/// A fastText-style supervised classifier: the mean of the embeddings of a text's words,
/// hashed word n-grams and character n-grams, then a linear layer with softmax (one label)
/// or one sigmoid per label (several). Trained by SGD with a linearly decaying learning
/// rate, Hogwild across threads (deterministic with one thread and a fixed seed).
/// Features follow fastText: whitespace-separated tokens plus an end-of-line token
/// `</s>`, FNV-1a hashes, word n-gram hashes chained as h·116049371 + next.
public final class TextClassifier: @unchecked Sendable {
    public let options: ClassifierOptions
    public let labels: [String]
    public let words: [String]
    let table: WordTable
    /// (words + buckets) x dim, then labels x dim.
    var input: [Float]
    var output: [Float]

    init(options: ClassifierOptions, labels: [String], words: [String], input: [Float], output: [Float]) {
        self.options = options
        self.labels = labels
        self.words = words
        self.input = input
        self.output = output
        table = WordTable(words)
    }

    func featureExtractor() -> FeatureExtractor { FeatureExtractor(options: options, words: Int32(words.count), table: table) }

    // MARK: Training

    /// Trains on `examples` with `threads` threads.
    public static func train(_ examples: [LabeledText], options: ClassifierOptions, threads: Int = 1) -> TextClassifier {
        // Word counts in order of first occurrence.
        var slot: [[UInt8]: Int] = [:]
        var order: [(word: [UInt8], count: Int)] = []
        var labelSet = Set<String>()
        for example in examples {
            FeatureExtractor.tokens(example.text) { token, _ in
                let word = Array(token)
                if let i = slot[word] {
                    order[i].count += 1
                } else {
                    slot[word] = order.count
                    order.append((word, 1))
                }
            }
            labelSet.formUnion(example.labels)
        }
        // Vocabulary by descending count, first occurrence breaking ties: deterministic.
        let words = order.indices.filter { order[$0].count >= options.minCount }
            .sorted { (order[$0].count, $1) > (order[$1].count, $0) }
            .map { String(decoding: order[$0].word, as: UTF8.self) }
        let labels = labelSet.sorted()
        let rows = words.count + options.effectiveBuckets
        var random = SplitMix64(seed: options.seed)
        let bound = 1 / Float(options.dim)
        let input = (0..<(rows * options.dim)).map { _ in (Float(random.next() >> 40) / Float(1 << 24) * 2 - 1) * bound }
        let model = TextClassifier(options: options, labels: labels, words: words, input: input,
                                   output: [Float](repeating: 0, count: labels.count * options.dim))
        let labelIndex = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, Int32($0)) })
        // Features in parallel; order kept.
        var prepared = [(features: [Int32], labels: [Int32])](repeating: ([], []), count: examples.count)
        prepared.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: max(1, threads)) { t in
                var extractor = model.featureExtractor()
                for i in stride(from: t, to: examples.count, by: max(1, threads)) {
                    extractor.extract(examples[i].text)
                    base[i] = (extractor.ids, examples[i].labels.compactMap { labelIndex[$0] })
                }
            }
        }
        model.fit(prepared, threads: max(1, threads))
        return model
    }

    /// SGD over the examples; thread t takes every example i with i % threads == t.
    func fit(_ examples: [(features: [Int32], labels: [Int32])], threads: Int) {
        let dim = options.dim, classes = labels.count
        let total = Double(options.epochs * examples.count)
        input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                let input = inputBuffer.baseAddress!, output = outputBuffer.baseAddress!
                DispatchQueue.concurrentPerform(iterations: threads) { t in
                    let hidden = UnsafeMutablePointer<Float>.allocate(capacity: dim)
                    let gradient = UnsafeMutablePointer<Float>.allocate(capacity: dim)
                    let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(classes, 1))
                    defer { hidden.deallocate(); gradient.deallocate(); scores.deallocate() }
                    var random = SplitMix64(seed: options.seed &+ UInt64(t))
                    var done = 0
                    for _ in 0..<options.epochs {
                        for i in stride(from: t, to: examples.count, by: threads) {
                            let (features, targets) = examples[i]
                            done += threads
                            guard !features.isEmpty, !targets.isEmpty else { continue }
                            let lr = Float(options.lr * max(0, 1 - Double(done) / total))
                            features.withUnsafeBufferPointer { EmbeddingBag.mean(table: input, width: dim, indices: $0, into: hidden) }
                            gradient.update(repeating: 0, count: dim)
                            Self.scores(output, hidden, classes: classes, dim: dim, into: scores)
                            if options.multiLabel {
                                for c in 0..<classes {
                                    let p = Self.sigmoid(scores[c])
                                    let alpha = lr * ((targets.contains(Int32(c)) ? 1 : 0) - p)
                                    EmbeddingBag.add(output + c * dim, into: gradient, scale: alpha, count: dim)
                                    EmbeddingBag.add(hidden, into: output + c * dim, scale: alpha, count: dim)
                                }
                            } else {
                                // One target: a random one of the example's labels, as fastText.
                                let target = Int(targets[Int(random.next() % UInt64(targets.count))])
                                RowKernels.softmax(scores, rows: 1, width: classes, into: scores)
                                for c in 0..<classes {
                                    let alpha = lr * ((c == target ? 1 : 0) - scores[c])
                                    EmbeddingBag.add(output + c * dim, into: gradient, scale: alpha, count: dim)
                                    EmbeddingBag.add(hidden, into: output + c * dim, scale: alpha, count: dim)
                                }
                            }
                            features.withUnsafeBufferPointer {
                                EmbeddingBag.scatterMean(gradient: gradient, width: dim, indices: $0, into: input)
                            }
                        }
                    }
                }
            }
        }
    }

    static func scores(_ output: UnsafePointer<Float>, _ hidden: UnsafePointer<Float>, classes: Int, dim: Int,
                       into scores: UnsafeMutablePointer<Float>) {
        for c in 0..<classes {
            let row = output + c * dim
            var lanes = SIMD8<Float>(repeating: 0)
            var j = 0
            while j + 8 <= dim {
                lanes += UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
                    * UnsafeRawPointer(hidden + j).loadUnaligned(as: SIMD8<Float>.self)
                j += 8
            }
            var sum = lanes.sum()
            while j < dim { sum += row[j] * hidden[j]; j += 1 }
            scores[c] = sum
        }
    }

    static func sigmoid(_ x: Float) -> Float { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }

    // MARK: Prediction

    /// Labels with probabilities, most probable first: all of them, or the top `k`.
    public func predict(_ text: String, k: Int? = nil) -> [(label: String, probability: Float)] {
        var predictor = Predictor(self)
        if k == 1 {
            let best = predictor.best(text)
            return [(labels[best.label], best.probability)]
        }
        let probabilities = predictor.probabilities(text)
        let ranked = zip(labels, probabilities).sorted { ($0.1, $1.0) > ($1.1, $0.0) }.map { (label: $0.0, probability: $0.1) }
        return k.map { Array(ranked.prefix($0)) } ?? ranked
    }
}

/// Predictions with buffers kept between texts: one per thread.
public struct Predictor {
    public let model: TextClassifier
    private var extractor: FeatureExtractor
    private var hidden: [Float]
    private var scores: [Float]

    public init(_ model: TextClassifier) {
        self.model = model
        extractor = model.featureExtractor()
        hidden = [Float](repeating: 0, count: model.options.dim)
        scores = [Float](repeating: 0, count: model.labels.count)
    }

    /// The probability of each label, in the order of `model.labels`.
    public mutating func probabilities(_ text: String) -> [Float] {
        extractor.extract(text)
        let dim = model.options.dim, classes = model.labels.count, multiLabel = model.options.multiLabel
        model.input.withUnsafeBufferPointer { input in
            model.output.withUnsafeBufferPointer { output in
                hidden.withUnsafeMutableBufferPointer { hidden in
                    scores.withUnsafeMutableBufferPointer { p in
                        extractor.ids.withUnsafeBufferPointer {
                            EmbeddingBag.mean(table: input.baseAddress!, width: dim, indices: $0, into: hidden.baseAddress!)
                        }
                        TextClassifier.scores(output.baseAddress!, hidden.baseAddress!, classes: classes, dim: dim, into: p.baseAddress!)
                        if multiLabel {
                            for c in 0..<classes { p[c] = TextClassifier.sigmoid(p[c]) }
                        } else {
                            RowKernels.softmax(p.baseAddress!, rows: 1, width: classes, into: p.baseAddress!)
                        }
                    }
                }
            }
        }
        return scores
    }

    /// The most probable label (its index in `model.labels`; the first on ties).
    public mutating func best(_ text: String) -> (label: Int, probability: Float) {
        _ = probabilities(text)
        var best = 0
        for c in scores.indices where scores[c] > scores[best] { best = c }
        return (best, scores[best])
    }
}
