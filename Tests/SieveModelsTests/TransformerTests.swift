import Foundation
import SieveCore
import SieveModels
import SieveTestSupport
import XCTest

/// The decoder's forward and backward passes against an independent PyTorch
/// implementation (Fixtures/make_lm_fixture.py, float64 autograd), and against finite
/// differences of its own loss.
final class TransformerTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static let cases = try! JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixtures + "/lm-fixtures.json"))) as! [String: Any]

    static func batch() -> LMBatch {
        func rows(_ key: String) -> [Int32] { (cases[key] as! [[Int]]).flatMap { $0.map(Int32.init) } }
        return LMBatch(batch: 2, length: 12, tokens: rows("tokens"), targets: rows("targets"), positions: rows("positions"), segments: rows("segments"))
    }

    static func model(_ name: String) throws -> (Transformer, [String: Any]) {
        let item = cases[name] as! [String: Any]
        let config = try JSONDecoder().decode(LMConfig.self, from: JSONSerialization.data(withJSONObject: item["config"]!))
        let weights = try Safetensors.read(fixtures + "/lm-\(name)-weights.safetensors").tensors
        return (try Transformer(config: config, tensors: weights), item)
    }

    func testLossLogProbabilitiesAndGradientsMatchPyTorch() throws {
        // The whole batch in one block of logits and of attention rows, and in blocks of 5
        // rows (the last one short).
        defer { (Transformer.outputBlockFloats, Transformer.attentionBlockRows) = (4 << 20, 32) }
        for (name, blockFloats, attentionRows) in [("tied", 4 << 20, 32), ("untied", 4 << 20, 32), ("tied", 5 * 50, 5), ("untied", 5 * 50, 5)] {
            (Transformer.outputBlockFloats, Transformer.attentionBlockRows) = (blockFloats, attentionRows)
            let (model, expected) = try Self.model(name)
            var gradients = [Float](repeating: 0, count: model.parameters.count)
            let loss = gradients.withUnsafeMutableBufferPointer { model.loss(Self.batch(), gradients: $0.baseAddress!, threads: 2) }
            XCTAssertEqual(loss, expected["loss"] as! Double, accuracy: 1e-4 * (expected["loss"] as! Double), name)
            let logProbabilities = model.targetLogProbabilities(Self.batch(), threads: 2)
            for (got, want) in zip(logProbabilities, expected["log_probabilities"] as! [Double]) {
                XCTAssertEqual(Double(got), want, accuracy: 1e-4 * max(1, abs(want)), name)
            }
            // Every parameter's gradient, as a whole tensor: |ours − theirs| / |theirs| ≤ 1e-4.
            let reference = try Safetensors.read(Self.fixtures + "/lm-\(name)-grads.safetensors").tensors
            let ours = Transformer(config: model.config, parameters: gradients).tensors
            XCTAssertEqual(Set(ours.keys), Set(reference.keys))
            for (tensor, want) in reference {
                let got = ours[tensor]!.values
                var difference = 0.0, norm = 0.0
                for (a, b) in zip(got, want.values) {
                    difference += Double(a - b) * Double(a - b)
                    norm += Double(b) * Double(b)
                }
                XCTAssertLessThanOrEqual((difference / norm).squareRoot(), 1e-4, "\(name): \(tensor)")
            }
        }
    }

    func testGradientsMatchFiniteDifferences() throws {
        let (model, _) = try Self.model("untied")
        let batch = Self.batch()
        var gradients = [Float](repeating: 0, count: model.parameters.count)
        _ = gradients.withUnsafeMutableBufferPointer { model.loss(batch, gradients: $0.baseAddress!) }
        // A few parameters of each kind: embedding, projections, norms, output head.
        let names = ["model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_norm.weight",
                     "model.layers.1.self_attn.v_proj.weight", "model.layers.1.mlp.gate_proj.weight", "model.layers.1.mlp.down_proj.weight",
                     "model.norm.weight", "lm_head.weight"]
        for name in names {
            let entry = model.layout.entries.first { $0.name == name }!
            // The coordinates with the largest gradients, where a float32 difference is informative.
            let range = entry.offset..<(entry.offset + entry.shape.reduce(1, *))
            let picked = range.sorted { abs(gradients[$0]) > abs(gradients[$1]) }.prefix(2)
            for i in picked {
                let saved = model.parameters[i], h: Float = 1e-2 * max(1, abs(saved))
                model.parameters[i] = saved + h
                let up = model.loss(batch, gradients: nil)
                model.parameters[i] = saved - h
                let down = model.loss(batch, gradients: nil)
                model.parameters[i] = saved
                let numeric = (up - down) / Double(2 * h)
                XCTAssertEqual(Double(gradients[i]), numeric, accuracy: 2e-2 * abs(numeric) + 1e-4, "\(name)[\(i - entry.offset)]")
            }
        }
    }

    /// Documents the stage cannot score are kept, unscored, and counted by reason.
    func testPerplexityStageKeepsDocumentsItCannotScore() throws {
        let (model, _) = try Self.model("tied")  // 50 ids
        func document(_ id: String, _ tokens: [UInt32]) -> Document {
            var d = Document(id: id, text: id, source: "test")
            d.tokens = tokens
            return d
        }
        var context = StageContext(stage: "perplexity")
        let kept = PerplexityStage(model: model).process([document("ok", [3, 7, 9, 0]), document("big", [3, 70, 0]), document("one", [0])],
                                                         context: &context)
        XCTAssertEqual(kept.map(\.id), ["ok", "big", "one"])
        XCTAssertNotNil(kept[0].metadata.first { $0.key == "perplexity" })
        XCTAssertNil(kept[1].metadata.first { $0.key == "perplexity" })
        XCTAssertNil(kept[2].metadata.first { $0.key == "perplexity" })
        XCTAssertEqual(context.drops, [:])
        // Its log-probability sum is the model's, over the three predicted tokens.
        let scores = TransformerPerplexity(model).score([[3, 7, 9, 0]])
        let direct = model.targetLogProbabilities(LMBatch(batch: 1, length: 3, tokens: [3, 7, 9], targets: [7, 9, 0], positions: [0, 1, 2],
                                                          segments: [0, 0, 0]))
        XCTAssertEqual(scores[0].1, 3)
        XCTAssertEqual(scores[0].0, direct.reduce(0) { $0 + Double($1) }, accuracy: 1e-4)
    }

    func testCheckpointOfAnotherConfigIsRefused() throws {
        let (model, _) = try Self.model("tied")
        var other = model.config
        other.hiddenSize = 64
        XCTAssertThrowsError(try Transformer(config: other, tensors: model.tensors)) {
            XCTAssertTrue("\($0)".contains("not this model config"), "\($0)")
        }
        other = model.config
        other.tiedEmbeddings = false
        XCTAssertThrowsError(try Transformer(config: other, tensors: model.tensors)) {
            XCTAssertTrue("\($0)".contains("has no lm_head.weight"), "\($0)")
        }
    }
}
