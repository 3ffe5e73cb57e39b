import CMemory

/// The merge table: (left id, right id) → merge rank, in one 64-bit word per slot
/// (`left << 43 | right << 22 | value`), so that the table of Qwen's 151k merges takes
/// 2 MB; merge lookups are most of the time spent on long pieces. When the merged tokens'
/// ids grow with the rank, as in vocabularies written by BPE trainers (Qwen's, GPT-2's,
/// Sieve's), the value is the merged id itself, which orders merges as the rank does and
/// saves a dependent lookup per merge; otherwise it is the rank, and `merged` maps it.
struct MergeTable: Sendable {
    static let none = UInt32.max
    /// Ids and ranks must fit their fields; an all-ones left id marks an empty slot.
    static let maxID = (1 << 21) - 2
    static let maxRank = (1 << 22) - 1
    fileprivate static let empty = UInt64.max

    private var slots: [UInt64]
    private let mask: Int
    /// One bit per hash of a pair, set for the pairs in the table: 256 KB, which stays in
    /// the core's cache where the 2 MB of slots do not. Half of the lookups after a merge
    /// are for pairs that do not merge, and most of those end here without a cache miss.
    private var filter: [UInt64]
    private static let filterBits = 21
    /// The merged token of each rank, when values are ranks; empty when they are ids.
    private let mergedByRank: [UInt32]

    /// Ids at most `maxID`, at most `maxRank + 1` merges (the caller checks).
    init(_ merges: [(left: UInt32, right: UInt32, merged: UInt32)]) {
        var size = 16
        while size * 3 < merges.count * 4 { size <<= 1 }   // load factor at most 3/4
        slots = [UInt64](repeating: Self.empty, count: size)
        mask = size - 1
        filter = [UInt64](repeating: 0, count: 1 << (Self.filterBits - 6))
        // A pair listed twice takes its last rank, as Hugging Face does (its merge map is
        // collected from the list in order, later entries replacing earlier ones); the
        // earlier listings do not count against the ids growing with rank. Slots hold
        // ranks until it is known whether the merged ids can replace them.
        var superseded = [Bool](repeating: false, count: merges.count)
        for (rank, m) in merges.enumerated() {
            let key = Self.key(m.left, m.right)
            var slot = Self.slot(key) & mask
            while slots[slot] != Self.empty && slots[slot] >> 22 != key { slot = (slot + 1) & mask }
            if slots[slot] != Self.empty { superseded[Int(slots[slot] & 0x3F_FFFF)] = true }
            slots[slot] = key << 22 | UInt64(rank)
            let bit = Self.filterBit(key)
            filter[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        let kept = merges.indices.filter { !superseded[$0] }
        let idsGrowWithRank = zip(kept, kept.dropFirst()).allSatisfy { merges[$0].merged < merges[$1].merged }
        mergedByRank = idsGrowWithRank ? [] : merges.map(\.merged)
        if idsGrowWithRank {
            for i in slots.indices where slots[i] != Self.empty {
                slots[i] = (slots[i] >> 22) << 22 | UInt64(merges[Int(slots[i] & 0x3F_FFFF)].merged)
            }
        }
    }

    @inline(__always)
    fileprivate static func key(_ left: UInt32, _ right: UInt32) -> UInt64 { UInt64(left) << 21 | UInt64(right) }

    @inline(__always)
    fileprivate static func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20)
    }

