import Foundation

/// A classifier the `label` stage and `sieve classifier predict` run: Sieve's own
/// (`TextClassifier`) or fastText's (`FastTextModel`, its `.bin` and `.ftz` files), read
/// by `LabelModels.read`, which tells them apart by their first bytes.
public protocol LabelModel: AnyObject, Sendable {
    /// Labels in the model's order; predictions index into it.
    var labels: [String] { get }
    /// Independent labels (one sigmoid each) rather than one label per text.
    var isMultiLabel: Bool { get }
    /// A predictor with its own buffers: one per thread.
    func makePredictor() -> any LabelPredictor
}

public protocol LabelPredictor {
    /// The `k` most probable labels, most probable first.
    mutating func top(_ text: String, k: Int) -> [(label: Int, probability: Float)]
    /// Every label's probability, in the model's label order.
    mutating func probabilities(_ text: String) -> [Float]
}

public enum LabelModels {
    /// Reads a Sieve classifier or a fastText model.
    public static func read(from path: String) throws -> any LabelModel {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ModelError("\(path): cannot read") }
        let head = [UInt8](handle.readData(ofLength: 8))
        try? handle.close()
        if head == TextClassifier.magic { return try TextClassifier.read(from: path) }
        if head.count >= 4, head.withUnsafeBytes({ Int32(littleEndian: $0.loadUnaligned(as: Int32.self)) }) == FastTextFile.magic {
            return try FastTextModel.read(from: path)
        }
        throw ModelError("\(path): neither a Sieve classifier nor a fastText model (.bin, .ftz)")
    }

    /// The top `k` labels of each text, in order, on `threads` threads (each with its own
    /// predictor, over contiguous runs of texts): the same for any number of threads.
    public static func predictions(_ model: any LabelModel, texts: [String], k: Int, threads: Int) -> [[(label: String, probability: Float)]] {
        var results = [[(label: String, probability: Float)]](repeating: [], count: texts.count)
        let chunk = max(1, (texts.count + threads - 1) / max(1, threads))
        results.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: max(1, threads)) { t in
                var predictor = model.makePredictor()
                for i in (t * chunk)..<min(texts.count, (t + 1) * chunk) {
                    base[i] = predictor.top(texts[i], k: k).map { (model.labels[$0.label], $0.probability) }
                }
            }
        }
        return results
    }
}

extension TextClassifier: LabelModel {
    public var isMultiLabel: Bool { options.multiLabel }
    public func makePredictor() -> any LabelPredictor { Predictor(self) }
}

extension Predictor: LabelPredictor {
    public mutating func top(_ text: String, k: Int) -> [(label: Int, probability: Float)] {
        if k == 1 {
            let best = best(text)
            return [(best.label, best.probability)]
        }
        let p = probabilities(text)
        // Most probable first; equal probabilities in label order.
        return p.indices.sorted { (p[$0], model.labels[$1]) > (p[$1], model.labels[$0]) }.prefix(k).map { ($0, p[$0]) }
    }
}

extension FastTextModel: LabelModel {
    public var isMultiLabel: Bool { loss == .oneVsAll || loss == .negativeSampling }
    public func makePredictor() -> any LabelPredictor { FastTextPredictor(self) }
}

extension FastTextPredictor: LabelPredictor {
    public mutating func top(_ text: String, k: Int) -> [(label: Int, probability: Float)] { top(text, k: k, threshold: 0) }
}
