import SieveCore

/// Why a document is a duplicate.
public enum DuplicateReason: UInt8, Sendable {
    /// Its normalized text equals an earlier document's.
    case exact = 1
    /// Its MinHash bands collide, directly or through other documents, with an earlier one's.
    case minhash = 2

    /// The rule in the drop reason `dedup:RULE`.
    public var rule: String { self == .exact ? "exact" : "minhash" }
}

/// A document to drop: why, and the id of the document its cluster keeps.
public struct Duplicate: Sendable, Equatable {
    public var reason: DuplicateReason
    public var keptID: String
}

/// The online mode's first pass: a sink that receives every document's fingerprint in
/// input order and clusters as it goes. Fingerprints are computed by the runner's
/// worker threads (`encode`); band tables, union-find and ids live here, in memory.
public final class DuplicateIndex: BatchSink, @unchecked Sendable {
    private let fingerprinter: Fingerprinter
    private var sets = UnionFind()
    private var keys: [UInt64] = []
    private var exactDuplicate: [Bool] = []
    private var exactTable = FirstSeenTable<Hash128>(placeholder: Hash128(lo: 0, hi: 0))
    private var bandTables: [FirstSeenTable<UInt64>]
    private var idBytes: [UInt8] = []
    private var idEnds: [Int] = []
    private var batchesSeen: [Int: Int] = [:]

    public init(settings: DedupSettings) {
        fingerprinter = Fingerprinter(settings: settings)
        bandTables = settings.minhash ? (0..<settings.bands).map { _ in FirstSeenTable(placeholder: 0) } : []
    }

    public var documentCount: Int { keys.count }

    public func encode(_ documents: [Document], unit: Int) -> [UInt8] {
        FingerprintBatch.encode(documents, with: fingerprinter, ids: true)
    }

    public func write(_ encoded: [UInt8], unit: Int) throws {
        let batch = batchesSeen[unit, default: 0]
        batchesSeen[unit] = batch + 1
        var index = 0
        try FingerprintBatch.decode(encoded) { print, id in
            let key = try DocumentKey.make(unit: unit, batch: batch, index: index)
            index += 1
            let doc = sets.add()
            keys.append(key)
            idBytes.append(contentsOf: id)
            idEnds.append(idBytes.count)
            var isExact = false
            if fingerprinter.settings.exact, let first = exactTable.firstOrInsert(print.exact, document: doc) {
                sets.union(doc, first)
                isExact = true
            }
            exactDuplicate.append(isExact)
            for (band, bandKey) in print.bands.enumerated() {
                if let first = bandTables[band].firstOrInsert(bandKey, document: doc) { sets.union(doc, first) }
            }
        }
    }

    public func endUnit(_ unit: Int, stats: RunStats) throws {}

    /// The documents to drop, by key: every document that is not the first of its cluster.
    public func duplicates() -> [UInt64: Duplicate] {
        var result: [UInt64: Duplicate] = [:]
        for doc in 0..<UInt32(keys.count) {
            let root = sets.find(doc)
            guard root != doc else { continue }
            result[keys[Int(doc)]] = Duplicate(reason: exactDuplicate[Int(doc)] ? .exact : .minhash, keptID: id(root))
        }
        return result
    }

    /// Bytes held for clustering: band and exact tables, union-find, keys, ids.
    public var byteCount: Int {
        bandTables.reduce(exactTable.byteCount) { $0 + $1.byteCount } + sets.byteCount
            + keys.capacity * 8 + exactDuplicate.capacity + idBytes.capacity + idEnds.capacity * 8
    }

    private func id(_ doc: UInt32) -> String {
        let start = doc == 0 ? 0 : idEnds[Int(doc) - 1]
        return String(decoding: idBytes[start..<idEnds[Int(doc)]], as: UTF8.self)
    }
}
