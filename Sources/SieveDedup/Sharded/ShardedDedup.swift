import Foundation
import SieveCore
import SieveFiles
import SieveIO

/// Deduplication as passes over files, for runs split into many tasks (docs/dedup.md):
///
/// 1. `signatures` — each of N tasks fingerprints its own work units and writes, per
///    band, its (band key, document key) pairs sorted, its exact hashes, and its ids.
/// 2. `buckets` — each of M tasks takes one M-th of the key range of every band and of
///    the exact hashes, finds the documents that share a key and clusters them with
///    union-find; its forest (member → smallest member) is round 0 of pass 3.
/// 3. `clusters` — rounds of M tasks join the forests into the final clusters
///    (`ConnectedComponents`), each task holding one M-th of the documents.
/// 4. `filter` — each task reads its documents again and drops its duplicates
///    (`ShardedDedup.decisions` and the dedup stage).
///
/// Every file is written atomically and a task that finds its own summary from an
/// earlier run with the same settings does nothing, so a killed pass resumes.
public struct ShardedDedup {
    public let work: String

    public init(work: String) {
        self.work = work
    }

    /// What a pass-1 task did; also its completion marker.
    public struct SignatureSummary: Codable, Equatable, Sendable {
        public var settings: DedupSettings
        public var taskIndex: Int
        public var taskCount: Int
        /// The work units this task read, in order.
        public var units: [Int]
        public var documents: Int
        /// Documents with no shingles (no words), which only exact matching can catch.
        public var withoutShingles: Int
    }

    /// What a pass-2 task did; also its completion marker.
    public struct BucketSummary: Codable, Equatable, Sendable {
        public var taskIndex: Int
        public var taskCount: Int
        /// (key, document) pairs read, bands and exact hashes together.
        public var pairs: Int
        /// Documents this partition links to a smaller document.
        public var members: Int
        /// With verification: candidate pairs compared, and those below the threshold.
        public var compared: Int
        public var rejected: Int
    }

    /// What pass 3 found.
    public struct ClusterSummary: Codable, Equatable, Sendable {
        public var clusters: Int
        public var exactDuplicates: Int
        public var minhashDuplicates: Int
    }

    // MARK: Pass 1

    public func signatureDirectory(_ task: Int) -> String { "\(work)/signatures/task-\(Self.number(task))" }

    /// The sink for a pass-1 task: run its work units through it, then `finish`.
    public func signatureWriter(settings: DedupSettings) -> SignatureWriter {
        SignatureWriter(settings: settings)
    }

    /// Whether a pass-1 task's summary says it ran with these settings, task count and
    /// units: then its signatures are reused, and the documents pass may use its result.
    public func isCurrent(_ summary: SignatureSummary?, settings: DedupSettings, taskCount: Int, units: [Int]) -> Bool {
        summary?.settings == settings && summary?.taskCount == taskCount && summary?.units == units
    }

    /// The summary of a finished pass-1 task, nil if it has not finished.
    public func signatureSummary(task: Int) -> SignatureSummary? {
        try? Self.readJSON(SignatureSummary.self, "\(signatureDirectory(task))/done.json")
    }

    /// Writes task `task`'s files from what `writer` collected; the summary comes last.
    public func finish(_ writer: SignatureWriter, task: Int, of taskCount: Int, units: [Int]) throws -> SignatureSummary {
        let directory = signatureDirectory(task)
        // New signatures make whatever the later passes found from the old ones stale.
        for stale in ["\(work)/buckets", components.directory] where FileManager.default.fileExists(atPath: stale) {
            try FileManager.default.removeItem(atPath: stale)
        }
        try makeDirectories(directory)
        for (band, pairs) in writer.bandPairs.enumerated() {
            try RecordFile.write(Self.sorted(pairs, fields: 2), fields: 2, to: "\(directory)/band-\(band).bin")
        }
        try RecordFile.write(Self.sorted(writer.exactTriples, fields: 3), fields: 3, to: "\(directory)/exact.bin")
        try RecordFile.write(writer.idIndex, fields: 2, to: "\(directory)/ids.index")
        try AtomicFile.write(writer.idText, to: "\(directory)/ids.text")
        if writer.settings.verifyThreshold != nil {
            try RecordFile.write(writer.shingleIndex, fields: 2, to: "\(directory)/shingles.index")
            try RecordFile.write(writer.shingleValues, fields: 1, to: "\(directory)/shingles.bin")
        }
        let summary = SignatureSummary(settings: writer.settings, taskIndex: task, taskCount: taskCount, units: units,
                                       documents: writer.idIndex.count / 2, withoutShingles: writer.withoutShingles)
        try Self.writeJSON(summary, "\(directory)/done.json")
        return summary
    }

