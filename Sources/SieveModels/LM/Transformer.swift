import Dispatch
import Foundation
import SieveCore
import SieveKernels

/// Fixed-length sequences for the decoder: `batch` rows of `length` tokens. Attention
/// stays within a row's segment (a document), and positions restart at each segment, so
/// packed documents do not see one another.
public struct LMBatch: Sendable {
    public var batch: Int
    public var length: Int
    public var tokens: [Int32]
    /// The token each position predicts, or -1 for none (no loss there).
    public var targets: [Int32]
    /// The position within its document, for the rotary embedding.
    public var positions: [Int32]
    /// Positions with the same segment number in a row attend to one another (causally).
    public var segments: [Int32]

    public init(batch: Int, length: Int, tokens: [Int32], targets: [Int32], positions: [Int32], segments: [Int32]) {
        precondition([tokens.count, targets.count, positions.count, segments.count].allSatisfy { $0 == batch * length })
        self.batch = batch
        self.length = length
        self.tokens = tokens
        self.targets = targets
        self.positions = positions
        self.segments = segments
    }
}

/// Where each parameter lives in the flat parameter vector, under Hugging Face's Qwen3
/// names (`model.layers.0.self_attn.q_proj.weight`, …); linear weights are out x in.
public struct LMLayout: Sendable {
    public struct Layer: Sendable {
        var inputNorm = 0, q = 0, k = 0, v = 0, o = 0, qNorm = 0, kNorm = 0, postNorm = 0, gate = 0, up = 0, down = 0
    }

    public private(set) var entries: [(name: String, offset: Int, shape: [Int])] = []
    public private(set) var count = 0
    var embed = 0, finalNorm = 0, lmHead = 0
    var layers: [Layer] = []

    init(_ c: LMConfig) {
        func add(_ name: String, _ shape: [Int]) -> Int {
            entries.append((name, count, shape))
            defer { count += shape.reduce(1, *) }
            return count
        }
        let d = c.hiddenSize, qd = c.heads * c.headDim, kd = c.kvHeads * c.headDim
        embed = add("model.embed_tokens.weight", [c.vocabSize, d])
        for i in 0..<c.layers {
            let p = "model.layers.\(i)."
            var l = Layer()
            l.inputNorm = add(p + "input_layernorm.weight", [d])
            l.q = add(p + "self_attn.q_proj.weight", [qd, d])
            l.k = add(p + "self_attn.k_proj.weight", [kd, d])
            l.v = add(p + "self_attn.v_proj.weight", [kd, d])
            l.o = add(p + "self_attn.o_proj.weight", [d, qd])
            l.qNorm = add(p + "self_attn.q_norm.weight", [c.headDim])
            l.kNorm = add(p + "self_attn.k_norm.weight", [c.headDim])
            l.postNorm = add(p + "post_attention_layernorm.weight", [d])
            l.gate = add(p + "mlp.gate_proj.weight", [c.intermediateSize, d])
            l.up = add(p + "mlp.up_proj.weight", [c.intermediateSize, d])
            l.down = add(p + "mlp.down_proj.weight", [d, c.intermediateSize])
            layers.append(l)
        }
        finalNorm = add("model.norm.weight", [d])
        lmHead = c.tiedEmbeddings ? embed : add("lm_head.weight", [c.vocabSize, d])
    }

    /// Norm weights start at 1 and are not decayed; everything else is a matrix.
    func isNorm(_ name: String) -> Bool { name.hasSuffix("norm.weight") }
}

/// A Qwen3-style decoder (docs/lm.md): token embeddings, per layer RMSNorm, grouped-query
/// attention with RMSNorm on each head's queries and keys and rotary embeddings, RMSNorm,
/// a SwiGLU MLP; a final RMSNorm and the output projection (tied to the embeddings by
/// default). Forward and backward passes by hand on `SieveKernels`.
public final class Transformer: @unchecked Sendable {
    public let config: LMConfig
    public let layout: LMLayout
    public var parameters: [Float]

    /// Linear and embedding weights from N(0, 0.02²), norm weights 1; deterministic.
    public init(config: LMConfig, seed: UInt64 = 1) {
        self.config = config
        layout = LMLayout(config)
        var random = SplitMix64(seed: seed)
        var values = [Float](repeating: 0, count: layout.count)
        for entry in layout.entries {
            let n = entry.shape.reduce(1, *)
            if layout.isNorm(entry.name) {
                for i in 0..<n { values[entry.offset + i] = 1 }
            } else {
                for i in 0..<n { values[entry.offset + i] = 0.02 * Self.gaussian(&random) }
            }
        }
        parameters = values
    }

