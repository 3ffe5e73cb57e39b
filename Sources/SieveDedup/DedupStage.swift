import SieveCore

/// The dedup stage: drops every document that is not the first of its cluster, with the
/// reason `dedup:exact` or `dedup:minhash` and `dedup_cluster`, the id of the document
/// the cluster keeps.
///
/// A document is known by its key: work unit, batch within the unit, and place among
/// the documents that reach this stage in that batch (`DocumentKey`). In the online mode
/// the stage is a `TwoPassStage`: its first pass fills a `DuplicateIndex`. For the
/// sharded mode's last pass, it is built from the duplicates pass 3 found.
public final class DedupStage: TwoPassStage, @unchecked Sendable {
    /// The online index; nil when the duplicates were given.
    public let index: DuplicateIndex?
    /// The online mode's settings; nil when the duplicates were given.
    public let settings: DedupSettings?
    // Written once, by `finishFirstPass`, before the second pass reads it from many threads.
    private var duplicates: [UInt64: Duplicate]

    /// The online mode: both passes in this process.
    public init(settings: DedupSettings) {
        index = DuplicateIndex(settings: settings)
        self.settings = settings
        duplicates = [:]
    }

    /// Duplicates found elsewhere (the sharded passes).
    public init(duplicates: [UInt64: Duplicate]) {
        index = nil
        settings = nil
        self.duplicates = duplicates
    }

    public var name: String { "dedup" }

    public var needsFirstPass: Bool { index != nil }

    public func firstPass() -> any BatchSink {
        guard let index else { preconditionFailure("a dedup stage built from given duplicates has no first pass") }
        return index
    }

    public func finishFirstPass() throws {
        if let index { duplicates = try index.duplicates() }
    }

    public func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        var kept: [Document] = []
        kept.reserveCapacity(documents.count)
        for (i, document) in documents.enumerated() {
            guard let key = try? DocumentKey.make(unit: context.unit, batch: context.batch, index: i),
                  let duplicate = duplicates[key] else {
                kept.append(document)
                continue
            }
            var dropped = document
            dropped.setMetadata("dedup_cluster", .string(duplicate.keptID))
            context.drop(dropped, rule: duplicate.reason.rule)
        }
        return kept
    }
}