    /// The summaries of every pass-1 task; fails unless all finished with the same settings.
    public func signatureSummaries() throws -> [SignatureSummary] {
        // Any finished task tells the task count, so that every missing one can be named.
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(work)/signatures")) ?? []
        let finished = names.sorted().compactMap { $0.hasPrefix("task-") ? Int($0.dropFirst(5)) : nil }
            .lazy.compactMap { signatureSummary(task: $0) }
        guard let any = finished.first else {
            throw FileError(path: "\(work)/signatures", message: "signatures pass not finished: no task has written done.json")
        }
        var all: [SignatureSummary] = []
        var missing: [Int] = []
        for task in 0..<any.taskCount {
            guard let summary = signatureSummary(task: task) else {
                missing.append(task)
                continue
            }
            guard summary.settings == any.settings, summary.taskCount == any.taskCount else {
                throw FileError(path: signatureDirectory(task), message: "written with other settings than task \(any.taskIndex)")
            }
            all.append(summary)
        }
        guard missing.isEmpty else {
            throw FileError(path: "\(work)/signatures", message: "signatures pass not finished: \(Self.describe(missing, of: any.taskCount)) missing (no done.json)")
        }
        return all
    }

    // MARK: Pass 2

    func bucketPath(_ task: Int, _ kind: String) -> String { "\(work)/buckets/\(kind)-\(Self.number(task))" }

    public func bucketSummary(task: Int, of taskCount: Int) -> BucketSummary? {
        guard let summary = try? Self.readJSON(BucketSummary.self, bucketPath(task, "done") + ".json"),
              summary.taskCount == taskCount else { return nil }
        return summary
    }

    /// Pass 2 for task `task` of `taskCount`.
    public func buckets(task: Int, of taskCount: Int) throws -> BucketSummary {
        if let done = bucketSummary(task: task, of: taskCount) { return done }
        let signatures = try signatureSummaries()
        let settings = signatures[0].settings
        let (low, high) = Self.keyRange(task, of: taskCount)
        var sets = SparseUnionFind()
        var exactMembers: [UInt64] = []
        var pairs = 0
        // Reads this task's key range of one kind of file from every pass-1 task.
        func slices(_ name: String, fields: Int) throws -> [UInt64] {
            var all: [UInt64] = []
            for summary in signatures {
                let reader = try RecordFile.Reader(path: "\(signatureDirectory(summary.taskIndex))/\(name)", fields: fields)
                let start = try reader.lowerBound(low)
                let end = try high.map { try reader.lowerBound($0) } ?? reader.count
                all += try reader.read(start..<end)
            }
            pairs += all.count / fields
            return Self.sorted(all, fields: fields)
        }
        var owner: [Int: Int] = [:]
        for summary in signatures { for unit in summary.units { owner[unit] = summary.taskIndex } }
        var shingleFiles: [Int: ShingleFile] = [:]
        var linker = GroupLinker(threshold: settings.verifyThreshold) { key in
            guard let task = owner[DocumentKey.unit(key)] else {
                throw FileError(path: self.work, message: "document key \(key) belongs to no signatures task")
            }
            if shingleFiles[task] == nil { shingleFiles[task] = try ShingleFile(directory: self.signatureDirectory(task)) }
            return try shingleFiles[task]!.shingles(of: key)
        }
        if settings.minhash {
            for band in 0..<settings.bands {
                try linker.link(try slices("band-\(band).bin", fields: 2), fields: 2, exact: false, into: &sets,
                                exactMembers: &exactMembers)
            }
        }
        if settings.exact {
            try linker.link(try slices("exact.bin", fields: 3), fields: 3, exact: true, into: &sets, exactMembers: &exactMembers)
        }
        let members = sets.members()
        var edges: [UInt64] = []
        edges.reserveCapacity(2 * members.count)
        for (member, root) in members {
            edges.append(member)
            edges.append(root)
        }
        try components.start(edges: edges, marked: exactMembers, task: task, of: taskCount)
        try makeDirectories("\(work)/buckets")
        let summary = BucketSummary(taskIndex: task, taskCount: taskCount, pairs: pairs, members: members.count,
                                    compared: linker.compared, rejected: linker.rejected)
        try Self.writeJSON(summary, bucketPath(task, "done") + ".json")
        return summary
    }

    // MARK: Pass 3

    /// The rounds of pass 3, whose round 0 pass 2 writes.
    public var components: ConnectedComponents { ConnectedComponents(directory: "\(work)/components") }
    /// Written when the last round of pass 3 starts: a documents pass that used its result
    /// has it in its fingerprint.
    public var clustersDone: String { components.convergedPath }

    /// One round of pass 3 for task `task` of `taskCount`; nil once an earlier round found
    /// the clusters.
    public func clusters(round: Int, task: Int, of taskCount: Int, maxRounds: Int) throws -> ConnectedComponents.RoundSummary? {
        try components.run(round: round, task: task, of: taskCount, maxRounds: maxRounds)
    }