    public init(config: LMConfig, parameters: [Float]) {
        self.config = config
        layout = LMLayout(config)
        precondition(parameters.count == layout.count)
        self.parameters = parameters
    }

    static func gaussian(_ random: inout SplitMix64) -> Float {
        let u1 = (Double(random.next() >> 11) + 0.5) / Double(1 << 53), u2 = Double(random.next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// The parameters as named tensors (for safetensors).
    public var tensors: [String: Safetensors.Tensor] {
        Dictionary(uniqueKeysWithValues: layout.entries.map { entry in
            (entry.name, Safetensors.Tensor(shape: entry.shape, values: Array(parameters[entry.offset..<entry.offset + entry.shape.reduce(1, *)])))
        })
    }

    /// A model from named tensors; every parameter of `config` must be there, with its shape.
    public convenience init(config: LMConfig, tensors: [String: Safetensors.Tensor]) throws {
        let layout = LMLayout(config)
        var values = [Float](repeating: 0, count: layout.count)
        for entry in layout.entries {
            guard let tensor = tensors[entry.name] else { throw ModelError("checkpoint has no \(entry.name): not this model config") }
            guard tensor.shape == entry.shape else {
                throw ModelError("checkpoint's \(entry.name) is \(tensor.shape), the config needs \(entry.shape): not this model config")
            }
            values.replaceSubrange(entry.offset..<entry.offset + tensor.values.count, with: tensor.values)
        }
        self.init(config: config, parameters: values)
    }

    // MARK: Forward and backward

    /// Query rows per block of causal attention (keys past a block's last row are skipped).
    nonisolated(unsafe) public static var attentionBlockRows = 32

    /// How many logits (rows x vocabulary) the output head holds at once.
    nonisolated(unsafe) public static var outputBlockFloats = 4 << 20

    /// One layer's saved activations.
    struct LayerCache {
        var input: [Float], inputScale: [Float], normed: [Float]
        var qRaw: [Float], kRaw: [Float], qScale: [Float], kScale: [Float]
        var q: [Float], k: [Float], v: [Float], probabilities: [Float], attention: [Float]
        var middle: [Float], middleScale: [Float], normed2: [Float]
        var gate: [Float], up: [Float], activated: [Float]
    }

    /// The log-probability of each position's target (0 where the target is -1).
    public func targetLogProbabilities(_ batch: LMBatch, threads: Int = 1) -> [Float] {
        var profile = LMProfile()
        return run(batch, gradients: nil, threads: threads, profile: &profile).logProbabilities
    }

    /// The mean cross-entropy over positions with a target; with `gradients` (as long as
    /// the parameters), adds the loss's gradient to it.
    public func loss(_ batch: LMBatch, gradients: UnsafeMutablePointer<Float>?, threads: Int = 1) -> Double {
        var profile = LMProfile()
        return run(batch, gradients: gradients, threads: threads, profile: &profile).loss
    }

    /// `loss`, adding the seconds spent in matrix multiplies, attention and the rest to
    /// `profile`.
    public func loss(_ batch: LMBatch, gradients: UnsafeMutablePointer<Float>?, threads: Int, profile: inout LMProfile) -> Double {
        run(batch, gradients: gradients, threads: threads, profile: &profile).loss
    }

    func run(_ batch: LMBatch, gradients: UnsafeMutablePointer<Float>?, threads: Int, profile: inout LMProfile)
        -> (loss: Double, logProbabilities: [Float]) {
        let started = Date()
        var matmul = 0.0, attention = 0.0
        defer {
            profile.matmul += matmul
            profile.attention += attention
            profile.other += Date().timeIntervalSince(started) - matmul - attention
        }
        func timed<T>(_ clock: inout Double, _ body: () -> T) -> T {
            let start = Date()
            defer { clock += Date().timeIntervalSince(start) }
            return body()
        }
        let c = config
        let n = batch.batch * batch.length, d = c.hiddenSize, hd = c.headDim
        let qd = c.heads * hd, kd = c.kvHeads * hd, f = c.intermediateSize, v = c.vocabSize
        let eps = Float(c.normEps)
        let threads = max(1, threads)
        return parameters.withUnsafeBufferPointer { pb -> (Double, [Float]) in
            let p = pb.baseAddress!
            // Rotary tables for the positions in the batch.
            let maxPosition = Int(batch.positions.max() ?? 0) + 1
            var cosTable = [Float](repeating: 0, count: maxPosition * hd / 2), sinTable = cosTable
            for pos in 0..<maxPosition {
                for i in 0..<hd / 2 {
                    let angle = Double(pos) * pow(c.ropeTheta, -2 * Double(i) / Double(hd))
                    cosTable[pos * hd / 2 + i] = Float(cos(angle))
                    sinTable[pos * hd / 2 + i] = Float(sin(angle))
                }
            }
            // Embeddings.
            var x = [Float](repeating: 0, count: n * d)
            for t in 0..<n {
                let token = Int(batch.tokens[t])
                precondition(token >= 0 && token < v, "token \(token) outside the vocabulary (\(v))")
                for j in 0..<d { x[t * d + j] = p[layout.embed + token * d + j] }
            }
            var caches: [LayerCache] = []
            for l in layout.layers {
                // Inference keeps no activations (and so copies no residual stream).
                let keep = gradients != nil
                var cache = LayerCache(input: keep ? x : [], inputScale: [], normed: [], qRaw: [], kRaw: [], qScale: [], kScale: [], q: [], k: [], v: [],
                                       probabilities: [], attention: [], middle: [], middleScale: [], normed2: [], gate: [], up: [], activated: [])
                (cache.normed, cache.inputScale) = Self.rmsNorm(x, weight: p + l.inputNorm, rows: n, width: d, eps: eps, threads: threads)
                cache.qRaw = timed(&matmul) { Self.linear(cache.normed, p + l.q, rows: n, input: d, output: qd, threads: threads) }
                cache.kRaw = timed(&matmul) { Self.linear(cache.normed, p + l.k, rows: n, input: d, output: kd, threads: threads) }
                cache.v = timed(&matmul) { Self.linear(cache.normed, p + l.v, rows: n, input: d, output: kd, threads: threads) }
                (cache.q, cache.qScale) = Self.rmsNorm(cache.qRaw, weight: p + l.qNorm, rows: n * c.heads, width: hd, eps: eps, threads: threads)
                (cache.k, cache.kScale) = Self.rmsNorm(cache.kRaw, weight: p + l.kNorm, rows: n * c.kvHeads, width: hd, eps: eps, threads: threads)
                Self.rotate(&cache.q, heads: c.heads, headDim: hd, positions: batch.positions, cos: cosTable, sin: sinTable, inverse: false, threads: threads)
                Self.rotate(&cache.k, heads: c.kvHeads, headDim: hd, positions: batch.positions, cos: cosTable, sin: sinTable, inverse: false, threads: threads)
                (cache.attention, cache.probabilities) = timed(&attention) {
                    attentionForward(cache.q, cache.k, cache.v, batch: batch, threads: threads, keepProbabilities: keep)
                }
                let projected = timed(&matmul) { Self.linear(cache.attention, p + l.o, rows: n, input: qd, output: d, threads: threads) }
                for i in 0..<(n * d) { x[i] += projected[i] }
                if keep { cache.middle = x }
                (cache.normed2, cache.middleScale) = Self.rmsNorm(x, weight: p + l.postNorm, rows: n, width: d, eps: eps, threads: threads)
                cache.gate = timed(&matmul) { Self.linear(cache.normed2, p + l.gate, rows: n, input: d, output: f, threads: threads) }
                cache.up = timed(&matmul) { Self.linear(cache.normed2, p + l.up, rows: n, input: d, output: f, threads: threads) }
                cache.activated = Self.swiGLU(cache.gate, cache.up, threads: threads)
                let down = timed(&matmul) { Self.linear(cache.activated, p + l.down, rows: n, input: f, output: d, threads: threads) }
                for i in 0..<(n * d) { x[i] += down[i] }
                if keep { caches.append(cache) }
            }
            let (final, finalScale) = Self.rmsNorm(x, weight: p + layout.finalNorm, rows: n, width: d, eps: eps, threads: threads)
            // The output head and the cross-entropy, a block of rows at a time: a block's logits
            // stay near 16 MiB whatever the vocabulary (Qwen's 151,646 ids would need 1.2 GB for
            // 2,048 rows at once). In a block, logits become dloss/dlogits in place.
            let counted = batch.targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
            var logProbabilities = [Float](repeating: 0, count: n)
            var dx = gradients == nil ? [] : Self.uninitialized(n * d)
            let block = max(1, min(n, Self.outputBlockFloats / v))
            let logits = UnsafeMutablePointer<Float>.allocate(capacity: block * v)
            defer { logits.deallocate() }
            let head = MatrixView(p + layout.lmHead, rows: v, columns: d)
            final.withUnsafeBufferPointer { final in logProbabilities.withUnsafeMutableBufferPointer { out in dx.withUnsafeMutableBufferPointer { dx in
                let final = final.baseAddress!, out = out.baseAddress!
                for first in stride(from: 0, to: n, by: block) {
                    let rows = min(block, n - first)
                    let input = MatrixView(final + first * d, rows: rows, columns: d)
                    timed(&matmul) { Matmul.multiply(input, head.transposed, into: logits, ldc: v, threads: threads) }
                    Self.parallel(rows: rows, threads: threads) { r in
                        let row = logits + r * v, t = first + r
                        var maximum = -Float.infinity
                        for j in 0..<v { maximum = max(maximum, row[j]) }
                        let target = Int(batch.targets[t])
                        let targetLogit = target >= 0 ? row[target] : 0
                        // The row becomes exp(logit − max); then, for the gradient, softmax · scale.
                        let sum = VectorMath.exp(row, minus: maximum, count: v, into: row)
                        out[t] = target >= 0 ? targetLogit - maximum - log(sum) : 0
                        guard gradients != nil else { return }
                        let scale = target >= 0 ? 1 / Float(max(counted, 1)) : 0
                        let factor = scale / sum
                        for j in 0..<v { row[j] *= factor }
                        if target >= 0 { row[target] -= scale }
                    }
                    guard let g = gradients else { continue }
                    let dLogits = MatrixView(logits, rows: rows, columns: v)
                    timed(&matmul) {
                        Matmul.multiply(dLogits.transposed, input, into: g + layout.lmHead, ldc: d, accumulate: true, threads: threads)
                        Matmul.multiply(dLogits, head, into: dx.baseAddress! + first * d, ldc: d, threads: threads)
                    }
                }
            } } }
            let loss = -logProbabilities.reduce(0) { $0 + Double($1) } / Double(max(counted, 1))
            guard let g = gradients else { return (loss, logProbabilities) }

            // Backward.
            dx = Self.rmsNormBackward(dx, x: x, scale: finalScale, weight: p + layout.finalNorm, weightGradient: g + layout.finalNorm,
                                      rows: n, width: d, threads: threads)
            for (index, l) in layout.layers.enumerated().reversed() {
                let cache = caches[index]
                // MLP.
                timed(&matmul) { Self.linearBackwardWeight(dx, cache.activated, g + l.down, rows: n, input: f, output: d, threads: threads) }
                let dActivated = timed(&matmul) { Self.linearBackwardInput(dx, p + l.down, rows: n, input: f, output: d, threads: threads) }
                let (dGate, dUp) = Self.swiGLUBackward(dActivated, cache.gate, cache.up, threads: threads)
                timed(&matmul) { Self.linearBackwardWeight(dGate, cache.normed2, g + l.gate, rows: n, input: d, output: f, threads: threads) }
                timed(&matmul) { Self.linearBackwardWeight(dUp, cache.normed2, g + l.up, rows: n, input: d, output: f, threads: threads) }
                var dNormed2 = timed(&matmul) { Self.linearBackwardInput(dGate, p + l.gate, rows: n, input: d, output: f, threads: threads) }
                timed(&matmul) { Self.linearBackwardInput(dUp, p + l.up, rows: n, input: d, output: f, threads: threads, into: &dNormed2) }
                let dMiddle = Self.rmsNormBackward(dNormed2, x: cache.middle, scale: cache.middleScale, weight: p + l.postNorm,
                                                   weightGradient: g + l.postNorm, rows: n, width: d, threads: threads)
                for i in 0..<(n * d) { dx[i] += dMiddle[i] }
                // Attention.
                timed(&matmul) { Self.linearBackwardWeight(dx, cache.attention, g + l.o, rows: n, input: qd, output: d, threads: threads) }
                let dAttention = timed(&matmul) { Self.linearBackwardInput(dx, p + l.o, rows: n, input: qd, output: d, threads: threads) }
                var (dq, dk, dv) = timed(&attention) { attentionBackward(dAttention, cache: cache, batch: batch, threads: threads) }
                Self.rotate(&dq, heads: c.heads, headDim: hd, positions: batch.positions, cos: cosTable, sin: sinTable, inverse: true, threads: threads)
                Self.rotate(&dk, heads: c.kvHeads, headDim: hd, positions: batch.positions, cos: cosTable, sin: sinTable, inverse: true, threads: threads)
                let dqRaw = Self.rmsNormBackward(dq, x: cache.qRaw, scale: cache.qScale, weight: p + l.qNorm, weightGradient: g + l.qNorm,
                                                 rows: n * c.heads, width: hd, threads: threads)
                let dkRaw = Self.rmsNormBackward(dk, x: cache.kRaw, scale: cache.kScale, weight: p + l.kNorm, weightGradient: g + l.kNorm,
                                                 rows: n * c.kvHeads, width: hd, threads: threads)
                timed(&matmul) { Self.linearBackwardWeight(dqRaw, cache.normed, g + l.q, rows: n, input: d, output: qd, threads: threads) }
                timed(&matmul) { Self.linearBackwardWeight(dkRaw, cache.normed, g + l.k, rows: n, input: d, output: kd, threads: threads) }
                timed(&matmul) { Self.linearBackwardWeight(dv, cache.normed, g + l.v, rows: n, input: d, output: kd, threads: threads) }
                var dNormed = timed(&matmul) { Self.linearBackwardInput(dqRaw, p + l.q, rows: n, input: d, output: qd, threads: threads) }
                timed(&matmul) { Self.linearBackwardInput(dkRaw, p + l.k, rows: n, input: d, output: kd, threads: threads, into: &dNormed) }
                timed(&matmul) { Self.linearBackwardInput(dv, p + l.v, rows: n, input: d, output: kd, threads: threads, into: &dNormed) }
                let dInput = Self.rmsNormBackward(dNormed, x: cache.input, scale: cache.inputScale, weight: p + l.inputNorm,
                                                  weightGradient: g + l.inputNorm, rows: n, width: d, threads: threads)
                for i in 0..<(n * d) { dx[i] += dInput[i] }
            }
            for t in 0..<n {
                let row = g + layout.embed + Int(batch.tokens[t]) * d
                for j in 0..<d { row[j] += dx[t * d + j] }
            }
            return (loss, logProbabilities)
        }
    }

    // MARK: Attention

    /// Causal attention within segments, per (row, head): softmax(q·kᵀ/√hd) · v.
    /// Returns the heads' outputs (n x heads·hd) and the probabilities (per row and head,
    /// length x length, zero where masked).
    func attentionForward(_ q: [Float], _ k: [Float], _ v: [Float], batch: LMBatch, threads: Int, keepProbabilities: Bool = true)
        -> ([Float], [Float]) {
        let c = config, t = batch.length, hd = c.headDim, qd = c.heads * hd, kd = c.kvHeads * hd
        let blockRows = Self.attentionBlockRows
        // Every head writes its own columns of out and, when kept, its whole block of
        // probabilities; without a backward pass a block's scores live in a scratch buffer.
        var out = Self.uninitialized(batch.batch * t * qd)
        var probabilities = keepProbabilities ? Self.uninitialized(batch.batch * c.heads * t * t) : []
        let scale = 1 / Float(hd).squareRoot()
        let starts = Self.segmentStarts(batch)
        q.withUnsafeBufferPointer { q in k.withUnsafeBufferPointer { k in v.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in probabilities.withUnsafeMutableBufferPointer { pr in
                let q = q.baseAddress!, k = k.baseAddress!, v = v.baseAddress!, o = o.baseAddress!, pr = pr.baseAddress
                DispatchQueue.concurrentPerform(iterations: batch.batch * c.heads) { job in
                    let b = job / c.heads, h = job % c.heads, kv = h / (c.heads / c.kvHeads)
                    let qBase = q + b * t * qd + h * hd, kBase = k + b * t * kd + kv * hd, vBase = v + b * t * kd + kv * hd
                    let scratch = keepProbabilities ? nil : UnsafeMutablePointer<Float>.allocate(capacity: blockRows * t)
                    defer { scratch?.deallocate() }
                    // Causal: a block of query rows needs only the keys up to its last row, so the
                    // masked upper triangle is (mostly) not computed.
                    for first in stride(from: 0, to: t, by: blockRows) {
                        let rows = min(blockRows, t - first), keys = first + rows
                        let s = scratch ?? pr! + job * t * t + first * t
                        Matmul.multiply(MatrixView(qBase + first * qd, rows: rows, columns: hd, rowStride: qd, columnStride: 1),
                                        MatrixView(kBase, rows: keys, columns: hd, rowStride: kd, columnStride: 1).transposed,
                                        into: s, ldc: t)
                        for r in 0..<rows {
                            // Keys start..i: the query's own document, up to itself.
                            let i = first + r, row = s + r * t, start = starts[b * t + i], count = i - start + 1
                            var maximum = -Float.infinity
                            for j in start...i {
                                row[j] *= scale
                                maximum = max(maximum, row[j])
                            }
                            let sum = VectorMath.exp(row + start, minus: maximum, count: count, into: row + start)
                            let inverse = 1 / sum
                            for j in start...i { row[j] *= inverse }
                            if start > 0 { row.update(repeating: 0, count: start) }
                            let end = keepProbabilities ? t : keys
                            if i + 1 < end { (row + i + 1).update(repeating: 0, count: end - i - 1) }
                        }
                        Matmul.multiply(MatrixView(s, rows: rows, columns: keys, rowStride: t, columnStride: 1),
                                        MatrixView(vBase, rows: keys, columns: hd, rowStride: kd, columnStride: 1),
                                        into: o + (b * t + first) * qd + h * hd, ldc: qd)
                    }
                }
            } }
        } } }
        return (out, probabilities)
    }

