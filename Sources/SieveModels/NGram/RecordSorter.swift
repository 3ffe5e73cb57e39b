import Foundation
import SieveFiles
#if canImport(Glibc)
import Glibc
#endif

/// Fixed-size records of 32-bit words: a key of `keyWords` word ids, then a payload of
/// `payloadWords` (a UInt64 or a Double takes two, low half first).
struct RecordLayout {
    let keyWords: Int
    let payloadWords: Int
    var stride: Int { keyWords + payloadWords }

    /// The order records sort in: forward compares keys first word to last; suffix compares
    /// last word to first, so that n-grams sharing a suffix are neighbours (lmplz's
    /// SuffixOrder).
    enum Order { case forward, suffix }

    func compare(_ a: UnsafePointer<UInt32>, _ b: UnsafePointer<UInt32>, _ order: Order) -> Int {
        Self.compare(a, b, words: keyWords, order)
    }

    static func compare(_ a: UnsafePointer<UInt32>, _ b: UnsafePointer<UInt32>, words: Int, _ order: Order) -> Int {
        switch order {
        case .forward:
            for i in 0..<words where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        case .suffix:
            var i = words - 1
            while i >= 0 {
                if a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
                i -= 1
            }
        }
        return 0
    }

    /// The key's first two words in `order`, as one number that sorts the same way.
    func prefix(_ r: UnsafePointer<UInt32>, _ order: Order) -> UInt64 {
        let k = keyWords
        switch order {
        case .forward: return UInt64(r[0]) << 32 | (k > 1 ? UInt64(r[1]) : 0)
        case .suffix: return UInt64(r[k - 1]) << 32 | (k > 1 ? UInt64(r[k - 2]) : 0)
        }
    }
}

extension UnsafeMutablePointer where Pointee == UInt32 {
    /// Stores a 64-bit value in two words, low half first.
    func store(_ value: UInt64, at i: Int) {
        self[i] = UInt32(truncatingIfNeeded: value)
        self[i + 1] = UInt32(truncatingIfNeeded: value >> 32)
    }
}

extension UnsafePointer where Pointee == UInt32 {
    func load(at i: Int) -> UInt64 { UInt64(self[i]) | UInt64(self[i + 1]) << 32 }
}

/// The memory and temporary folder that the sorters of one estimate share.
final class SortSpace {
    /// Bytes the sorters may hold together.
    let capacity: Int
    let parent: String
    /// Bytes held by sorted record sets kept in memory until they are read.
    var held = 0
    private(set) var spilledBytes = 0
    private var directory: String?
    private var runs = 0

    init(capacity: Int, parent: String) {
        self.capacity = capacity
        self.parent = parent
    }

    deinit {
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// A new run file's path; the folder is made on the first spill.
    func runPath() throws -> String {
        if directory == nil {
            let path = parent + "/sieve-ngram-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try makeDirectories(path)
            directory = path
        }
        runs += 1
        return directory! + "/run-\(runs)"
    }

    func spilled(_ bytes: Int) { spilledBytes += bytes }
}

/// Sorts records larger than memory: they collect in a buffer, which is sorted and
/// written as a run file whenever it passes `budget` bytes; `finish` merges the runs (or
/// sorts the buffer in memory when nothing was spilled).
///
/// A counting sorter merges records with equal keys as they arrive (a hash table over the
/// buffer) and when runs merge, adding the payload's first two words as a UInt64 count.
struct RecordSorter {
    let layout: RecordLayout
    let order: RecordLayout.Order
    let space: SortSpace
    let budget: Int
    let counting: Bool
    private var buffer: [UInt32] = []
    private var records = 0
    private var slots: [Int32] = []
    private var runs: [String] = []
    /// Runs merged into one when this many have been written, so that a merge never reads
    /// more files at once.
    static let maximumRuns = 64

    init(layout: RecordLayout, order: RecordLayout.Order, space: SortSpace, budget: Int, counting: Bool = false) {
        self.layout = layout
        self.order = order
        self.space = space
        self.budget = max(budget, 1 << 16)
        self.counting = counting
    }

    private var bytes: Int { buffer.count * 4 + slots.count * 4 }

