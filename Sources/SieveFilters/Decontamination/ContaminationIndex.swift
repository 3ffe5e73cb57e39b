/// The n-grams of evaluation sets, for finding them in documents (`DecontaminateStage`):
/// every passage's words (`ContaminationWords`) end to end, and an open-addressing table
/// from each n-gram's 64-bit hash to where its words start. A hit is confirmed by
/// comparing the n words' hashes, so two n-grams that share a hash are not confused.
/// About 14 bytes a table slot (at most 70% full) and 8 bytes a word: 10 million
/// n-grams take under 300 MB. An n-gram that two benchmarks share belongs to the first.
public struct ContaminationIndex: Sendable {
    public let n: Int
    /// Benchmark names, in the order they were added.
    public private(set) var benchmarks: [String] = []
    /// Passages shorter than n words: nothing of them is indexed.
    public private(set) var shortPassages = 0
    public private(set) var count = 0
    private var words: [UInt64] = []
    private var keys: [UInt64]
    private var starts: [UInt32]
    private var owners: [UInt16]

    public init(n: Int) {
        precondition(n >= 1)
        self.n = n
        keys = [UInt64](repeating: 0, count: 1024)
        starts = [UInt32](repeating: 0, count: 1024)
        owners = [UInt16](repeating: 0, count: 1024)
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Adds one passage of `benchmark`.
    public mutating func add(_ text: String, benchmark: String) throws {
        let owner: Int
        if let i = benchmarks.firstIndex(of: benchmark) {
            owner = i
        } else {
            guard benchmarks.count < Int(UInt16.max) else { throw Failure(description: "more than 65,535 benchmarks") }
            benchmarks.append(benchmark)
            owner = benchmarks.count - 1
        }
        let first = words.count
        ContaminationWords.hashes(of: text, into: &words)
        let added = words.count - first
        guard added >= n else {
            words.removeLast(added)
            if added > 0 || !text.isEmpty { shortPassages += 1 }
            return
        }
        guard words.count < Int(UInt32.max) else { throw Failure(description: "benchmarks of more than 4 billion words") }
        for start in first...(words.count - n) {
            if (count + 1) * 10 > keys.count * 7 { grow() }
            let key = words.withUnsafeBufferPointer { ContaminationWords.ngram($0.baseAddress! + start, n) }
            var slot = Int(truncatingIfNeeded: key) & (keys.count - 1)
            var duplicate = false
            while keys[slot] != 0 {
                if keys[slot] == key && sameWords(Int(starts[slot]), start) {
                    duplicate = true
                    break
                }
                slot = (slot + 1) & (keys.count - 1)
            }
            if duplicate { continue }
            keys[slot] = key
            starts[slot] = UInt32(start)
            owners[slot] = UInt16(owner)
            count += 1
        }
    }

    private func sameWords(_ a: Int, _ b: Int) -> Bool {
        for i in 0..<n where words[a + i] != words[b + i] { return false }
        return true
    }

    private mutating func grow() {
        let oldKeys = keys, oldStarts = starts, oldOwners = owners
        keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
        starts = [UInt32](repeating: 0, count: oldKeys.count * 2)
        owners = [UInt16](repeating: 0, count: oldKeys.count * 2)
        let mask = keys.count - 1
        for i in oldKeys.indices where oldKeys[i] != 0 {
            var slot = Int(truncatingIfNeeded: oldKeys[i]) & mask
            while keys[slot] != 0 { slot = (slot + 1) & mask }
            keys[slot] = oldKeys[i]
            starts[slot] = oldStarts[i]
            owners[slot] = oldOwners[i]
        }
    }

    /// Bytes the index holds.
    public var bytes: Int { words.count * 8 + keys.count * 14 }

    /// Looks for indexed n-grams in `text`, calling `found` with the benchmark (an index in
    /// `benchmarks`) of each match, in text order, until it returns false.
    public func scan(_ text: String, _ found: (Int) -> Bool) {
        var hashes: [UInt64] = []
        hashes.reserveCapacity(text.utf8.count / 5)
        ContaminationWords.hashes(of: text, into: &hashes)
        guard hashes.count >= n else { return }
        let n = self.n
        keys.withUnsafeBufferPointer { keys in
            words.withUnsafeBufferPointer { words in
                starts.withUnsafeBufferPointer { starts in
                    hashes.withUnsafeBufferPointer { hashes in
                        let mask = keys.count - 1
                        for start in 0...(hashes.count - n) {
                            let window = hashes.baseAddress! + start
                            let key = ContaminationWords.ngram(window, n)
                            var slot = Int(truncatingIfNeeded: key) & mask
                            while keys[slot] != 0 {
                                if keys[slot] == key {
                                    let at = Int(starts[slot])
                                    var same = true
                                    for i in 0..<n where words[at + i] != window[i] {
                                        same = false
                                        break
                                    }
                                    if same {
                                        if !found(Int(owners[slot])) { return }
                                        break
                                    }
                                }
                                slot = (slot + 1) & mask
                            }
                        }
                    }
                }
            }
        }
    }
}