    /// Gradients of q, k and v (after the rotary embedding) from the heads' output
    /// gradient. Jobs are (row, key-value head), so heads sharing keys add into them in turn.
    func attentionBackward(_ dOut: [Float], cache: LayerCache, batch: LMBatch, threads: Int) -> ([Float], [Float], [Float]) {
        let c = config, t = batch.length, hd = c.headDim, qd = c.heads * hd, kd = c.kvHeads * hd, group = c.heads / c.kvHeads
        var dq = Self.uninitialized(batch.batch * t * qd)  // each head writes its columns; dk and dv add up
        var dk = [Float](repeating: 0, count: batch.batch * t * kd), dv = dk
        let scale = 1 / Float(hd).squareRoot()
        let starts = Self.segmentStarts(batch)
        dOut.withUnsafeBufferPointer { dOut in cache.q.withUnsafeBufferPointer { q in cache.k.withUnsafeBufferPointer { k in
            cache.v.withUnsafeBufferPointer { v in cache.probabilities.withUnsafeBufferPointer { pr in
                dq.withUnsafeMutableBufferPointer { dq in dk.withUnsafeMutableBufferPointer { dk in dv.withUnsafeMutableBufferPointer { dv in
                    let dOut = dOut.baseAddress!, q = q.baseAddress!, k = k.baseAddress!, v = v.baseAddress!, pr = pr.baseAddress!
                    let dq = dq.baseAddress!, dk = dk.baseAddress!, dv = dv.baseAddress!
                    DispatchQueue.concurrentPerform(iterations: batch.batch * c.kvHeads) { job in
                        let b = job / c.kvHeads, kv = job % c.kvHeads
                        let ds = UnsafeMutablePointer<Float>.allocate(capacity: t * t)
                        defer { ds.deallocate() }
                        let kView = MatrixView(k + b * t * kd + kv * hd, rows: t, columns: hd, rowStride: kd, columnStride: 1)
                        let vView = MatrixView(v + b * t * kd + kv * hd, rows: t, columns: hd, rowStride: kd, columnStride: 1)
                        for h in (kv * group)..<((kv + 1) * group) {
                            let p = pr + (b * c.heads + h) * t * t
                            let dOutView = MatrixView(dOut + b * t * qd + h * hd, rows: t, columns: hd, rowStride: qd, columnStride: 1)
                            let qView = MatrixView(q + b * t * qd + h * hd, rows: t, columns: hd, rowStride: qd, columnStride: 1)
                            // dV += Pᵀ · dO; dP = dO · Vᵀ; dS = P ⊙ (dP − rowsum(dP ⊙ P)) / √hd.
                            Matmul.multiply(MatrixView(p, rows: t, columns: t).transposed, dOutView, into: dv + b * t * kd + kv * hd,
                                            ldc: kd, accumulate: true)
                            Matmul.multiply(dOutView, vView.transposed, into: ds, ldc: t)
                            for i in 0..<t {
                                let row = ds + i * t, pRow = p + i * t, start = starts[b * t + i]
                                var dot: Float = 0
                                for j in start...i { dot += row[j] * pRow[j] }
                                for j in start...i { row[j] = pRow[j] * (row[j] - dot) * scale }
                                if start > 0 { row.update(repeating: 0, count: start) }
                                if i + 1 < t { (row + i + 1).update(repeating: 0, count: t - i - 1) }
                            }
                            // dQ = dS · K; dK += dSᵀ · Q.
                            Matmul.multiply(MatrixView(ds, rows: t, columns: t), kView, into: dq + b * t * qd + h * hd, ldc: qd)
                            Matmul.multiply(MatrixView(ds, rows: t, columns: t).transposed, qView, into: dk + b * t * kd + kv * hd,
                                            ldc: kd, accumulate: true)
                        }
                    }
                } } }
            } }
        } } }
        return (dq, dk, dv)
    }