    /// The filter bit of a key: the top bits of the product whose middle bits pick the slot.
    @inline(__always)
    fileprivate static func filterBit(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - filterBits))
    }

    /// Whether values are merged ids rather than ranks.
    var valuesAreMergedIDs: Bool { mergedByRank.isEmpty }

    /// Calls `body` with a read-only view of the table through raw pointers.
    @inline(__always)
    func withReader<R>(_ body: (Reader) -> R) -> R {
        slots.withUnsafeBufferPointer { slots in
            filter.withUnsafeBufferPointer { filter in
                mergedByRank.withUnsafeBufferPointer { byRank in
                    body(Reader(slots: slots.baseAddress!, filter: filter.baseAddress!, mask: mask,
                                mergedByRank: byRank.isEmpty ? nil : byRank.baseAddress))
                }
            }
        }
    }

    /// Lookups, valid inside `withReader`.
    struct Reader {
        let slots: UnsafePointer<UInt64>
        let filter: UnsafePointer<UInt64>
        let mask: Int
        /// nil when values are merged ids.
        let mergedByRank: UnsafePointer<UInt32>?

        /// A value ordered as the rank of merging `left` and `right` (lower merges first),
        /// or `none`.
        @inline(__always)
        func rank(_ left: UInt32, _ right: UInt32) -> UInt32 {
            let key = MergeTable.key(left, right)
            let bit = MergeTable.filterBit(key)
            if filter[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return MergeTable.none }
            var slot = MergeTable.slot(key) & mask
            while true {
                let s = slots[slot]
                if s >> 22 == key { return UInt32(truncatingIfNeeded: s & 0x3F_FFFF) }
                if s == MergeTable.empty { return MergeTable.none }
                slot = (slot + 1) & mask
            }
        }

        /// The merged token for a value from `rank`.
        @inline(__always)
        func merged(_ rank: UInt32) -> UInt32 {
            if let mergedByRank { return mergedByRank[Int(rank)] }
            return rank
        }

        /// Starts loading the slot of a pair that `rank` will be asked for.
        @inline(__always)
        func prefetch(_ left: UInt32, _ right: UInt32) {
            sieve_prefetch(slots + (MergeTable.slot(MergeTable.key(left, right)) & mask))
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
    /// Pieces up to this many bytes use the quadratic scan (positions must fit 7 bits).
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

    /// The quadratic scan. Each pair's entry packs its rank and its position,
    /// `rank << 7 | position`, so the leftmost of the lowest-ranked pairs is the smallest
    /// entry: finding it is a branch-free minimum the compiler vectorizes, where comparing
    /// ranks and keeping the first was a mispredicted branch per pair. When a merge shifts
    /// the entries after it left, their positions drop by one. A pair not in the table is
    /// `UInt32.max` (less one per shift, still above any real entry).
    func scan(_ piece: UnsafeBufferPointer<UInt8>, into out: inout [UInt32]) {
        assert(piece.count <= Self.scanLimit)
        merges.withReader { merges in
        byteIDs.withUnsafeBufferPointer { byteIDs in
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: piece.count) { sym in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: piece.count) { pair in
                @inline(__always) func entry(_ i: Int) -> UInt32 {
                    let rank = merges.rank(sym[i], sym[i + 1])
                    return rank == MergeTable.none ? UInt32.max : rank << 7 | UInt32(i)
                }
                var count = piece.count
                for i in 0..<count { sym[i] = byteIDs[Int(piece[i])] }
                // The first lookups are independent: start them all, then read them.
                for i in 0..<count - 1 { merges.prefetch(sym[i], sym[i + 1]) }
                for i in 0..<count - 1 { pair[i] = entry(i) }
                while count > 1 {
                    var best = UInt32.max
                    for i in 0..<count - 1 { best = min(best, pair[i]) }
                    if best >= Self.noPair { break }
                    let at = Int(best & 0x7F)
                    sym[at] = merges.merged(best >> 7)
                    for i in (at + 1)..<(count - 1) {
                        sym[i] = sym[i + 1]
                        pair[i] = pair[i + 1] &- 1
                    }
                    count -= 1
                    if at > 0 { pair[at - 1] = entry(at - 1) }
                    if at < count - 1 { pair[at] = entry(at) }
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: sym[0..<count]))
            }
        }
        }
        }
    }

    /// Scan entries at or above this are pairs not in the table: ranks (at most
    /// `MergeTable.maxRank`, 22 bits) shifted past the 7 bits of a position below 128.
    private static let noPair: UInt32 = 1 << 29

    /// Heap-driven merging over a linked list of symbols; entries are (packed rank, position)
    /// and go stale when a neighbour changes, which the pop checks. All working memory is
    /// on the stack (or one temporary allocation for very long pieces).
    func heap(_ piece: UnsafeBufferPointer<UInt8>, into out: inout [UInt32]) {
        let n = piece.count
        merges.withReader { merges in
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
                let r = merges.rank(sym[i], sym[i + 1])
                if r != MergeTable.none { heap.push(HeapEntry(rank: r, position: Int32(i))) }
            }
            while let top = heap.pop() {
                let i = Int(top.position)
                // Stale if the left symbol was merged away (its link points to itself) or the
                // pair there is no longer the one recorded.
                let j = Int(next[i])
                guard j < n, next[i] != Int32(i), merges.rank(sym[i], sym[j]) == top.rank else { continue }
                sym[i] = merges.merged(top.rank)
                let after = Int(next[j])
                next[i] = Int32(after)
                next[j] = Int32(j)                     // mark j dead
                if after < n { prev[after] = Int32(i) }
                let p = Int(prev[i])
                if p >= 0 {
                    let pr = merges.rank(sym[p], sym[i])
                    if pr != MergeTable.none { heap.push(HeapEntry(rank: pr, position: Int32(p))) }
                }
                if after < n {
                    let nr = merges.rank(sym[i], sym[after])
                    if nr != MergeTable.none { heap.push(HeapEntry(rank: nr, position: Int32(i))) }
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
}

/// A heap entry: a merge rank and the position of the pair's left symbol.
struct HeapEntry {
    var rank: UInt32
    var position: Int32

    /// Lower rank first; among equal ranks, the leftmost pair.
    @inline(__always)
    static func < (a: HeapEntry, b: HeapEntry) -> Bool {
        a.rank != b.rank ? a.rank < b.rank : a.position < b.position
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
