import SieveCore

/// The filtering pass's source: marks each document with its decision as its batch is
/// decoded, the one place its key (unit, batch, index) is known; `DedupStage` then
/// drops the marked documents, so that drops are counted and written to the rejected
/// stream like every stage's.
public struct DuplicateMarkingSource<Inner: BatchSource>: BatchSource {
    private var inner: Inner
    private let duplicates: [UInt64: Duplicate]
    private var batches = BatchCounter()

    public init(_ inner: Inner, duplicates: [UInt64: Duplicate]) {
        self.inner = inner
        self.duplicates = duplicates
    }

    public mutating func next() throws -> SourceItem? {
        guard let item = try inner.next() else { return nil }
        guard case .batch(let batch) = item else { return item }
        let sequence = batches.next(unit: batch.unit)
        let duplicates = self.duplicates
        return .batch(SourceBatch(unit: batch.unit, inputBytes: batch.inputBytes) { stats in
            var documents = batch.decode(&stats)
            for i in documents.indices {
                guard let key = try? DocumentKey.make(unit: batch.unit, batch: sequence, index: i),
                      let duplicate = duplicates[key] else { continue }
                documents[i].setMetadata(DedupStage.marker, .string(duplicate.reason.rule))
                documents[i].setMetadata("dedup_cluster", .string(duplicate.keptID))
            }
            return documents
        })
    }
}

/// Drops the documents `DuplicateMarkingSource` marked, with reason `dedup:exact` or
/// `dedup:minhash`; a dropped document carries `dedup_cluster`, the id of the document
/// its cluster keeps.
public struct DedupStage: Stage {
    static let marker = "_dedup"

    public init() {}

    public var name: String { "dedup" }

    public func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        var kept: [Document] = []
        kept.reserveCapacity(documents.count)
        for var document in documents {
            guard let i = document.metadata.firstIndex(where: { $0.key == Self.marker }) else {
                kept.append(document)
                continue
            }
            let rule = document.metadata.remove(at: i).value
            context.drop(document, rule: rule == .string("exact") ? "exact" : "minhash")
        }
        return kept
    }
}