    // MARK: Pieces

    /// For each position, where its document (its run of equal segment numbers) starts in
    /// its row.
    static func segmentStarts(_ batch: LMBatch) -> [Int] {
        var starts = [Int](repeating: 0, count: batch.tokens.count)
        for b in 0..<batch.batch {
            for i in 1..<max(1, batch.length) {
                let at = b * batch.length + i
                starts[at] = batch.segments[at] == batch.segments[at - 1] ? starts[at - 1] : i
            }
        }
        return starts
    }

    /// silu(gate) · up, eight lanes at a time, on `threads` threads.
    static func swiGLU(_ gate: [Float], _ up: [Float], threads: Int) -> [Float] {
        var out = uninitialized(gate.count)
        gate.withUnsafeBufferPointer { g in up.withUnsafeBufferPointer { u in out.withUnsafeMutableBufferPointer { o in
            let g = g.baseAddress!, u = u.baseAddress!, o = o.baseAddress!
            lanes(gate.count, threads: threads) { i in
                let x = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
                let sigma = 1 / (1 + VectorMath.exp(-x))
                UnsafeMutableRawPointer(o + i).storeBytes(of: x * sigma * UnsafeRawPointer(u + i).loadUnaligned(as: SIMD8<Float>.self),
                                                          as: SIMD8<Float>.self)
            }
        } } }
        return out
    }

