import SieveKernels
import SieveTestSupport
import XCTest

/// Every fast kernel against its plain Double reference on random sizes: relative error
/// at most 1e-5 (the largest error over the output, relative to the output's largest
/// magnitude), which an off-by-one in packing, a lost edge tile or a wrong stride breaks.
final class KernelTests: XCTestCase {
    var random = SplitMix(seed: 7)

    func values(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in (Float(random.next() % 2_000_001) / 1_000_000 - 1) * scale }
    }

    func assertClose(_ got: [Float], _ expected: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, expected.count, what, file: file, line: line)
        let top = max(expected.map { abs($0) }.max() ?? 0, 1e-30)
        let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst / top, 1e-5, "\(what): max error \(worst) of \(top)", file: file, line: line)
        XCTAssertFalse(got.contains { !$0.isFinite }, what, file: file, line: line)
    }

    func testMatmulMatchesTheReferenceOnRandomShapesLayoutsAndThreads() {
        // Edges of every tile size (6 x 16 tiles, 96 x 256 x 1024 blocks) and beyond.
        var shapes = [(1, 1, 1), (6, 256, 16), (7, 257, 17), (97, 300, 1030), (5, 3, 200), (200, 1, 3), (64, 513, 64)]
        for _ in 0..<8 { shapes.append((1 + Int(random.next() % 150), 1 + Int(random.next() % 600), 1 + Int(random.next() % 150))) }
        for (m, k, n) in shapes {
            let a = values(m * k), b = values(k * n), c0 = values(m * n)
            for (transA, transB) in [(false, false), (true, false), (false, true)] {
                for threads in [1, 3] {
                    a.withUnsafeBufferPointer { a in
                        b.withUnsafeBufferPointer { b in
                            // A transposed: stored k x m. B transposed: stored n x k.
                            let av = transA ? MatrixView(a.baseAddress!, rows: k, columns: m).transposed : MatrixView(a.baseAddress!, rows: m, columns: k)
                            let bv = transB ? MatrixView(b.baseAddress!, rows: n, columns: k).transposed : MatrixView(b.baseAddress!, rows: k, columns: n)
                            let expected = Matmul.reference(av, bv)
                            var c = c0
                            c.withUnsafeMutableBufferPointer { Matmul.multiply(av, bv, into: $0.baseAddress!, ldc: n, threads: threads) }
                            assertClose(c, expected, "\(m)x\(k)x\(n) transA \(transA) transB \(transB) threads \(threads)")
                            // Accumulating adds to what C held.
                            c = c0
                            c.withUnsafeMutableBufferPointer { Matmul.multiply(av, bv, into: $0.baseAddress!, ldc: n, accumulate: true, threads: threads) }
                            assertClose(c, zip(c0, expected).map(+), "accumulate \(m)x\(k)x\(n)")
                        }
                    }
                }
            }
        }
        // A row stride wider than the row (C inside a larger buffer) leaves the rest alone.
        let a = values(10 * 20), b = values(20 * 30)
        var c = [Float](repeating: 42, count: 10 * 40)
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer {
            Matmul.multiply(MatrixView(a.baseAddress!, rows: 10, columns: 20), MatrixView(b.baseAddress!, rows: 20, columns: 30),
                            into: $0.baseAddress!, ldc: 40)
        } } }
        XCTAssertTrue((0..<10).allSatisfy { r in c[(r * 40 + 30)..<(r * 40 + 40)].allSatisfy { $0 == 42 } })
        let expected = a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in
            Matmul.reference(MatrixView(a.baseAddress!, rows: 10, columns: 20), MatrixView(b.baseAddress!, rows: 20, columns: 30))
        } }
        assertClose((0..<10).flatMap { c[($0 * 40)..<($0 * 40 + 30)] }, expected, "strided C")
    }

    /// The eight-lane exp against libm's, in Double, over the range softmax and sigmoid use;
    /// and the row form's sum.
    func testVectorExpMatchesLibm() {
        var random = SplitMix(seed: 11)
        var worst = 0.0
        for _ in 0..<20_000 {
            var x = SIMD8<Float>()
            for i in 0..<8 { x[i] = Float(Double(random.next() >> 11) / Double(1 << 53) * 170 - 86) }
            let y = VectorMath.exp(x)
            for i in 0..<8 {
                let want = Foundation.exp(Double(x[i]))
                worst = max(worst, abs(Double(y[i]) - want) / want)
            }
        }
        XCTAssertLessThanOrEqual(worst, 1e-6)
        let row: [Float] = (0..<13).map { Float($0) / 3 - 2 }
        var out = [Float](repeating: 0, count: 13)
        let sum = row.withUnsafeBufferPointer { r in out.withUnsafeMutableBufferPointer { VectorMath.exp(r.baseAddress!, minus: 1, count: 13, into: $0.baseAddress!) } }
        for (x, y) in zip(row, out) { XCTAssertEqual(Double(y), Foundation.exp(Double(x) - 1), accuracy: 1e-6 * Foundation.exp(Double(x) - 1)) }
        XCTAssertEqual(Double(sum), row.map { Foundation.exp(Double($0) - 1) }.reduce(0, +), accuracy: 1e-5)
    }

    func testRowKernelsMatchTheirReferences() {
        for (rows, width) in [(1, 1), (3, 7), (5, 8), (4, 33), (2, 1000)] {
            let x = values(rows * width, scale: 20), w = values(width), bias = values(width)
            var out = [Float](repeating: .nan, count: rows * width)
            x.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { RowKernels.softmax(x.baseAddress!, rows: rows, width: width, into: $0.baseAddress!) } }
            assertClose(out, RowReference.softmax(x, rows: rows, width: width), "softmax \(rows)x\(width)")
            XCTAssertEqual(out[0..<width].reduce(0, +), 1, accuracy: 1e-5)
            x.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { RowKernels.logSoftmax(x.baseAddress!, rows: rows, width: width, into: $0.baseAddress!) } }
            assertClose(out, RowReference.logSoftmax(x, rows: rows, width: width), "log-softmax \(rows)x\(width)")
            x.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { RowKernels.sigmoid(x.baseAddress!, count: rows * width, into: $0.baseAddress!) } }
            assertClose(out, RowReference.sigmoid(x), "sigmoid")
            x.withUnsafeBufferPointer { x in w.withUnsafeBufferPointer { w in out.withUnsafeMutableBufferPointer {
                RowKernels.rmsNorm(x.baseAddress!, weight: w.baseAddress!, rows: rows, width: width, eps: 1e-6, into: $0.baseAddress!)
            } } }
            assertClose(out, RowReference.rmsNorm(x, weight: w, rows: rows, width: width, eps: 1e-6), "RMSNorm \(rows)x\(width)")
            x.withUnsafeBufferPointer { x in w.withUnsafeBufferPointer { w in bias.withUnsafeBufferPointer { bias in out.withUnsafeMutableBufferPointer {
                RowKernels.layerNorm(x.baseAddress!, weight: w.baseAddress!, bias: bias.baseAddress!, rows: rows, width: width, eps: 1e-5, into: $0.baseAddress!)
            } } } }
            assertClose(out, RowReference.layerNorm(x, weight: w, bias: bias, rows: rows, width: width, eps: 1e-5), "LayerNorm \(rows)x\(width)")
        }
        // Extreme inputs stay finite: softmax of large logits, sigmoid far out.
        let extreme: [Float] = [1000, -1000, 80, -80, 0]
        var out = [Float](repeating: 0, count: 5)
        extreme.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { RowKernels.sigmoid(x.baseAddress!, count: 5, into: $0.baseAddress!) } }
        XCTAssertEqual(out, [1, 0, 1, Float(1 / (1 + exp(80.0))), 0.5])
        extreme.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { RowKernels.softmax(x.baseAddress!, rows: 1, width: 5, into: $0.baseAddress!) } }
        XCTAssertEqual(out, [1, 0, 0, 0, 0])
    }

    func testEmbeddingBagAndOptimizersMatchTheirReferences() {
        for width in [1, 8, 13, 100] {
            let table = values(50 * width)
            for count in [0, 1, 5, 40] {
                let indices = (0..<count).map { _ in Int32(random.next() % 50) }
                var out = [Float](repeating: .nan, count: width)
                table.withUnsafeBufferPointer { t in indices.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer {
                    EmbeddingBag.mean(table: t.baseAddress!, width: width, indices: i, into: $0.baseAddress!)
                } } }
                assertClose(out, EmbeddingBag.referenceMean(table: table, width: width, indices: indices), "bag \(width) x \(count)")
                // Backward: each picked row gains gradient / count, twice if picked twice.
                let gradient = values(width)
                var updated = table
                gradient.withUnsafeBufferPointer { g in indices.withUnsafeBufferPointer { i in updated.withUnsafeMutableBufferPointer {
                    EmbeddingBag.scatterMean(gradient: g.baseAddress!, width: width, indices: i, into: $0.baseAddress!)
                } } }
                var expected = table.map(Double.init)
                for index in indices { for j in 0..<width { expected[Int(index) * width + j] += Double(gradient[j]) / Double(count) } }
                assertClose(updated, expected.map { Float($0) }, "scatter \(width) x \(count)")
            }
        }
        let n = 37
        var w = values(n), m = values(n, scale: 0.1), v = values(n).map { abs($0) * 0.01 }
        let g = values(n)
        let expected = Optimizer.referenceAdamW(weights: w, gradient: g, m: m, v: v, step: 3, learningRate: 1e-3)
        w.withUnsafeMutableBufferPointer { w in m.withUnsafeMutableBufferPointer { m in v.withUnsafeMutableBufferPointer { v in g.withUnsafeBufferPointer { g in
            Optimizer.adamW(w.baseAddress!, gradient: g.baseAddress!, m: m.baseAddress!, v: v.baseAddress!, count: n, step: 3, learningRate: 1e-3)
        } } } }
        assertClose(w, expected.weights, "AdamW weights")
        assertClose(m, expected.m, "AdamW m")
        assertClose(v, expected.v, "AdamW v")
        var s = values(n)
        let before = s
        g.withUnsafeBufferPointer { g in s.withUnsafeMutableBufferPointer { Optimizer.sgd($0.baseAddress!, gradient: g.baseAddress!, count: n, learningRate: 0.5) } }
        assertClose(s, zip(before, g).map { $0 - 0.5 * $1 }, "SGD")
    }
}
