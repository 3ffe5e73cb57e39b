/// The merge table: (left id, right id) → merge rank and the id of the merged token,
/// packed as `rank << 32 | id` so that comparing packed values compares ranks.
struct MergeTable: Sendable {
    static let none = UInt64.max
    private var keys: [UInt64]
    private var values: [UInt64]
    private let mask: Int

    init(_ merges: [(left: UInt32, right: UInt32, merged: UInt32)]) {
        var size = 16
        while size < merges.count * 2 { size <<= 1 }
        keys = [UInt64](repeating: .max, count: size)
        values = [UInt64](repeating: Self.none, count: size)
        mask = size - 1
        for (rank, m) in merges.enumerated() {
            let key = UInt64(m.left) << 32 | UInt64(m.right)
            var slot = Self.slot(key) & mask
            // A pair listed twice keeps its first (lowest) rank, as HF does.
            while keys[slot] != .max && keys[slot] != key { slot = (slot + 1) & mask }
            if keys[slot] == key { continue }
            keys[slot] = key
            values[slot] = UInt64(rank) << 32 | UInt64(m.merged)
        }
    }

    @inline(__always)
    static func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20)
    }

    @inline(__always)
    func lookup(_ left: UInt32, _ right: UInt32) -> UInt64 {
        let key = UInt64(left) << 32 | UInt64(right)
        var slot = Self.slot(key) & mask
        while true {
            let k = keys[slot]
            if k == key { return values[slot] }
            if k == .max { return Self.none }
            slot = (slot + 1) & mask
        }
    }
}

/// Byte-level BPE of one piece: start from one token per byte, then repeatedly merge the
/// adjacent pair with the lowest rank, leftmost first among equals, until no pair is in
/// the merge table (Hugging Face's `Word::merge_all`). Short pieces use a plain quadratic
/// scan; long ones a heap, so a pathological multi-megabyte piece stays O(n log n).
struct BytePairEncoder: Sendable {
    let byteIDs: [UInt32]
    let merges: MergeTable
    /// Pieces up to this many bytes use the quadratic scan.
    static let scanLimit = 96

    func encode(_ piece: UnsafeBufferPointer<UInt8>, into out: inout [UInt32]) {
        let n = piece.count
        if n == 0 { return }
        if n == 1 {
            out.append(byteIDs[Int(piece[0])])
            return
        }
        if n <= Self.scanLimit {
            scan(piece, into: &out)
        } else {
            heap(piece, into: &out)
        }
    }

    /// The quadratic reference: simple enough to be obviously right.
    func scan(_ piece: UnsafeBufferPointer<UInt8>, into out: inout [UInt32]) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: piece.count) { sym in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: piece.count) { pair in
                var count = piece.count
                for i in 0..<count { sym[i] = byteIDs[Int(piece[i])] }
                for i in 0..<count - 1 { pair[i] = merges.lookup(sym[i], sym[i + 1]) }
                while count > 1 {
                    var best = MergeTable.none
                    var at = -1
                    for i in 0..<count - 1 where pair[i] < best {
                        best = pair[i]
                        at = i
                    }
                    if at < 0 { break }
                    sym[at] = UInt32(truncatingIfNeeded: best)
                    for i in (at + 1)..<(count - 1) {
                        sym[i] = sym[i + 1]
                        pair[i] = pair[i + 1]
                    }
                    count -= 1
                    if at > 0 { pair[at - 1] = merges.lookup(sym[at - 1], sym[at]) }
                    if at < count - 1 { pair[at] = merges.lookup(sym[at], sym[at + 1]) }
                }
                for i in 0..<count { out.append(sym[i]) }
            }
        }
    }

    /// Heap-driven merging over a linked list of symbols; entries are (packed rank, position)
    /// and go stale when a neighbour changes, which the pop checks.
    func heap(_ piece: UnsafeBufferPointer<UInt8>, into out: inout [UInt32]) {
        let n = piece.count
        var sym = piece.map { byteIDs[Int($0)] }
        var next = Array(1...n)          // n: none
        var prev = Array(-1..<(n - 1))   // -1: none
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap()
        for i in 0..<(n - 1) {
            let m = merges.lookup(sym[i], sym[i + 1])
            if m != MergeTable.none { heap.push(m, i) }
        }
        while let (m, i) = heap.pop() {
            // Stale if the left symbol is gone or the pair is no longer the one recorded.
            guard alive[i], next[i] < n, merges.lookup(sym[i], sym[next[i]]) == m else { continue }
            let j = next[i]
            sym[i] = UInt32(truncatingIfNeeded: m)
            alive[j] = false
            next[i] = next[j]
            if next[j] < n { prev[next[j]] = i }
            if prev[i] >= 0 {
                let p = prev[i]
                let pm = merges.lookup(sym[p], sym[i])
                if pm != MergeTable.none { heap.push(pm, p) }
            }
            if next[i] < n {
                let nm = merges.lookup(sym[i], sym[next[i]])
                if nm != MergeTable.none { heap.push(nm, i) }
            }
        }
        var i = 0
        while i < n {
            out.append(sym[i])
            i = next[i]
        }
    }
}

/// A binary min-heap of (packed rank, position), ordered by rank, then position.
struct MinHeap {
    private var items: [(UInt64, Int)] = []

    @inline(__always)
    private static func less(_ a: (UInt64, Int), _ b: (UInt64, Int)) -> Bool {
        a.0 >> 32 != b.0 >> 32 ? a.0 >> 32 < b.0 >> 32 : a.1 < b.1
    }

    mutating func push(_ value: UInt64, _ position: Int) {
        items.append((value, position))
        var c = items.count - 1
        while c > 0 {
            let p = (c - 1) / 2
            guard Self.less(items[c], items[p]) else { break }
            items.swapAt(c, p)
            c = p
        }
    }

    mutating func pop() -> (UInt64, Int)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var p = 0
            while true {
                let l = 2 * p + 1, r = l + 1
                var m = p
                if l < items.count && Self.less(items[l], items[m]) { m = l }
                if r < items.count && Self.less(items[r], items[m]) { m = r }
                if m == p { break }
                items.swapAt(p, m)
                p = m
            }
        }
        return top
    }
}