    /// The gradients of gate and up from that of silu(gate) · up.
    static func swiGLUBackward(_ dOut: [Float], _ gate: [Float], _ up: [Float], threads: Int) -> ([Float], [Float]) {
        var dGate = uninitialized(gate.count), dUp = uninitialized(gate.count)
        dOut.withUnsafeBufferPointer { d in gate.withUnsafeBufferPointer { g in up.withUnsafeBufferPointer { u in
            dGate.withUnsafeMutableBufferPointer { dg in dUp.withUnsafeMutableBufferPointer { du in
                let d = d.baseAddress!, g = g.baseAddress!, u = u.baseAddress!, dg = dg.baseAddress!, du = du.baseAddress!
                lanes(gate.count, threads: threads) { i in
                    let x = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
                    let dy = UnsafeRawPointer(d + i).loadUnaligned(as: SIMD8<Float>.self)
                    let sigma = 1 / (1 + VectorMath.exp(-x))
                    UnsafeMutableRawPointer(du + i).storeBytes(of: dy * x * sigma, as: SIMD8<Float>.self)
                    let derivative = sigma * (1 + x * (1 - sigma))
                    UnsafeMutableRawPointer(dg + i).storeBytes(of: dy * UnsafeRawPointer(u + i).loadUnaligned(as: SIMD8<Float>.self) * derivative,
                                                               as: SIMD8<Float>.self)
                }
            } }
        } } }
        return (dGate, dUp)
    }