    /// Every round of pass 3 in this process, as `bucketTasks` tasks each.
    public func clusters(bucketTasks: Int, maxRounds: Int) throws -> ClusterSummary {
        _ = try components.runAll(taskCount: bucketTasks, maxRounds: maxRounds)
        guard let summary = clusterSummary() else { throw FileError(path: components.directory, message: "clusters pass not finished") }
        return summary
    }

    // MARK: Pass 4

    /// The duplicates among task `task`'s documents, with the ids their clusters keep, and
    /// the sizes of the clusters whose kept documents are its.
    public func decisions(task: Int) throws -> ClusterDecisions {
        let signatures = try signatureSummaries()
        guard let mine = signatures.first(where: { $0.taskIndex == task }) else {
            throw FileError(path: signatureDirectory(task), message: "signatures task \(task) has not finished")
        }
        var owner: [Int: Int] = [:]
        for summary in signatures { for unit in summary.units { owner[unit] = summary.taskIndex } }
        let ranges = Self.keyRanges(units: mine.units)
        let (records, roots) = try components.answer(in: ranges)
        var idFiles: [Int: IDFile] = [:]
        var decisions = ClusterDecisions()
        for i in stride(from: 0, to: records.count, by: 3) {
            let root = records[i + 1]
            guard let rootTask = owner[DocumentKey.unit(root)] else {
                throw FileError(path: work, message: "document key \(root) belongs to no signatures task")
            }
            if idFiles[rootTask] == nil { idFiles[rootTask] = try IDFile(directory: signatureDirectory(rootTask)) }
            decisions.duplicates[records[i]] = Duplicate(reason: records[i + 2] == 1 ? .exact : .minhash,
                                                         keptID: try idFiles[rootTask]!.id(of: root))
        }
        for i in stride(from: 0, to: roots.count, by: 2) { decisions.keptSizes[roots[i]] = Int(truncatingIfNeeded: roots[i + 1]) }
        return decisions
    }

    /// The document keys of `units`, as ranges (consecutive units joined).
    static func keyRanges(units: [Int]) -> [ClosedRange<UInt64>] {
        var ranges: [ClosedRange<UInt64>] = []
        for unit in units.sorted() {
            let low = UInt64(unit) << 40, high = low | (1 << 40 - 1)
            if let last = ranges.last, last.upperBound &+ 1 == low {
                ranges[ranges.count - 1] = last.lowerBound...high
            } else {
                ranges.append(low...high)
            }
        }
        return ranges
    }

    /// The summary of pass 3, nil until its last round has finished.
    public func clusterSummary() -> ClusterSummary? {
        guard let (_, result) = try? components.result() else { return nil }
        return ClusterSummary(clusters: result.components, exactDuplicates: result.marked,
                              minhashDuplicates: result.members - result.marked)
    }

    /// The settings pass 1 ran with, which every later pass uses.
    public func settings() throws -> DedupSettings { try signatureSummaries()[0].settings }

    // MARK: Helpers

    /// Task `task`'s share of the 64-bit key space: [low, high), high nil for the end.
    static func keyRange(_ task: Int, of count: Int) -> (UInt64, UInt64?) {
        let width = UInt64.max / UInt64(count)
        return (width * UInt64(task), task + 1 == count ? nil : width * UInt64(task + 1))
    }

    /// Sorts records of `fields` (1 to 3) UInt64s lexicographically.
    static func sorted(_ values: [UInt64], fields: Int) -> [UInt64] {
        var values = values
        sort(&values, fields: fields)
        return values
    }

    /// Sorts in place: the flat array seen as an array of records.
    static func sort(_ values: inout [UInt64], fields: Int) {
        precondition((1...3).contains(fields) && values.count % fields == 0)
        guard values.count > fields else { return }
        values.withUnsafeMutableBufferPointer { buffer in
            let raw = UnsafeMutableRawPointer(buffer.baseAddress!)
            switch fields {
            case 1:
                buffer.sort()
            case 2:
                var records = UnsafeMutableBufferPointer(start: raw.bindMemory(to: Record2.self, capacity: buffer.count / 2),
                                                         count: buffer.count / 2)
                records.sort()
                raw.bindMemory(to: UInt64.self, capacity: buffer.count)
            default:
                var records = UnsafeMutableBufferPointer(start: raw.bindMemory(to: Record3.self, capacity: buffer.count / 3),
                                                         count: buffer.count / 3)
                records.sort()
                raw.bindMemory(to: UInt64.self, capacity: buffer.count)
            }
        }
    }

    struct Record2: Comparable {
        var a: UInt64, b: UInt64
        static func < (x: Self, y: Self) -> Bool { (x.a, x.b) < (y.a, y.b) }
    }

