import Foundation

/// The shape of a Qwen3-style decoder (docs/lm.md). JSON with these keys; missing keys take
/// the defaults, which are small enough to train on two CPU cores.
public struct LMConfig: Codable, Equatable, Sendable {
    public var vocabSize = 4096
    public var hiddenSize = 256
    public var layers = 4
    public var heads = 4
    public var kvHeads = 2
    public var headDim = 64
    public var intermediateSize = 768
    public var seqLen = 256
    public var ropeTheta = 10_000.0
    public var normEps = 1e-6
    public var tiedEmbeddings = true

    public init() {}

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", layers = "num_hidden_layers", heads = "num_attention_heads"
        case kvHeads = "num_key_value_heads", headDim = "head_dim", intermediateSize = "intermediate_size", seqLen = "seq_len"
        case ropeTheta = "rope_theta", normEps = "rms_norm_eps", tiedEmbeddings = "tie_word_embeddings"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LMConfig()
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? d.vocabSize
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? d.hiddenSize
        layers = try c.decodeIfPresent(Int.self, forKey: .layers) ?? d.layers
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? d.heads
        kvHeads = try c.decodeIfPresent(Int.self, forKey: .kvHeads) ?? d.kvHeads
        headDim = try c.decodeIfPresent(Int.self, forKey: .headDim) ?? d.headDim
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? d.intermediateSize
        seqLen = try c.decodeIfPresent(Int.self, forKey: .seqLen) ?? d.seqLen
        ropeTheta = try c.decodeIfPresent(Double.self, forKey: .ropeTheta) ?? d.ropeTheta
        normEps = try c.decodeIfPresent(Double.self, forKey: .normEps) ?? d.normEps
        tiedEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tiedEmbeddings) ?? d.tiedEmbeddings
        try validate()
    }

    public func validate() throws {
        guard vocabSize > 0, hiddenSize > 0, layers > 0, heads > 0, kvHeads > 0, headDim > 0, intermediateSize > 0, seqLen > 1 else {
            throw ModelError("model config: every size must be positive (seq_len at least 2)")
        }
        guard heads % kvHeads == 0 else { throw ModelError("model config: num_attention_heads (\(heads)) must be a multiple of num_key_value_heads (\(kvHeads))") }
        guard headDim % 2 == 0 else { throw ModelError("model config: head_dim must be even for rotary embeddings") }
        guard intermediateSize % 8 == 0 else { throw ModelError("model config: intermediate_size must be a multiple of 8 (the MLP runs in 8 lanes)") }
    }

    public static func load(_ path: String) throws -> LMConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError("\(path): cannot read") }
        do { return try JSONDecoder().decode(LMConfig.self, from: data) } catch let e as ModelError { throw e } catch {
            throw ModelError("\(path): not a model config (\(error))")
        }
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }
}