    /// Calls body(i) for i = 0, 8, 16, … < count, split over threads; count must be a
    /// multiple of 8.
    static func lanes(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        precondition(count % 8 == 0, "lanes of 8")
        parallel(rows: count / 8, threads: threads) { body($0 * 8) }
    }

    /// Runs body(row) for rows 0..<rows in `threads` contiguous blocks.
    static func parallel(rows: Int, threads: Int, _ body: (Int) -> Void) {
        let blocks = min(threads, max(1, rows))
        let size = (rows + blocks - 1) / blocks
        DispatchQueue.concurrentPerform(iterations: blocks) { block in
            for r in (block * size)..<min(rows, (block + 1) * size) { body(r) }
        }
    }

    /// y = x · Wᵀ, with x rows x input and W output x input.
    static func linear(_ x: [Float], _ w: UnsafePointer<Float>, rows: Int, input: Int, output: Int, threads: Int) -> [Float] {
        var y = uninitialized(rows * output)
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                Matmul.multiply(MatrixView(x.baseAddress!, rows: rows, columns: input), MatrixView(w, rows: output, columns: input).transposed,
                                into: y.baseAddress!, ldc: output, threads: threads)
            }
        }
        return y
    }

    /// dW += dyᵀ · x.
    static func linearBackwardWeight(_ dy: [Float], _ x: [Float], _ dw: UnsafeMutablePointer<Float>, rows: Int, input: Int, output: Int,
                                     threads: Int) {
        dy.withUnsafeBufferPointer { dy in
            x.withUnsafeBufferPointer { x in
                Matmul.multiply(MatrixView(dy.baseAddress!, rows: rows, columns: output).transposed,
                                MatrixView(x.baseAddress!, rows: rows, columns: input), into: dw, ldc: input, accumulate: true, threads: threads)
            }
        }
    }

    /// dx = dy · W.
    static func linearBackwardInput(_ dy: [Float], _ w: UnsafePointer<Float>, rows: Int, input: Int, output: Int, threads: Int) -> [Float] {
        var dx = uninitialized(rows * input)
        dy.withUnsafeBufferPointer { dy in
            dx.withUnsafeMutableBufferPointer { dx in
                Matmul.multiply(MatrixView(dy.baseAddress!, rows: rows, columns: output), MatrixView(w, rows: output, columns: input),
                                into: dx.baseAddress!, ldc: input, threads: threads)
            }
        }
        return dx
    }

    /// An array every element of which the caller writes before reading: no zero fill.
    static func uninitialized(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// dx += dy · W.
    static func linearBackwardInput(_ dy: [Float], _ w: UnsafePointer<Float>, rows: Int, input: Int, output: Int, threads: Int,
                                    into dx: inout [Float]) {
        dy.withUnsafeBufferPointer { dy in
            dx.withUnsafeMutableBufferPointer { dx in
                Matmul.multiply(MatrixView(dy.baseAddress!, rows: rows, columns: output), MatrixView(w, rows: output, columns: input),
                                into: dx.baseAddress!, ldc: input, accumulate: true, threads: threads)
            }
        }
    }

    /// y = x · r · w per row, r = 1/√(mean(x²) + eps); returns y and r.
    static func rmsNorm(_ x: [Float], weight: UnsafePointer<Float>, rows: Int, width: Int, eps: Float, threads: Int = 1) -> ([Float], [Float]) {
        var y = uninitialized(rows * width), scales = uninitialized(rows)
        x.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { y in scales.withUnsafeMutableBufferPointer { scales in
            let x = x.baseAddress!, y = y.baseAddress!, scales = scales.baseAddress!
            parallel(rows: rows, threads: threads) { r in
                RowKernels.rmsNorm(x + r * width, weight: weight, rows: 1, width: width, eps: eps, into: y + r * width, scales: scales + r)
            }
        } } }
        return (y, scales)
    }

    /// dx = r·(dy⊙w) − x·r³·mean((dy⊙w)⊙x); dw += Σ dy⊙x·r.
    static func rmsNormBackward(_ dy: [Float], x: [Float], scale: [Float], weight: UnsafePointer<Float>,
                                weightGradient: UnsafeMutablePointer<Float>, rows: Int, width: Int, threads: Int = 1) -> [Float] {
        var dx = uninitialized(rows * width)
        // Each block of rows sums its own weight gradient; the blocks are added in order.
        let blocks = min(threads, max(1, rows)), size = (rows + blocks - 1) / blocks
        var partial = [Float](repeating: 0, count: blocks * width)
        dy.withUnsafeBufferPointer { dy in x.withUnsafeBufferPointer { x in scale.withUnsafeBufferPointer { scale in
            dx.withUnsafeMutableBufferPointer { dx in partial.withUnsafeMutableBufferPointer { partial in
                let dy = dy.baseAddress!, x = x.baseAddress!, scale = scale.baseAddress!, dx = dx.baseAddress!, partial = partial.baseAddress!
                DispatchQueue.concurrentPerform(iterations: blocks) { block in
                    let wg = partial + block * width
                    for r in (block * size)..<min(rows, (block + 1) * size) {
                        let s = scale[r], g = dy + r * width, row = x + r * width, out = dx + r * width
                        var dot: Float = 0
                        for j in 0..<width {
                            dot += g[j] * weight[j] * row[j]
                            wg[j] += g[j] * row[j] * s
                        }
                        let correction = s * s * s * dot / Float(width)
                        for j in 0..<width { out[j] = s * g[j] * weight[j] - row[j] * correction }
                    }
                }
            } }
        } } }
        for block in 0..<blocks { for j in 0..<width { weightGradient[j] += partial[block * width + j] } }
        return dx
    }

    /// The rotary embedding (rotate-half pairs i and i + hd/2) of every head of every
    /// position, or its inverse (the backward pass of a rotation).
    static func rotate(_ x: inout [Float], heads: Int, headDim hd: Int, positions: [Int32], cos: [Float], sin: [Float], inverse: Bool,
                       threads: Int = 1) {
        let half = hd / 2
        x.withUnsafeMutableBufferPointer { x in
            let x = x.baseAddress!
            parallel(rows: positions.count, threads: threads) { t in
                let table = Int(positions[t]) * half
                for h in 0..<heads {
                    let base = x + (t * heads + h) * hd
                    for i in 0..<half {
                        let c = cos[table + i], s = inverse ? -sin[table + i] : sin[table + i]
                        let a = base[i], b = base[i + half]
                        base[i] = a * c - b * s
                        base[i + half] = b * c + a * s
                    }
                }
            }
        }
    }
}
