/// The merge table: (left id, right id) → merge rank and the id of the merged token,
/// packed as `rank << 32 | id` so that comparing packed values compares ranks. Keys and
/// values sit side by side, so a lookup that hits costs one cache miss, not two: merge
/// lookups are most of the time spent on long pieces.
struct MergeTable: Sendable {
    static let none = UInt64.max
    /// (key, value) pairs; key .max: empty.
    private var slots: [(key: UInt64, value: UInt64)]
    private let mask: Int

    init(_ merges: [(left: UInt32, right: UInt32, merged: UInt32)]) {
        var size = 16
        while size < merges.count * 2 { size <<= 1 }
        slots = [(key: UInt64, value: UInt64)](repeating: (.max, Self.none), count: size)
        mask = size - 1
        for (rank, m) in merges.enumerated() {
            let key = UInt64(m.left) << 32 | UInt64(m.right)
            var slot = Self.slot(key) & mask
            // A pair listed twice keeps its first (lowest) rank, as Hugging Face does.
            while slots[slot].key != .max && slots[slot].key != key { slot = (slot + 1) & mask }
            if slots[slot].key == key { continue }
            slots[slot] = (key, UInt64(rank) << 32 | UInt64(m.merged))
        }
    }

    @inline(__always)
    static func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20)
    }

    @inline(__always)
    func lookup(_ left: UInt32, _ right: UInt32) -> UInt64 {
        let key = UInt64(left) << 32 | UInt64(right)
        return slots.withUnsafeBufferPointer { slots in
            var slot = Self.slot(key) & mask
            while true {
                let s = slots[slot]
                if s.key == key { return s.value }
                if s.key == .max { return Self.none }
                slot = (slot + 1) & mask
            }
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
    /// and go stale when a neighbour changes, which the pop checks. All working memory is
    /// on the stack (or one temporary allocation for very long pieces).
    func heap(_ piece: UnsafeBufferPointer<UInt8>, into out: inout [UInt32]) {
        let n = piece.count
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: n) { sym in
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * n) { links in
        // Each merge pushes at most two entries.
        withUnsafeTemporaryAllocation(of: HeapEntry.self, capacity: 3 * n) { storage in
            let next = UnsafeMutableBufferPointer(rebasing: links[0..<n])
            let prev = UnsafeMutableBufferPointer(rebasing: links[n..<(2 * n)])
            for i in 0..<n {
                sym[i] = byteIDs[Int(piece[i])]
                next[i] = Int32(i + 1)
                prev[i] = Int32(i - 1)
            }
            var heap = MinHeap(storage: storage)
            for i in 0..<(n - 1) {
                let m = merges.lookup(sym[i], sym[i + 1])
                if m != MergeTable.none { heap.push(HeapEntry(value: m, position: Int32(i))) }
            }
            while let top = heap.pop() {
                let i = Int(top.position)
                // Stale if the left symbol was merged away (its link points to itself) or the
                // pair there is no longer the one recorded.
                let j = Int(next[i])
                guard j < n, next[i] != Int32(i), merges.lookup(sym[i], sym[j]) == top.value else { continue }
                sym[i] = UInt32(truncatingIfNeeded: top.value)
                let after = Int(next[j])
                next[i] = Int32(after)
                next[j] = Int32(j)                     // mark j dead
                if after < n { prev[after] = Int32(i) }
                let p = Int(prev[i])
                if p >= 0 {
                    let pm = merges.lookup(sym[p], sym[i])
                    if pm != MergeTable.none { heap.push(HeapEntry(value: pm, position: Int32(p))) }
                }
                if after < n {
                    let nm = merges.lookup(sym[i], sym[after])
                    if nm != MergeTable.none { heap.push(HeapEntry(value: nm, position: Int32(i))) }
                }
            }
            var i = 0
            while i < n {
                out.append(sym[i])
                i = Int(next[i])
            }
        }
        }
        }
    }
}

/// A heap entry: packed rank and merged id, and the position of the pair's left symbol.
struct HeapEntry {
    var value: UInt64
    var position: Int32

    /// Lower rank first; among equal ranks, the leftmost pair.
    @inline(__always)
    static func < (a: HeapEntry, b: HeapEntry) -> Bool {
        a.value >> 32 != b.value >> 32 ? a.value >> 32 < b.value >> 32 : a.position < b.position
    }
}

/// A binary min-heap in caller-provided storage.
struct MinHeap {
    private let items: UnsafeMutableBufferPointer<HeapEntry>
    private var count = 0

    init(storage: UnsafeMutableBufferPointer<HeapEntry>) { items = storage }

    @inline(__always)
    mutating func push(_ entry: HeapEntry) {
        var c = count
        count += 1
        while c > 0 {
            let p = (c - 1) / 2
            guard entry < items[p] else { break }
            items[c] = items[p]
            c = p
        }
        items[c] = entry
    }

    @inline(__always)
    mutating func pop() -> HeapEntry? {
        guard count > 0 else { return nil }
        let top = items[0]
        count -= 1
        let last = items[count]
        var p = 0
        while true {
            let l = 2 * p + 1
            if l >= count { break }
            var m = l
            if l + 1 < count && items[l + 1] < items[l] { m = l + 1 }
            guard items[m] < last else { break }
            items[p] = items[m]
            p = m
        }
        if count > 0 { items[p] = last }
        return top
    }
}
