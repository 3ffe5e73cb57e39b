import Dispatch
import Foundation
import SieveCore

/// Trains a `LanguageModel` from a `LangIDCorpus`: per script group, a softmax
/// regression over the mean of hashed feature rows (fastText's supervised objective
/// without the hidden layer), plain SGD with a linearly decaying rate, every language
/// sampled equally often per epoch, then rows quantized to int8 and probabilities
/// calibrated on the calibration blocks. Deterministic for a given seed and corpus.
public struct LangIDTrainer {
    public struct Options: Sendable {
        /// log2 of the buckets of the Latin-script group and of every other group.
        public var latinBucketBits = 18
        public var bucketBits = 16
        public var epochs = 40
        public var learningRate: Float = 16
        /// Lines per language and epoch: small languages repeat, large ones rotate.
        public var minSamples = 2_500
        public var maxSamples = 2_500
        public var seed: UInt64 = 1

        public init() {}
    }

    /// What training did, per group.
    public struct Report: Sendable {
        public var lines: [String] = []
    }

    public let corpus: LangIDCorpus
    public let options: Options

    public init(corpus: LangIDCorpus, options: Options = Options()) {
        self.corpus = corpus
        self.options = options
    }

    /// Trains on the training blocks without the calibration blocks, fits calibration on
    /// those, then trains again on all training blocks and keeps that calibration.
    public func train(log: @escaping @Sendable (String) -> Void = { _ in }) -> LanguageModel {
        let registry = corpus.registry
        // Groups in first-appearance order of their script in the registry.
        var order: [String] = []
        var members: [String: [Int]] = [:]
        for (i, language) in registry.languages.enumerated() {
            let g = groupName(ofLanguageScript: language.script)
            if members[g] == nil { order.append(g) }
            members[g, default: []].append(i)
        }
        let plan = order.map { ($0, members[$0]!) }
        // Largest groups first, so that the long one starts at once.
        let byLength = plan.indices.sorted { plan[$0].1.count > plan[$1].1.count }
        let results = Slots<LanguageModel.ScriptGroup>(count: plan.count)
        DispatchQueue.concurrentPerform(iterations: plan.count) { k in
            let gi = byLength[k]
            results.set(gi, trainGroup(plan[gi].0, languages: plan[gi].1, log: log))
        }
        let groups = results.values
        return LanguageModel(registry: registry, groups: groups)
    }

    func trainGroup(_ script: String, languages: [Int], log: @Sendable (String) -> Void) -> LanguageModel.ScriptGroup {
        // Languages without any training text cannot be told apart: they stay out.
        let classes = languages.filter { !corpus.lines[$0].isEmpty }
        let single = classes.count <= 1
        if single {
            // Decided by script alone (Greek, Georgian, ...; Odia even without text).
            let only = classes.first ?? languages[0]
            return .init(script: script, classes: [only], bucketBits: 0, calibrationA: 1, calibrationB: 0,
                         bias: [0], scales: [], weights: [])
        }
        let bits = script == "Latn" ? options.latinBucketBits : options.bucketBits
        let start = Date()
        let members = ScriptTables.shared.members(ofGroup: script)
        let fit = FeatureSet(classes: classes, scripts: members) { language in
            corpus.lines(of: language, in: .train).filter { !LangIDCorpus.contains(.calibration, line: $0.line) }.map(\.text)
        }
        // Calibration sees single lines and paragraphs: the two lengths it must serve.
        let calibration = FeatureSet(classes: classes, scripts: members) { language in
            corpus.samples(.calibration, paragraph: 1, language: language).map(\.text)
                + corpus.samples(.calibration, paragraph: 5, language: language).map(\.text)
        }
        let first = sgd(fit, classes: classes.count, bits: bits)
        let firstGroup = quantized(first, script: script, classes: classes, bits: bits)
        let (a, b, before, after) = calibrate(firstGroup, on: calibration)
        let all = FeatureSet(classes: classes, scripts: members) { corpus.lines(of: $0, in: .train).map(\.text) }
        var group = quantized(sgd(all, classes: classes.count, bits: bits), script: script, classes: classes, bits: bits)
        group.calibrationA = a
        group.calibrationB = b
        log(String(format: "%@: %d languages, %d training lines, calibration accuracy %.4f, NLL %.3f -> %.3f (a=%.2f b=%.2f), %.1f s",
                   script, classes.count, all.count, firstGroup.accuracy(on: calibration), before, after,
                   Double(a), Double(b), Date().timeIntervalSince(start)))
        return group
    }

    /// Float weights and bias after SGD; rows padded to `lanes` vectors of 8 classes.
    struct Weights {
        var rows: [SIMD8<Float>]
        var bias: [Float]
        var lanes: Int
    }

