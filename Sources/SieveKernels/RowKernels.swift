import Foundation

/// Kernels over the rows of a row-major matrix (`rows` x `width`), in place or into
/// `out`: softmax, log-softmax, sigmoid, RMSNorm and LayerNorm. Sums run in 8 lanes of
/// `SIMD8<Float>`; each kernel's `reference` does the same in plain `Double` loops.
public enum RowKernels {
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ n: Int, _ f: (SIMD8<Float>) -> SIMD8<Float>, _ g: (Float) -> Float) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            acc += f(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self))
            i += 8
        }
        var total = acc.sum()
        while i < n { total += g(x[i]); i += 1 }
        return total
    }

    @inline(__always)
    static func maximum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var best = -Float.infinity
        for i in 0..<n { best = max(best, x[i]) }
        return best
    }

    /// out[r] = softmax(x[r]), with the row's maximum subtracted first.
    public static func softmax(_ x: UnsafePointer<Float>, rows: Int, width: Int, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * width, o = out + r * width
            let top = maximum(row, width)
            var total: Float = 0
            for i in 0..<width { o[i] = exp(row[i] - top); total += o[i] }
            let scale = 1 / total
            for i in 0..<width { o[i] *= scale }
        }
    }

    /// out[r] = log softmax(x[r]) = x - max - log Σ exp(x - max).
    public static func logSoftmax(_ x: UnsafePointer<Float>, rows: Int, width: Int, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * width, o = out + r * width
            let top = maximum(row, width)
            var total: Float = 0
            for i in 0..<width { total += exp(row[i] - top) }
            let shift = top + log(total)
            for i in 0..<width { o[i] = row[i] - shift }
        }
    }

    /// out = 1 / (1 + exp(-x)), computed without overflow for large |x|.
    public static func sigmoid(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            let v = x[i]
            if v >= 0 {
                out[i] = 1 / (1 + exp(-v))
            } else {
                let e = exp(v)
                out[i] = e / (1 + e)
            }
        }
    }

    /// out[r] = x[r] / sqrt(mean(x[r]²) + eps) * weight; with `scales`, each row's
    /// 1 / sqrt(mean(x[r]²) + eps) too (the backward pass needs it).
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int, width: Int, eps: Float,
                               into out: UnsafeMutablePointer<Float>, scales: UnsafeMutablePointer<Float>? = nil) {
        for r in 0..<rows {
            let row = x + r * width, o = out + r * width
            let squares = sum(row, width, { $0 * $0 }, { $0 * $0 })
            let scale = 1 / (squares / Float(width) + eps).squareRoot()
            scales?[r] = scale
            for i in 0..<width { o[i] = row[i] * scale * weight[i] }
        }
    }

    /// out[r] = (x[r] - mean) / sqrt(variance + eps) * weight + bias.
    public static func layerNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, rows: Int,
                                 width: Int, eps: Float, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * width, o = out + r * width
            let mean = sum(row, width, { $0 }, { $0 }) / Float(width)
            let centered = SIMD8<Float>(repeating: mean)
            let variance = sum(row, width, { ($0 - centered) * ($0 - centered) }, { ($0 - mean) * ($0 - mean) }) / Float(width)
            let scale = 1 / (variance + eps).squareRoot()
            for i in 0..<width { o[i] = (row[i] - mean) * scale * weight[i] + bias[i] }
        }
    }
}

/// Plain Double references of `RowKernels`, for tests.
public enum RowReference {
    public static func softmax(_ x: [Float], rows: Int, width: Int) -> [Float] {
        (0..<rows).flatMap { r -> [Float] in
            let row = x[(r * width)..<((r + 1) * width)].map(Double.init)
            let top = row.max()!
            let e = row.map { Foundation.exp($0 - top) }
            let total = e.reduce(0, +)
            return e.map { Float($0 / total) }
        }
    }

    public static func logSoftmax(_ x: [Float], rows: Int, width: Int) -> [Float] {
        (0..<rows).flatMap { r -> [Float] in
            let row = x[(r * width)..<((r + 1) * width)].map(Double.init)
            let top = row.max()!
            let shift = top + Foundation.log(row.map { Foundation.exp($0 - top) }.reduce(0, +))
            return row.map { Float($0 - shift) }
        }
    }

    public static func sigmoid(_ x: [Float]) -> [Float] { x.map { Float(1 / (1 + Foundation.exp(-Double($0)))) } }

    public static func rmsNorm(_ x: [Float], weight: [Float], rows: Int, width: Int, eps: Float) -> [Float] {
        (0..<rows).flatMap { r -> [Float] in
            let row = x[(r * width)..<((r + 1) * width)].map(Double.init)
            let scale = 1 / (row.map { $0 * $0 }.reduce(0, +) / Double(width) + Double(eps)).squareRoot()
            return (0..<width).map { Float(row[$0] * scale * Double(weight[$0])) }
        }
    }

    public static func layerNorm(_ x: [Float], weight: [Float], bias: [Float], rows: Int, width: Int, eps: Float) -> [Float] {
        (0..<rows).flatMap { r -> [Float] in
            let row = x[(r * width)..<((r + 1) * width)].map(Double.init)
            let mean = row.reduce(0, +) / Double(width)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
            let scale = 1 / (variance + Double(eps)).squareRoot()
            return (0..<width).map { Float((row[$0] - mean) * scale * Double(weight[$0]) + Double(bias[$0])) }
        }
    }
}
