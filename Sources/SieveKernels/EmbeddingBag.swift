import CMemory
import Foundation

/// An embedding bag: the mean of the rows of a table (`width` floats a row) picked by a
/// list of indices, as a fastText-style model sums its words' and n-grams' vectors; and
/// the backward step, which adds a gradient scaled by 1/count to each picked row.
public enum EmbeddingBag {
    /// out = mean of table[indices[i]]; zeros for an empty bag.
    public static func mean(table: UnsafePointer<Float>, width: Int, indices: UnsafeBufferPointer<Int32>, into out: UnsafeMutablePointer<Float>) {
        out.update(repeating: 0, count: width)
        guard !indices.isEmpty else { return }
        // The rows are scattered over a table larger than the caches: ask for a few rows
        // ahead so that their loads overlap.
        let ahead = 8
        for i in 0..<min(ahead, indices.count) { sieve_prefetch(table + Int(indices[i]) * width) }
        for i in indices.indices {
            if i + ahead < indices.count { sieve_prefetch(table + Int(indices[i + ahead]) * width) }
            add(table + Int(indices[i]) * width, into: out, scale: 1, count: width)
        }
        let scale = 1 / Float(indices.count)
        for i in 0..<width { out[i] *= scale }
    }

    /// table[indices[i]] += gradient / count, for each i (a row picked twice gets it twice).
    public static func scatterMean(gradient: UnsafePointer<Float>, width: Int, indices: UnsafeBufferPointer<Int32>,
                                   into table: UnsafeMutablePointer<Float>) {
        guard !indices.isEmpty else { return }
        let scale = 1 / Float(indices.count)
        for index in indices { add(gradient, into: table + Int(index) * width, scale: scale, count: width) }
    }

    /// y += scale · x, eight lanes at a time.
    @inline(__always)
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, scale: Float, count: Int) {
        let s = SIMD8<Float>(repeating: scale)
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
                + s * UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: v, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { y[i] += scale * x[i]; i += 1 }
    }

    /// The plain loops, in Double, for tests.
    public static func referenceMean(table: [Float], width: Int, indices: [Int32]) -> [Float] {
        guard !indices.isEmpty else { return [Float](repeating: 0, count: width) }
        return (0..<width).map { j in
            Float(indices.map { Double(table[Int($0) * width + j]) }.reduce(0, +) / Double(indices.count))
        }
    }
}

/// Parameter updates, in place, from a gradient.
public enum Optimizer {
    /// Plain SGD: w -= lr · g.
    public static func sgd(_ weights: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, count: Int, learningRate: Float) {
        EmbeddingBag.add(gradient, into: weights, scale: -learningRate, count: count)
    }

    /// AdamW (Loshchilov & Hutter) at step `step` (from 1): moments m and v updated, bias
    /// corrected, decoupled weight decay w -= lr · λ · w applied before the Adam step.
    public static func adamW(_ weights: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                             v: UnsafeMutablePointer<Float>, count: Int, step: Int, learningRate: Float, beta1: Float = 0.9,
                             beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.01) {
        let c1 = 1 / (1 - Float(pow(Double(beta1), Double(step))))
        let c2 = 1 / (1 - Float(pow(Double(beta2), Double(step))))
        for i in 0..<count {
            let g = gradient[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            weights[i] -= learningRate * weightDecay * weights[i]
            weights[i] -= learningRate * (m[i] * c1) / ((v[i] * c2).squareRoot() + eps)
        }
    }

    /// AdamW in Double, for tests: returns (weights, m, v) after one step.
    public static func referenceAdamW(weights: [Float], gradient: [Float], m: [Float], v: [Float], step: Int, learningRate: Double,
                                      beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, weightDecay: Double = 0.01)
        -> (weights: [Float], m: [Float], v: [Float]) {
        var w = weights.map(Double.init), mm = m.map(Double.init), vv = v.map(Double.init)
        for i in w.indices {
            let g = Double(gradient[i])
            mm[i] = beta1 * mm[i] + (1 - beta1) * g
            vv[i] = beta2 * vv[i] + (1 - beta2) * g * g
            w[i] -= learningRate * weightDecay * w[i]
            let mHat = mm[i] / (1 - pow(beta1, Double(step))), vHat = vv[i] / (1 - pow(beta2, Double(step)))
            w[i] -= learningRate * mHat / (vHat.squareRoot() + eps)
        }
        return (w.map { Float($0) }, mm.map { Float($0) }, vv.map { Float($0) })
    }
}
