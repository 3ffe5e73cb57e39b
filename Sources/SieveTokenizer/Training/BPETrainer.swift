/// Trains a byte-level BPE vocabulary the way Hugging Face's `BpeTrainer` does, so that
/// the same words and settings give the same merges in the same order:
/// special tokens take the first ids, then the 256 byte-level characters sorted by code
/// point, then one token per merge. Each step merges the most frequent adjacent pair
/// (ties: the smaller pair of ids), in every word the pair's queue entry lists, with
/// Hugging Face's bookkeeping (pair counts updated by the changes each merge makes,
/// stale queue entries re-queued with their current count).
public struct BPETrainer: Sendable {
    public var vocabularySize: Int
    /// Pairs seen fewer times than this are not merged.
    public var minimumFrequency = 0
    /// Added as special tokens with the first ids.
    public var specialTokens: [String] = []

    public init(vocabularySize: Int) { self.vocabularySize = vocabularySize }

    /// The result: tokens by id (as bytes) and merges in rank order (as id pairs).
    public struct Vocabulary: Sendable {
        public var specialTokens: [String]
        /// Bytes of every regular token; index = id - specialTokens.count.
        public var tokens: [[UInt8]]
        /// (left id, right id) of every merge, in rank order.
        public var merges: [(UInt32, UInt32)]
    }

    public func train(words: [(bytes: [UInt8], count: Int)]) -> Vocabulary {
        // Ids: special tokens, then the alphabet in code point order of its characters.
        var idToBytes: [[UInt8]] = []
        var bytesToID: [[UInt8]: UInt32] = [:]
        let specialCount = specialTokens.count
        let alphabet = (0..<256).sorted { ByteLevel.characterOfByte[$0].value < ByteLevel.characterOfByte[$1].value }
        var byteID = [UInt32](repeating: 0, count: 256)
        for b in alphabet {
            byteID[b] = UInt32(specialCount + idToBytes.count)
            bytesToID[[UInt8(b)]] = byteID[b]
            idToBytes.append([UInt8(b)])
        }
        func vocabularyCount() -> Int { specialCount + idToBytes.count }

        // Words as symbol ids, in one buffer: word w is symbols[starts[w] ..< starts[w] + lengths[w]].
        var symbols: [UInt32] = []
        var starts: [Int] = []
        var lengths: [Int] = []
        let counts = words.map(\.count)
        for word in words {
            starts.append(symbols.count)
            lengths.append(word.bytes.count)
            for b in word.bytes { symbols.append(byteID[Int(b)]) }
        }

        var pairCounts: [UInt64: Int] = [:]
        var positions: [UInt64: [Int32]] = [:]
        for w in words.indices {
            let s = starts[w]
            for i in 0..<max(0, lengths[w] - 1) {
                let pair = UInt64(symbols[s + i]) << 32 | UInt64(symbols[s + i + 1])
                pairCounts[pair, default: 0] += counts[w]
                if positions[pair]?.last != Int32(w) { positions[pair, default: []].append(Int32(w)) }
            }
        }
        var queue = MergeQueue()
        for (pair, pos) in positions where pairCounts[pair]! > 0 {
            queue.push(MergeQueue.Entry(count: pairCounts[pair]!, pair: pair, positions: pos))
        }
        positions = [:]

        var merges: [(UInt32, UInt32)] = []
        var changes: [(pair: UInt64, delta: Int, word: Int)] = []
        while vocabularyCount() < vocabularySize, var top = queue.pop() {
            let current = pairCounts[top.pair] ?? 0
            if top.count != current {
                top.count = current
                queue.push(top)
                continue
            }
            if top.count < 1 || minimumFrequency > top.count { break }
            let left = UInt32(top.pair >> 32), right = UInt32(truncatingIfNeeded: top.pair)
            let merged = idToBytes[Int(left) - specialCount] + idToBytes[Int(right) - specialCount]
            let newID: UInt32
            if let existing = bytesToID[merged] {
                newID = existing
            } else {
                newID = UInt32(vocabularyCount())
                bytesToID[merged] = newID
                idToBytes.append(merged)
            }
            merges.append((left, right))

            changes.removeAll(keepingCapacity: true)
            for w32 in top.positions {
                let w = Int(w32)
                symbols.withUnsafeMutableBufferPointer { all in
                    Self.merge(UnsafeMutableBufferPointer(rebasing: all[starts[w]..<(starts[w] + lengths[w])]),
                               length: &lengths[w], left: left, right: right, into: newID) { pair, delta in
                        changes.append((pair, delta, w))
                    }
                }
            }
            var update: [UInt64: [Int32]] = [:]
            for change in changes {
                pairCounts[change.pair, default: 0] += change.delta * counts[change.word]
                if change.delta > 0, update[change.pair]?.last != Int32(change.word) {
                    update[change.pair, default: []].append(Int32(change.word))
                }
            }
            for (pair, pos) in update {
                let count = pairCounts[pair]!
                if count > 0 { queue.push(MergeQueue.Entry(count: count, pair: pair, positions: pos)) }
            }
        }

        // A pair merged twice (in two groups of words) keeps its last rank, as in
        // Hugging Face's merge map.
        var lastRank: [UInt64: Int] = [:]
        for (rank, m) in merges.enumerated() { lastRank[UInt64(m.0) << 32 | UInt64(m.1)] = rank }
        let unique = merges.enumerated().filter { lastRank[UInt64($0.element.0) << 32 | UInt64($0.element.1)] == $0.offset }
            .map(\.element)
        return Vocabulary(specialTokens: specialTokens, tokens: idToBytes, merges: unique)
    }

    /// Hugging Face's `Word::merge`: replaces every non-overlapping occurrence of
    /// (left, right), left to right, and reports the pair-count changes around each.
    static func merge(_ word: UnsafeMutableBufferPointer<UInt32>, length: inout Int, left: UInt32, right: UInt32,
                      into replacement: UInt32, change: (UInt64, Int) -> Void) {
        func pair(_ a: UInt32, _ b: UInt32) -> UInt64 { UInt64(a) << 32 | UInt64(b) }
        var i = 0
        while i < length {
            if word[i] == left && i + 1 < length && word[i + 1] == right {
                if i > 0 {
                    change(pair(word[i - 1], left), -1)
                    change(pair(word[i - 1], replacement), 1)
                }
                word[i] = replacement
                for k in (i + 1)..<(length - 1) { word[k] = word[k + 1] }
                length -= 1
                if i < length - 1 {
                    change(pair(right, word[i + 1]), -1)
                    change(pair(replacement, word[i + 1]), 1)
                }
            }
            i += 1
        }
    }
}

/// The merge queue: most frequent pair first; among equal counts, the smaller pair.
struct MergeQueue {
    struct Entry {
        var count: Int
        var pair: UInt64
        var positions: [Int32]

        @inline(__always)
        static func before(_ a: Entry, _ b: Entry) -> Bool {
            a.count != b.count ? a.count > b.count : a.pair < b.pair
        }
    }

    private var items: [Entry] = []

    mutating func push(_ entry: Entry) {
        items.append(entry)
        var c = items.count - 1
        while c > 0 {
            let p = (c - 1) / 2
            guard Entry.before(items[c], items[p]) else { break }
            items.swapAt(c, p)
            c = p
        }
    }

    mutating func pop() -> Entry? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var p = 0
        while true {
            let l = 2 * p + 1, r = l + 1
            var m = p
            if l < items.count && Entry.before(items[l], items[m]) { m = l }
            if r < items.count && Entry.before(items[r], items[m]) { m = r }
            if m == p { break }
            items.swapAt(p, m)
            p = m
        }
        return top
    }
}
