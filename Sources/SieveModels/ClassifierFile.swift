import Foundation
import SieveFiles
import SieveIO

/// The classifier file (`docs/models.md`): the 8 bytes `SIEVECLS`, a UInt32 format
/// version (1) and a UInt32 header length, little-endian; the header, JSON with the
/// options, labels and vocabulary; then the input matrix ((words + buckets) x dim) and the
/// output matrix (labels x dim) as little-endian float32, row by row.
extension TextClassifier {
    struct Header: Codable {
        var options: ClassifierOptions
        var labels: [String]
        var words: [String]
    }

    static let magic = Array("SIEVECLS".utf8)

    public func write(to path: String) throws {
        var bytes = Self.magic
        let header = try JSONEncoder().encode(Header(options: options, labels: labels, words: words))
        for value in [UInt32(1), UInt32(header.count)] { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        bytes += header
        bytes.reserveCapacity(bytes.count + 4 * (input.count + output.count))
        for matrix in [input, output] { matrix.withUnsafeBytes { bytes += $0 } }  // x86-64 and arm64 are little-endian
        try writeFileAtomically(bytes, to: path)
    }

    public static func read(from path: String) throws -> TextClassifier {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError("\(path): cannot read") }
        let bytes = [UInt8](data)
        guard bytes.count >= 16, Array(bytes[0..<8]) == magic else { throw ModelError("\(path): not a Sieve classifier") }
        func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        guard u32(8) == 1 else { throw ModelError("\(path): classifier format version \(u32(8)), this sieve reads 1") }
        let headerEnd = 16 + u32(12)
        guard headerEnd <= bytes.count, let header = try? JSONDecoder().decode(Header.self, from: Data(bytes[16..<headerEnd])) else {
            throw ModelError("\(path): damaged header")
        }
        let dim = header.options.dim
        let inputCount = (header.words.count + header.options.effectiveBuckets) * dim, outputCount = header.labels.count * dim
        guard bytes.count == headerEnd + 4 * (inputCount + outputCount) else {
            throw ModelError("\(path): \(bytes.count) bytes, the header needs \(headerEnd + 4 * (inputCount + outputCount)) (truncated or damaged)")
        }
        func floats(_ offset: Int, _ count: Int) -> [Float] {
            bytes.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: Float.self) } }
        }
        return TextClassifier(options: header.options, labels: header.labels, words: header.words,
                              input: floats(headerEnd, inputCount), output: floats(headerEnd + 4 * inputCount, outputCount))
    }
}

public struct ModelError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Accuracy and per-label precision, recall and F1 of top-1 predictions (single-label) or
/// of labels predicted with probability at least 0.5 (multi-label).
public struct ClassifierEvaluation: Sendable {
    public var examples = 0
    /// Single-label: top-1 correct. Multi-label: predicted set equal to the true set.
    public var correct = 0
    public var truePositives: [String: Int] = [:], falsePositives: [String: Int] = [:], falseNegatives: [String: Int] = [:]
    /// Single-label: true label → predicted label → examples.
    public var confusion: [String: [String: Int]] = [:]

    public var accuracy: Double { examples == 0 ? 0 : Double(correct) / Double(examples) }

    public func precision(_ label: String) -> Double { ratio(truePositives[label, default: 0], truePositives[label, default: 0] + falsePositives[label, default: 0]) }
    public func recall(_ label: String) -> Double { ratio(truePositives[label, default: 0], truePositives[label, default: 0] + falseNegatives[label, default: 0]) }
    public func f1(_ label: String) -> Double {
        let p = precision(label), r = recall(label)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }

    func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

    public init(model: TextClassifier, examples: [LabeledText]) {
        for example in examples {
            self.examples += 1
            let truth = Set(example.labels)
            let predicted: Set<String>
            if model.options.multiLabel {
                predicted = Set(model.predict(example.text).filter { $0.probability >= 0.5 }.map(\.label))
                if predicted == truth { correct += 1 }
            } else {
                let top = model.predict(example.text, k: 1).first?.label ?? ""
                predicted = [top]
                if truth.contains(top) { correct += 1 }
                for label in truth { confusion[label, default: [:]][top, default: 0] += 1 }
            }
            for label in predicted.union(truth) {
                switch (predicted.contains(label), truth.contains(label)) {
                case (true, true): truePositives[label, default: 0] += 1
                case (true, false): falsePositives[label, default: 0] += 1
                case (false, true): falseNegatives[label, default: 0] += 1
                default: break
                }
            }
        }
    }
}
