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
    // task packs an mc x kc block of A (in L2) and sweeps it against B's 16-column strips
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
        let threads = max(1, threads)
        // With few rows, packing B costs more than it saves: a row-major B is read in place
        // (16 contiguous floats a step, one cache line), and only its last partial strip
        // is packed.
        let inPlace = b.columnStride == 1 && m <= 2 * mc
        let packedB = UnsafeMutablePointer<Float>.allocate(capacity: kc * (nc + nr))
        defer { packedB.deallocate() }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: threads * (mc * kc + mr * nr))
        defer { scratch.deallocate() }
        let rowBlocks = (m + mc - 1) / mc
        for jc in stride(from: 0, to: n, by: nc) {
            let nb = min(nc, n - jc)
            let strips = (nb + nr - 1) / nr
            // Tasks are (row block, group of column strips); columns are split only when
            // there are too few row blocks to keep every thread busy.
            let groups = rowBlocks >= 2 * threads ? 1 : min(strips, (2 * threads + rowBlocks - 1) / rowBlocks)
            let stripsPerGroup = (strips + groups - 1) / groups
            for pc in stride(from: 0, to: k, by: kc) {
                let kb = min(kc, k - pc)
                let strip: (Int) -> (pointer: UnsafePointer<Float>, ldb: Int)
                if inPlace {
                    let full = nb / nr
                    if full < strips { packB(b, rows: pc, kb, columns: jc + full * nr, nb - full * nr, into: packedB) }
                    strip = { s in
                        s < full ? (UnsafePointer(b.base + pc * b.rowStride + jc + s * nr), b.rowStride) : (UnsafePointer(packedB), nr)
                    }
                } else {
                    packB(b, rows: pc, kb, columns: jc, nb, into: packedB, threads: threads)
                    strip = { s in (UnsafePointer(packedB + s * kb * nr), nr) }
                }
                let add = accumulate || pc > 0
                let tasks = rowBlocks * groups
                let work = { (t: Int) in
                    let packedA = scratch + t * (mc * kc + mr * nr)
                    let edge = packedA + mc * kc
                    var task = t
                    var packed = -1
                    while task < tasks {
                        let block = task / groups, group = task % groups
                        let ic = block * mc, mb = min(mc, m - ic)
                        if packed != block {
                            packA(a, rows: ic, mb, columns: pc, kb, into: packedA)
                            packed = block
                        }
                        let first = group * stripsPerGroup, last = min(strips, first + stripsPerGroup)
                        if first < last {
                            macroKernel(packedA, strip, strips: first..<last, mb: mb, nb: nb, kb: kb, c: c + ic * ldc + jc, ldc: ldc,
                                        accumulate: add, edge: edge)
                        }
                        task += threads
                    }
                }
                if threads == 1 || tasks == 1 {
                    work(0)
                } else {
                    DispatchQueue.concurrentPerform(iterations: min(threads, tasks), execute: work)
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
            if a.columnStride == 1 && rows == mr {
                // Row-major A: six row pointers, read across.
                let r0 = a.base + (i0 + i) * a.rowStride + p0
                let s = a.rowStride
                for p in 0..<kb {
                    o[0] = r0[p]; o[1] = r0[s + p]; o[2] = r0[2 * s + p]
                    o[3] = r0[3 * s + p]; o[4] = r0[4 * s + p]; o[5] = r0[5 * s + p]
                    o += mr
                }
                continue
            }
            if a.rowStride == 1 && rows == mr {
                // Transposed A (a view of a row-major matrix): each step's six values are adjacent.
                let c0 = a.base + p0 * a.columnStride + i0 + i
                for p in 0..<kb {
                    (o).update(from: c0 + p * a.columnStride, count: mr)
                    o += mr
                }
                continue
            }
            for p in 0..<kb {
                for r in 0..<rows { o[r] = a[i0 + i + r, p0 + p] }
                for r in rows..<mr { o[r] = 0 }
                o += mr
            }
        }
    }

    /// Rows p0..<p0+kb, columns j0..<j0+nb of B as 16-column strips (zeros past the end),
    /// strip s at out + s·kb·16; strips split over `threads`.
    static func packB(_ b: MatrixView, rows p0: Int, _ kb: Int, columns j0: Int, _ nb: Int, into out: UnsafeMutablePointer<Float>,
                      threads: Int = 1) {
        let strips = (nb + nr - 1) / nr
        let pack = { (s: Int) in
            let j = s * nr, columns = min(nr, nb - j)
            var o = out + s * kb * nr
            if b.columnStride == 1 && columns == nr {
                for p in 0..<kb { (o + p * nr).update(from: b.base + (p0 + p) * b.rowStride + j0 + j, count: nr) }
                return
            }
            if b.rowStride == 1 {
                // Transposed B (a weight matrix used as Wᵀ): read each column down, contiguous.
                for q in 0..<columns {
                    let column = b.base + (j0 + j + q) * b.columnStride + p0
                    for p in 0..<kb { o[p * nr + q] = column[p] }
                }
                if columns < nr { for p in 0..<kb { for q in columns..<nr { o[p * nr + q] = 0 } } }
                return
            }
            for p in 0..<kb {
                for q in 0..<columns { o[q] = b[p0 + p, j0 + j + q] }
                for q in columns..<nr { o[q] = 0 }
                o += nr
            }
        }
        if threads == 1 || strips < 8 {
            for s in 0..<strips { pack(s) }
        } else {
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                for s in stride(from: t, to: strips, by: threads) { pack(s) }
            }
        }
    }

    /// One packed block of A against strips `strips` of B; partial tiles at the edges go
    /// through a 6 x 16 buffer.
    static func macroKernel(_ packedA: UnsafePointer<Float>, _ strip: (Int) -> (pointer: UnsafePointer<Float>, ldb: Int),
                            strips: Range<Int>, mb: Int, nb: Int, kb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                            accumulate: Bool, edge: UnsafeMutablePointer<Float>) {
        for s in strips {
            let j = s * nr, columns = min(nr, nb - j)
            let (b, ldb) = strip(s)
            for i in stride(from: 0, to: mb, by: mr) {
                let rows = min(mr, mb - i)
                let a = packedA + (i / mr) * kb * mr
                let tile = c + i * ldc + j
                if rows == mr && columns == nr {
                    sieve_sgemm_6x16(Int64(kb), a, b, Int64(ldb), tile, Int64(ldc), accumulate ? 1 : 0)
                } else {
                    sieve_sgemm_6x16(Int64(kb), a, b, Int64(ldb), edge, Int64(nr), 0)
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
