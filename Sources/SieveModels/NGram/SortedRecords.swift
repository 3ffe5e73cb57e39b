import Foundation
import SieveFiles
#if canImport(Glibc)
import Glibc
#endif

/// A sorted sequence of records, read once: from memory, or merged from run files (a
/// binary heap over one block-buffered reader per run). Run files are deleted as soon as
/// they are read to the end.
final class SortedRecords {
    let layout: RecordLayout
    private let order: RecordLayout.Order
    private let counting: Bool
    private var memory: [UInt32] = []
    private var position = 0
    private weak var space: SortSpace?
    private var heldBytes = 0
    private var readers: [RunReader] = []
    /// Reader indices, a min-heap by their current records.
    private var heap: [Int] = []

    init(memory: [UInt32], layout: RecordLayout, space: SortSpace) {
        self.layout = layout
        order = .forward
        counting = false
        self.memory = memory
        self.space = space
        heldBytes = memory.count * 4
        space.held += heldBytes
    }

    init(runs: [String], layout: RecordLayout, order: RecordLayout.Order, counting: Bool) throws {
        self.layout = layout
        self.order = order
        self.counting = counting
        for path in runs {
            let reader = try RunReader(path: path, stride: layout.stride)
            if try reader.advance() { readers.append(reader) }
        }
        heap = Array(readers.indices)
        for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
    }

    deinit { release() }

    private func release() {
        space?.held -= heldBytes
        heldBytes = 0
        memory = []
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        layout.compare(readers[a].current, readers[b].current, order) < 0
    }

    private func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && less(heap[l], heap[m]) { m = l }
            if r < heap.count && less(heap[r], heap[m]) { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }

    /// Copies the next record into `record` (`layout.stride` words); false at the end.
    func next(into record: inout [UInt32]) throws -> Bool {
        let stride = layout.stride
        if readers.isEmpty {
            guard position < memory.count else {
                release()
                return false
            }
            for i in 0..<stride { record[i] = memory[position + i] }
            position += stride
            return true
        }
        guard let top = heap.first else { return false }
        let reader = readers[top]
        for i in 0..<stride { record[i] = reader.current[i] }
        try step(top)
        if counting {
            let keyWords = layout.keyWords
            while let next = heap.first {
                let equal = record.withUnsafeBufferPointer { RecordLayout.compare($0.baseAddress!, readers[next].current, words: keyWords, .forward) == 0 }
                guard equal else { break }
                let count = UInt64(record[keyWords]) | UInt64(record[keyWords + 1]) << 32
                let total = count &+ readers[next].current.load(at: keyWords)
                record[keyWords] = UInt32(truncatingIfNeeded: total)
                record[keyWords + 1] = UInt32(truncatingIfNeeded: total >> 32)
                try step(next)
            }
        }
        return true
    }

    /// Moves reader `index` (the heap's top) on.
    private func step(_ index: Int) throws {
        if try readers[index].advance() {
            siftDown(0)
        } else {
            heap[0] = heap[heap.count - 1]
            heap.removeLast()
            if !heap.isEmpty { siftDown(0) }
        }
    }

    /// Writes the rest of the records as one run file.
    func write(to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileError.errno(path) }
        defer { close(fd) }
        var record = [UInt32](repeating: 0, count: layout.stride)
        var block: [UInt32] = []
        block.reserveCapacity(1 << 18)
        while try next(into: &record) {
            block.append(contentsOf: record)
            if block.count >= 1 << 18 {
                try block.withUnsafeBytes { try AtomicFile.writeAll(fd, $0, path: path) }
                block.removeAll(keepingCapacity: true)
            }
        }
        try block.withUnsafeBytes { try AtomicFile.writeAll(fd, $0, path: path) }
    }
}

/// One run file, read a block of records at a time.
private final class RunReader {
    let path: String
    let stride: Int
    private var fd: Int32
    private var block: UnsafeMutablePointer<UInt32>
    private let capacity: Int
    private var count = 0
    private var index = -1
    var current: UnsafePointer<UInt32> { UnsafePointer(block + index * stride) }

    init(path: String, stride: Int) throws {
        self.path = path
        self.stride = stride
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.errno(path) }
        capacity = max(1, (1 << 16) / stride)
        block = .allocate(capacity: capacity * stride)
    }

    deinit {
        block.deallocate()
        if fd >= 0 { close(fd) }
        unlink(path)
    }

    /// Moves to the next record; false at the end of the file.
    func advance() throws -> Bool {
        index += 1
        if index < count { return true }
        let want = capacity * stride * 4
        var got = 0
        let raw = UnsafeMutableRawPointer(block)
        while got < want {
            let n = read(fd, raw + got, want - got)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.errno(path)
            }
            if n == 0 { break }
            got += n
        }
        guard got % (stride * 4) == 0 else { throw FileError(path: path, message: "a run file ends inside a record") }
        count = got / (stride * 4)
        index = 0
        if count == 0 {
            close(fd)
            fd = -1
            unlink(path)
            return false
        }
        return true
    }
}