    struct Record3: Comparable {
        var a: UInt64, b: UInt64, c: UInt64
        static func < (x: Self, y: Self) -> Bool { (x.a, x.b, x.c) < (y.a, y.b, y.c) }
    }

    /// "tasks 1, 3 of 4", for messages naming the tasks a pass still lacks.
    static func describe(_ tasks: [Int], of count: Int) -> String {
        (tasks.count == 1 ? "task " : "tasks ") + tasks.map(String.init).joined(separator: ", ") + " of \(count)"
    }

    /// `n` with leading zeros to `width` digits, as the work files are named.
    static func number(_ n: Int, width: Int = 5) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func writeJSON<T: Encodable>(_ value: T, _ path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(value)), to: path)
    }

    static func readJSON<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// A pass-1 task's ids: `ids.index` holds (document key, end offset in `ids.text`)
/// records in key order; `ids.text` the UTF-8 ids back to back.
struct IDFile {
    private let index: [UInt64]
    private let text: Data

    init(directory: String) throws {
        index = try RecordFile.Reader(path: "\(directory)/ids.index", fields: 2).readAll()
        text = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/ids.text"), options: .alwaysMapped)
    }

    func id(of key: UInt64) throws -> String {
        guard let i = KeyedOffsets.find(key, in: index) else {
            throw FileError(path: "ids.index", message: "no document with key \(key)")
        }
        let range = KeyedOffsets.range(i, in: index)
        return String(decoding: text[range], as: UTF8.self)
    }
}

/// A pass-1 task's shingle sets (with verification): `shingles.index` holds (document
/// key, end offset in `shingles.bin`) records in key order; `shingles.bin` each
/// document's sorted shingle hashes back to back.
struct ShingleFile {
    private let index: [UInt64]
    private let values: RecordFile.Reader

    init(directory: String) throws {
        index = try RecordFile.Reader(path: "\(directory)/shingles.index", fields: 2).readAll()
        values = try RecordFile.Reader(path: "\(directory)/shingles.bin", fields: 1)
    }

    func shingles(of key: UInt64) throws -> [UInt64] {
        guard let i = KeyedOffsets.find(key, in: index) else { return [] }
        return try values.read(KeyedOffsets.range(i, in: index))
    }
}

/// Lookups in (key, end offset) records sorted by key, the index of ids and shingles.
enum KeyedOffsets {
    static func find(_ key: UInt64, in index: [UInt64]) -> Int? {
        var low = 0, high = index.count / 2
        while low < high {
            let middle = (low + high) / 2
            if index[2 * middle] < key { low = middle + 1 } else { high = middle }
        }
        return low < index.count / 2 && index[2 * low] == key ? low : nil
    }

    static func range(_ i: Int, in index: [UInt64]) -> Range<Int> {
        (i == 0 ? 0 : Int(index[2 * i - 1]))..<Int(index[2 * i + 1])
    }
}

/// Pass 1's sink: fingerprints on the worker threads, collected in input order.
public final class SignatureWriter: BatchSink, @unchecked Sendable {
    let settings: DedupSettings
    private let fingerprinter: Fingerprinter
    var bandPairs: [[UInt64]]
    var exactTriples: [UInt64] = []
    var idIndex: [UInt64] = []
    var idText: [UInt8] = []
    var shingleIndex: [UInt64] = []
    var shingleValues: [UInt64] = []
    var withoutShingles = 0
    private var batches = BatchCounter()

    init(settings: DedupSettings) {
        self.settings = settings
        fingerprinter = Fingerprinter(settings: settings)
        bandPairs = [[UInt64]](repeating: [], count: settings.minhash ? settings.bands : 0)
    }

    public func encode(_ documents: [Document], unit: Int) -> [UInt8] {
        FingerprintBatch.encode(documents, with: fingerprinter)
    }

    public func write(_ encoded: [UInt8], unit: Int) throws {
        try FingerprintBatch.decode(encoded, unit: unit, batch: batches.next(unit: unit)) { key, print, id in
            idText.append(contentsOf: id)
            idIndex.append(key)
            idIndex.append(UInt64(idText.count))
            if settings.exact {
                exactTriples.append(print.exact.lo)
                exactTriples.append(print.exact.hi)
                exactTriples.append(key)
            }
            if settings.minhash && print.bands.isEmpty { withoutShingles += 1 }
            if settings.verifyThreshold != nil && !print.shingles.isEmpty {
                shingleValues += print.shingles
                shingleIndex.append(key)
                shingleIndex.append(UInt64(shingleValues.count))
            }
            for (band, bandKey) in print.bands.enumerated() {
                bandPairs[band].append(bandKey)
                bandPairs[band].append(key)
            }
        }
    }

    public func endUnit(_ unit: Int, stats: RunStats) throws {}
}
