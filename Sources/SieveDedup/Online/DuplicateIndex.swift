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

/// What the dedup stage decides for the documents it sees, by document key: the ones to
/// drop, and for each kept document of a cluster of two or more, the cluster's size.
public struct ClusterDecisions: Sendable {
    public var duplicates: [UInt64: Duplicate] = [:]
    public var keptSizes: [UInt64: Int] = [:]

    public init() {}

    mutating func add(member: UInt64, _ duplicate: Duplicate, root: UInt64) {
        duplicates[member] = duplicate
        keptSizes[root, default: 1] += 1
    }
}

/// The online mode's first pass: a sink that receives every document's fingerprint in
/// input order and clusters as it goes. Fingerprints are computed by the runner's
/// worker threads (`encode`); band tables, union-find and ids live here, in memory.
///
/// With verification, candidates must be compared within whole groups of colliding
/// documents, so the index instead collects what pass 1 of the sharded mode writes
/// (band keys, exact hashes, ids, shingle sets), in memory, and clusters it at the end
/// with the same `GroupLinker`.
public final class DuplicateIndex: BatchSink, @unchecked Sendable {
    private let fingerprinter: Fingerprinter
    private let collected: SignatureWriter?
    /// With verification: candidate pairs compared, and those below the threshold.
    public private(set) var compared = 0
    public private(set) var rejected = 0
    private var sets = UnionFind()
    private var keys: [UInt64] = []
    private var exactDuplicate: [Bool] = []
    private var exactTable = FirstSeenTable<Hash128>(placeholder: Hash128(lo: 0, hi: 0))
    private var bandTables: [FirstSeenTable<UInt64>]
    private var idBytes: [UInt8] = []
    private var idEnds: [Int] = []
    private var batches = BatchCounter()

    public init(settings: DedupSettings) {
        fingerprinter = Fingerprinter(settings: settings)
        let verifies = settings.minhash && settings.verifyThreshold != nil
        bandTables = settings.minhash && !verifies ? (0..<settings.bands).map { _ in FirstSeenTable(placeholder: 0) } : []
        collected = verifies ? SignatureWriter(settings: settings) : nil
    }

    public var documentCount: Int { collected.map { $0.idIndex.count / 2 } ?? keys.count }

    public func encode(_ documents: [Document], unit: Int) -> [UInt8] {
        FingerprintBatch.encode(documents, with: fingerprinter)
    }

    public func write(_ encoded: [UInt8], unit: Int) throws {
        if let collected { return try collected.write(encoded, unit: unit) }
        try FingerprintBatch.decode(encoded, unit: unit, batch: batches.next(unit: unit)) { key, print, id in
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

    /// Every document that is not the first of its cluster, and the sizes of the clusters.
    public func decisions() throws -> ClusterDecisions {
        if let collected { return try verifiedDecisions(collected) }
        var decisions = ClusterDecisions()
        for doc in 0..<UInt32(keys.count) {
            let root = sets.find(doc)
            guard root != doc else { continue }
            decisions.add(member: keys[Int(doc)], Duplicate(reason: exactDuplicate[Int(doc)] ? .exact : .minhash, keptID: id(root)),
                          root: keys[Int(root)])
        }
        return decisions
    }

    private func verifiedDecisions(_ collected: SignatureWriter) throws -> ClusterDecisions {
        var sets = SparseUnionFind()
        var exactMembers: [UInt64] = []
        let shingleIndex = collected.shingleIndex, shingleValues = collected.shingleValues
        var linker = GroupLinker(threshold: fingerprinter.settings.verifyThreshold) { key in
            KeyedOffsets.find(key, in: shingleIndex).map { Array(shingleValues[KeyedOffsets.range($0, in: shingleIndex)]) } ?? []
        }
        for pairs in collected.bandPairs {
            try linker.link(ShardedDedup.sorted(pairs, fields: 2), fields: 2, exact: false, into: &sets, exactMembers: &exactMembers)
        }
        if fingerprinter.settings.exact {
            try linker.link(ShardedDedup.sorted(collected.exactTriples, fields: 3), fields: 3, exact: true, into: &sets,
                            exactMembers: &exactMembers)
        }
        compared = linker.compared
        rejected = linker.rejected
        let exact = Set(exactMembers)
        let ids = collected.idIndex, text = collected.idText
        var decisions = ClusterDecisions()
        for (member, root) in sets.members() {
            guard let i = KeyedOffsets.find(root, in: ids) else { continue }
            decisions.add(member: member, Duplicate(reason: exact.contains(member) ? .exact : .minhash,
                                                    keptID: String(decoding: text[KeyedOffsets.range(i, in: ids)], as: UTF8.self)),
                          root: root)
        }
        return decisions
    }

    /// Bytes held for clustering: band and exact tables, union-find, keys, ids (with
    /// verification: the collected band keys, hashes, ids and shingle sets).
    public var byteCount: Int {
        if let collected {
            return 8 * (collected.bandPairs.reduce(0) { $0 + $1.capacity } + collected.exactTriples.capacity
                + collected.idIndex.capacity + collected.shingleIndex.capacity + collected.shingleValues.capacity)
                + collected.idText.capacity
        }
        return bandTables.reduce(exactTable.byteCount) { $0 + $1.byteCount } + sets.byteCount
            + keys.capacity * 8 + exactDuplicate.capacity + idBytes.capacity + idEnds.capacity * 8
    }

    private func id(_ doc: UInt32) -> String {
        let start = doc == 0 ? 0 : idEnds[Int(doc) - 1]
        return String(decoding: idBytes[start..<idEnds[Int(doc)]], as: UTF8.self)
    }
}
