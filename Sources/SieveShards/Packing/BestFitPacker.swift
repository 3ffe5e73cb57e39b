/// Packs documents into training sequences of at most `seqLen` tokens that keep every
/// document that fits whole ("Fewer Truncations Improve Language Modeling", Ding et al.
/// 2024): a document longer than `seqLen` is cut into `seqLen`-token pieces, each a
/// sequence of its own, and its remainder; the remainders and the other documents of a
/// chunk of about `chunkTokens` tokens are packed best-fit decreasing (longest first, each
/// into the fullest sequence that still has room, a new sequence when none has). Nothing
/// is dropped; sequences shorter than `seqLen` are stored as they are and padded by the
/// loader (docs/shards.md).
///
/// Deterministic: sequences come out full pieces first, as their documents arrive, then a
/// chunk's packed sequences in the order they were opened, each with its documents in
/// input order. A sequence's `cu_seqlens` are `0`, the end of each document in it, and its
/// own length last.
struct BestFitPacker: SequencePacking {
    let seqLen: Int
    let chunkTokens: Int
    /// The chunk's documents (or remainders), end to end.
    private var tokens: [Int32] = []
    /// Where each piece is in `tokens`; for a whole document, its length (0 for a
    /// remainder, whose document started in a full piece).
    private var pieces: [(start: Int, length: Int, document: Int)] = []

    init(seqLen: Int, chunkTokens: Int) {
        precondition(seqLen > 0 && chunkTokens > 0)
        self.seqLen = seqLen
        self.chunkTokens = chunkTokens
    }

    mutating func add(_ document: UnsafeRawBufferPointer, emit: (PackedSequence) throws -> Void) throws -> Bool {
        let count = document.count / 4
        var at = 0
        while count - at > seqLen {
            // A full piece: a sequence of its own, whatever else the chunk holds.
            let piece = UnsafeRawBufferPointer(rebasing: document[(at * 4)..<((at + seqLen) * 4)])
            var started = StartedDocuments()
            if at == 0 { started.add(count) }
            try [Int32(0), Int32(seqLen)].withUnsafeBytes { try emit(started.sequence(piece, $0)) }
            at += seqLen
        }
        let start = tokens.count
        for i in at..<count { tokens.append(Int32(littleEndian: document.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))) }
        if count > at { pieces.append((start, count - at, at == 0 ? count : 0)) }
        if tokens.count >= chunkTokens { try flush(emit: emit) }
        return at > 0
    }

    mutating func finish(emit: (PackedSequence) throws -> Void) throws -> Int {
        try flush(emit: emit)
        return 0
    }

    /// Packs and hands on the chunk held so far.
    private mutating func flush(emit: (PackedSequence) throws -> Void) throws {
        guard !pieces.isEmpty else { return }
        let bins = BestFitDecreasing.assign(pieces.map(\.length), capacity: seqLen)
        // Pieces grouped by sequence, in input order within each.
        var starts = [Int](repeating: 0, count: bins.count + 1)
        for bin in bins.assignment { starts[bin + 1] += 1 }
        for i in 0..<bins.count { starts[i + 1] += starts[i] }
        var order = [Int](repeating: 0, count: pieces.count)
        var next = starts
        for (piece, bin) in bins.assignment.enumerated() {
            order[next[bin]] = piece
            next[bin] += 1
        }
        var sequence: [Int32] = []
        sequence.reserveCapacity(seqLen)
        var boundaries: [Int32] = []
        for bin in 0..<bins.count {
            sequence.removeAll(keepingCapacity: true)
            boundaries = [0]
            var started = StartedDocuments()
            for piece in order[starts[bin]..<starts[bin + 1]] {
                let (start, length, document) = pieces[piece]
                sequence.append(contentsOf: tokens[start..<start + length])
                boundaries.append(Int32(sequence.count))
                if document > 0 { started.add(document) }
            }
            try sequence.withUnsafeBytes { t in try boundaries.withUnsafeBytes { b in try emit(started.sequence(t, b)) } }
        }
        tokens.removeAll(keepingCapacity: true)
        pieces.removeAll(keepingCapacity: true)
    }
}

/// Best-fit decreasing bin packing of integer sizes into bins of one capacity: items
/// longest first (ties in input order), each into the bin with the least room that still
/// holds it, or a new bin. Bins are found by their room in a segment tree over 0...capacity,
/// so an item costs O(log capacity).
enum BestFitDecreasing {
    struct Bins {
        /// Each item's bin, bins numbered in the order they were opened.
        var assignment: [Int]
        var count: Int
        /// The room left in each bin.
        var room: [Int]
    }

    static func assign(_ sizes: [Int], capacity: Int) -> Bins {
        precondition(sizes.allSatisfy { $0 > 0 && $0 <= capacity })
        let order = sizes.indices.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
        var tree = RoomIndex(capacity: capacity)
        // Per amount of room, the bins that have exactly that room.
        var binsWithRoom = [[Int32]](repeating: [], count: capacity + 1)
        var assignment = [Int](repeating: 0, count: sizes.count)
        var room: [Int] = []
        for item in order {
            let size = sizes[item]
            let bin: Int
            if let r = tree.first(atLeast: size) {
                bin = Int(binsWithRoom[r].removeLast())
                tree.add(r, -1)
            } else {
                bin = room.count
                room.append(capacity)
            }
            room[bin] -= size
            binsWithRoom[room[bin]].append(Int32(bin))
            tree.add(room[bin], 1)
            assignment[item] = bin
        }
        return Bins(assignment: assignment, count: room.count, room: room)
    }
}

/// Counts of bins per amount of room, with the smallest amount at least x in O(log n).
struct RoomIndex {
    private let size: Int
    private var tree: [Int32]

    init(capacity: Int) {
        var size = 1
        while size < capacity + 1 { size <<= 1 }
        self.size = size
        tree = [Int32](repeating: 0, count: 2 * size)
    }

    mutating func add(_ room: Int, _ delta: Int32) {
        var i = room + size
        while i >= 1 {
            tree[i] += delta
            i >>= 1
        }
    }

    func first(atLeast x: Int) -> Int? {
        var i = x + size
        if tree[i] > 0 { return x }
        // Up until a right sibling holds something, then down to its leftmost leaf.
        while i > 1 {
            if i & 1 == 0 && tree[i + 1] > 0 {
                i += 1
                while i < size { i = tree[2 * i] > 0 ? 2 * i : 2 * i + 1 }
                return i - size
            }
            i >>= 1
        }
        return nil
    }
}