    mutating func append(_ record: UnsafePointer<UInt32>) throws {
        let stride = layout.stride
        if counting {
            if slots.isEmpty || records * 2 >= slots.count { rehash(max(1024, slots.count * 2)) }
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash(record)) & mask
            while true {
                let index = Int(slots[slot])
                if index < 0 { break }
                let equal = buffer.withUnsafeBufferPointer { layout.compare($0.baseAddress! + index * stride, record, .forward) == 0 }
                if equal {
                    buffer.withUnsafeMutableBufferPointer { b in
                        let p = b.baseAddress! + index * stride + layout.keyWords
                        p.store(UnsafePointer(p).load(at: 0) &+ (record + layout.keyWords).load(at: 0), at: 0)
                    }
                    return
                }
                slot = (slot + 1) & mask
            }
            slots[slot] = Int32(records)
        }
        buffer.append(contentsOf: UnsafeBufferPointer(start: record, count: stride))
        records += 1
        if bytes > budget { try spill() }
    }

    private func hash(_ record: UnsafePointer<UInt32>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<layout.keyWords {
            h = (h ^ UInt64(record[i])) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
        }
        return h
    }

    private mutating func rehash(_ size: Int) {
        slots = [Int32](repeating: -1, count: size)
        let mask = size - 1, stride = layout.stride
        buffer.withUnsafeBufferPointer { b in
            for index in 0..<records {
                var slot = Int(truncatingIfNeeded: hash(b.baseAddress! + index * stride)) & mask
                while slots[slot] >= 0 { slot = (slot + 1) & mask }
                slots[slot] = Int32(index)
            }
        }
    }

    /// The buffer's records in order (the buffer is emptied).
    private mutating func sortedBuffer() -> [UInt32] {
        let stride = layout.stride
        var sorted = [UInt32](repeating: 0, count: buffer.count)
        buffer.withUnsafeBufferPointer { b in
            let base = b.baseAddress!
            var keys = [(prefix: UInt64, index: UInt32)]()
            keys.reserveCapacity(records)
            for i in 0..<records { keys.append((layout.prefix(base + i * stride, order), UInt32(i))) }
            let exact = layout.keyWords <= 2
            let layout = layout, order = order
            keys.sort { x, y in
                if x.prefix != y.prefix || exact { return x.prefix < y.prefix }
                return layout.compare(base + Int(x.index) * stride, base + Int(y.index) * stride, order) < 0
            }
            sorted.withUnsafeMutableBufferPointer { out in
                for (position, key) in keys.enumerated() {
                    (out.baseAddress! + position * stride).update(from: base + Int(key.index) * stride, count: stride)
                }
            }
        }
        buffer = []
        slots = []
        records = 0
        return sorted
    }

    private mutating func spill() throws {
        let sorted = sortedBuffer()
        let path = try space.runPath()
        try RunFile.write(sorted, to: path)
        space.spilled(sorted.count * 4)
        runs.append(path)
        if runs.count >= Self.maximumRuns {
            let merged = try space.runPath()
            let stream = try SortedRecords(runs: runs, layout: layout, order: order, counting: counting)
            try stream.write(to: merged)
            runs = [merged]
        }
    }

    /// The records in order. Kept in memory when nothing was spilled and the space allows
    /// it; otherwise the last buffer is spilled too and the runs are merged as they are read.
    mutating func finish() throws -> SortedRecords {
        if runs.isEmpty {
            let sorted = sortedBuffer()
            let size = sorted.count * 4
            if space.held + size <= space.capacity / 4 {
                return SortedRecords(memory: sorted, layout: layout, space: space)
            }
            let path = try space.runPath()
            try RunFile.write(sorted, to: path)
            space.spilled(size)
            runs = [path]
        } else if records > 0 {
            try spill()
        }
        let result = try SortedRecords(runs: runs, layout: layout, order: order, counting: counting)
        runs = []
        return result
    }
}

/// Run files: records as raw words, read back a block at a time.
enum RunFile {
    static func write(_ words: [UInt32], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileError.errno(path) }
        defer { close(fd) }
        try words.withUnsafeBytes { try AtomicFile.writeAll(fd, $0, path: path) }
    }
}