    func sgd(_ data: FeatureSet, classes: Int, bits: Int) -> Weights {
        let buckets = 1 << bits
        let mask = UInt32(buckets - 1)
        let lanes = (classes + 7) / 8
        var rows = [SIMD8<Float>](repeating: .zero, count: buckets * lanes)
        var bias = [SIMD8<Float>](repeating: .zero, count: lanes)
        // Padding classes get a large negative bias: probability 0, no gradient.
        for c in classes..<(lanes * 8) { bias[c / 8][c % 8] = -1e30 }
        var rng = SplitMix64(seed: options.seed)
        // Per class: its samples in a fixed shuffled order, read round-robin over epochs.
        var byClass = [[Int]](repeating: [], count: classes)
        for s in 0..<data.count { byClass[data.labels[s]].append(s) }
        for c in byClass.indices { rng.shuffle(&byClass[c]) }
        var schedule: [[Int]] = []
        for epoch in 0..<options.epochs {
            var samples: [Int] = []
            for c in 0..<classes where !byClass[c].isEmpty {
                let n = byClass[c].count
                let take = min(max(n, options.minSamples), options.maxSamples)
                for j in 0..<take { samples.append(byClass[c][(epoch * take + j) % n]) }
            }
            rng.shuffle(&samples)
            schedule.append(samples)
        }
        let total = Float(schedule.reduce(0) { $0 + $1.count })
        var step: Float = 0
        var z = [SIMD8<Float>](repeating: .zero, count: lanes)
        rows.withUnsafeMutableBufferPointer { rows in
            data.features.withUnsafeBufferPointer { features in
                z.withUnsafeMutableBufferPointer { z in
                    bias.withUnsafeMutableBufferPointer { bias in
                        for samples in schedule {
                            for s in samples {
                                let range = data.offsets[s]..<data.offsets[s + 1]
                                let inverse = 1 / Float(max(range.count, 1))
                                for v in 0..<lanes { z[v] = .zero }
                                for k in range {
                                    let row = Int(features[k] & mask) * lanes
                                    for v in 0..<lanes { z[v] += rows[row + v] }
                                }
                                var m = -Float.infinity
                                for v in 0..<lanes {
                                    z[v] = bias[v] + z[v] * inverse
                                    m = max(m, z[v].max())
                                }
                                var sum: Float = 0
                                for v in 0..<lanes {
                                    for j in 0..<8 { z[v][j] = Float.exp(z[v][j] - m) }
                                    sum += z[v].sum()
                                }
                                let rate = options.learningRate * (1 - step / total)
                                step += 1
                                let label = data.labels[s]
                                // z becomes the gradient step of the bias, rate * (p - y), then of the rows.
                                for v in 0..<lanes {
                                    z[v] = rate * z[v] / sum
                                    if label / 8 == v { z[v][label % 8] -= rate }
                                    bias[v] -= z[v]
                                    z[v] *= inverse
                                }
                                for k in range {
                                    let row = Int(features[k] & mask) * lanes
                                    for v in 0..<lanes { rows[row + v] -= z[v] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Weights(rows: rows, bias: (0..<classes).map { bias[$0 / 8][$0 % 8] }, lanes: lanes)
    }

    /// Rows as int8 with one scale per row (largest magnitude maps to 127).
    func quantized(_ w: Weights, script: String, classes: [Int], bits: Int) -> LanguageModel.ScriptGroup {
        let c = classes.count
        let buckets = 1 << bits
        var scales = [Float](repeating: 0, count: buckets)
        let width = w.lanes * 8
        var weights = [Int8](repeating: 0, count: buckets * width)
        for b in 0..<buckets {
            var largest: Float = 0
            func weight(_ k: Int) -> Float { w.rows[b * w.lanes + k / 8][k % 8] }
            for k in 0..<c { largest = max(largest, abs(weight(k))) }
            guard largest > 0 else { continue }
            let scale = largest / 127
            scales[b] = scale
            for k in 0..<c { weights[b * width + k] = Int8((weight(k) / scale).rounded()) }
        }
        return .init(script: script, classes: classes, bucketBits: bits, calibrationA: 1, calibrationB: 0,
                     bias: w.bias, scales: scales, weights: weights)
    }

    /// Fits a and b of softmax(a * n^b * logits) by grid search on mean log-loss.
    func calibrate(_ group: LanguageModel.ScriptGroup, on data: FeatureSet) -> (Float, Float, Double, Double) {
        let logits = (0..<data.count).map { s in
            LanguageDetector.logits(group, Array(data.features[data.offsets[s]..<data.offsets[s + 1]]))
        }
        let counts = (0..<data.count).map { Float(max(data.offsets[$0 + 1] - data.offsets[$0], 1)) }
        func loss(_ a: Float, _ b: Float) -> Double {
            var total = 0.0
            for s in 0..<data.count {
                let p = LanguageDetector.softmax(logits[s], temperature: a * Float.pow(counts[s], b))
                total -= log(max(Double(p[data.labels[s]]), 1e-12))
            }
            return total / Double(max(data.count, 1))
        }
        var best: (Float, Float, Double) = (1, 0, loss(1, 0))
        let start = best.2
        for b in stride(from: Float(-0.5), through: 1.0, by: 0.1) {
            for a in [0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32] as [Float] {
                let l = loss(a, b)
                if l < best.2 { best = (a, b, l) }
            }
        }
        return (best.0, best.1, start, best.2)
    }
}

/// Features of a set of texts, flattened: sample `s` has `features[offsets[s]..<offsets[s+1]]`.
struct FeatureSet {
    var features: [UInt32] = []
    var offsets: [Int] = [0]
    /// Class index (position in the group's `classes`) of every sample.
    var labels: [Int] = []
    var count: Int { labels.count }

    /// The features of `texts(language)` for every language of `classes`, over the letters
    /// of the group's scripts.
    init(classes: [Int], scripts: [Bool], texts: (Int) -> [String]) {
        let tables = ScriptTables.shared
        for (label, language) in classes.enumerated() {
            for var text in texts(language) {
                text.withUTF8 { bytes in
                    for window in Features.windows(bytes) {
                        Features.extract(bytes, window, tables: tables, scripts: scripts, into: &features)
                    }
                }
                offsets.append(features.count)
                labels.append(label)
            }
        }
    }
}

extension LanguageModel.ScriptGroup {
    /// Share of `data` whose best logit is its label.
    func accuracy(on data: FeatureSet) -> Double {
        var right = 0
        for s in 0..<data.count {
            let z = LanguageDetector.logits(self, Array(data.features[data.offsets[s]..<data.offsets[s + 1]]))
            if z.indices.max(by: { z[$0] < z[$1] }) == data.labels[s] { right += 1 }
        }
        return Double(right) / Double(max(data.count, 1))
    }
}
