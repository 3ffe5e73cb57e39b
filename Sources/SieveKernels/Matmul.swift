import CKernels
import Dispatch

/// A read-only matrix of `Float`s anywhere in memory: element (i, j) is at
/// `base[i * rowStride + j * columnStride]`, so a transpose is a view with the strides
/// swapped, and packing reads either layout.
public struct MatrixView {
    public let base: UnsafePointer<Float>
    public let rows: Int
    public let columns: Int
    public let rowStride: Int
    public let columnStride: Int

    /// A row-major matrix.
    public init(_ base: UnsafePointer<Float>, rows: Int, columns: Int) {
        self.init(base, rows: rows, columns: columns, rowStride: columns, columnStride: 1)
    }

    public init(_ base: UnsafePointer<Float>, rows: Int, columns: Int, rowStride: Int, columnStride: Int) {
        self.base = base
        self.rows = rows
        self.columns = columns
        self.rowStride = rowStride
        self.columnStride = columnStride
    }

    public var transposed: MatrixView {
        MatrixView(base, rows: columns, columns: rows, rowStride: columnStride, columnStride: rowStride)
    }

    @inline(__always)
    subscript(i: Int, j: Int) -> Float { base[i * rowStride + j * columnStride] }
}

public enum Matmul {
    // Goto/BLIS blocking: a kc x nc block of B is packed once and stays in L2/L3; each
    // thread packs an mc x kc block of A (in L2) and sweeps it against B's 16-column strips
    // with the 6 x 16 register micro-kernel.
    static let mr = 6, nr = 16
    static let kc = 256, mc = 96, nc = 1024

    /// C (row-major, row stride `ldc`) = A · B, or C += A · B with `accumulate`, on
    /// `threads` threads. A is m x k, B is k x n.
    public static func multiply(_ a: MatrixView, _ b: MatrixView, into c: UnsafeMutablePointer<Float>, ldc: Int,
                                accumulate: Bool = false, threads: Int = 1) {
        precondition(a.columns == b.rows, "A is \(a.rows) x \(a.columns), B is \(b.rows) x \(b.columns)")
        let m = a.rows, n = b.columns, k = a.columns
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        let packedB = UnsafeMutablePointer<Float>.allocate(capacity: kc * (nc + nr))
        defer { packedB.deallocate() }
        let threads = max(1, threads)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: threads * (mc * kc + mr * nr))
        defer { scratch.deallocate() }
        for jc in stride(from: 0, to: n, by: nc) {
            let nb = min(nc, n - jc)
            for pc in stride(from: 0, to: k, by: kc) {
                let kb = min(kc, k - pc)
                packB(b, rows: pc, kb, columns: jc, nb, into: packedB)
                let add = accumulate || pc > 0
                let blocks = (m + mc - 1) / mc
                let work = { (t: Int) in
                    let packedA = scratch + t * (mc * kc + mr * nr)
                    let edge = packedA + mc * kc
                    var block = t
                    while block < blocks {
                        let ic = block * mc, mb = min(mc, m - ic)
                        packA(a, rows: ic, mb, columns: pc, kb, into: packedA)
                        macroKernel(packedA, packedB, mb: mb, nb: nb, kb: kb, c: c + ic * ldc + jc, ldc: ldc, accumulate: add, edge: edge)
                        block += threads
                    }
                }
                if threads == 1 || blocks == 1 {
                    work(0)
                } else {
                    DispatchQueue.concurrentPerform(iterations: min(threads, blocks), execute: work)
                }
            }
        }
    }

    /// Rows i0..<i0+mb, columns p0..<p0+kb of A as 6-row strips: for each step p, the
    /// strip's six values (zeros past the last row).
    static func packA(_ a: MatrixView, rows i0: Int, _ mb: Int, columns p0: Int, _ kb: Int, into out: UnsafeMutablePointer<Float>) {
        var o = out
        for i in stride(from: 0, to: mb, by: mr) {
            let rows = min(mr, mb - i)
            for p in 0..<kb {
                for r in 0..<rows { o[r] = a[i0 + i + r, p0 + p] }
                for r in rows..<mr { o[r] = 0 }
                o += mr
            }
        }
    }

    /// Rows p0..<p0+kb, columns j0..<j0+nb of B as 16-column strips (zeros past the end).
    static func packB(_ b: MatrixView, rows p0: Int, _ kb: Int, columns j0: Int, _ nb: Int, into out: UnsafeMutablePointer<Float>) {
        var o = out
        for j in stride(from: 0, to: nb, by: nr) {
            let columns = min(nr, nb - j)
            if b.columnStride == 1 && columns == nr {
                for p in 0..<kb { (o + p * nr).update(from: b.base + (p0 + p) * b.rowStride + j0 + j, count: nr) }
                o += kb * nr
                continue
            }
            for p in 0..<kb {
                for q in 0..<columns { o[q] = b[p0 + p, j0 + j + q] }
                for q in columns..<nr { o[q] = 0 }
                o += nr
            }
        }
    }

    /// One packed block of A against one packed block of B; partial tiles at the edges go
    /// through a 6 x 16 buffer.
    static func macroKernel(_ packedA: UnsafePointer<Float>, _ packedB: UnsafePointer<Float>, mb: Int, nb: Int, kb: Int,
                            c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, edge: UnsafeMutablePointer<Float>) {
        for j in stride(from: 0, to: nb, by: nr) {
            let columns = min(nr, nb - j)
            let b = packedB + (j / nr) * kb * nr
            for i in stride(from: 0, to: mb, by: mr) {
                let rows = min(mr, mb - i)
                let a = packedA + (i / mr) * kb * mr
                let tile = c + i * ldc + j
                if rows == mr && columns == nr {
                    sieve_sgemm_6x16(Int64(kb), a, b, tile, Int64(ldc), accumulate ? 1 : 0)
                } else {
                    sieve_sgemm_6x16(Int64(kb), a, b, edge, Int64(nr), 0)
                    for r in 0..<rows {
                        for q in 0..<columns {
                            tile[r * ldc + q] = (accumulate ? tile[r * ldc + q] : 0) + edge[r * nr + q]
                        }
                    }
                }
            }
        }
    }

    /// The plain triple loop, in Double, for tests.
    public static func reference(_ a: MatrixView, _ b: MatrixView) -> [Float] {
        var c = [Float](repeating: 0, count: a.rows * b.columns)
        for i in 0..<a.rows {
            for j in 0..<b.columns {
                var sum = 0.0
                for p in 0..<a.columns { sum += Double(a[i, p]) * Double(b[p, j]) }
                c[i * b.columns + j] = Float(sum)
            }
        }
        return c
    }
}
