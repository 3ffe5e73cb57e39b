import SieveCore

/// The dedup stage: drops every document that is not the first of its cluster, with the
/// reason `dedup:exact` or `dedup:minhash` and `dedup_cluster`, the id of the document
/// the cluster keeps; the kept one carries `dedup_cluster_size` (for rehydration).
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
    private var decisions: ClusterDecisions

    /// The online mode: both passes in this process.
    public init(settings: DedupSettings) {
        index = DuplicateIndex(settings: settings)
        self.settings = settings
        decisions = ClusterDecisions()
    }

    /// Decisions found elsewhere (the sharded passes) for this task's documents.
    public init(decisions: ClusterDecisions) {
        index = nil
        settings = nil
        self.decisions = decisions
    }

    public var name: String { "dedup" }

    public var needsFirstPass: Bool { index != nil }

    public func firstPass() -> any BatchSink {
        guard let index else { preconditionFailure("a dedup stage built from given duplicates has no first pass") }
        return index
    }

    public func finishFirstPass() throws {
        if let index { decisions = try index.decisions() }
    }

    /// Bin i counts clusters of 2^i + 1 … 2^(i+1) documents (bin 0: pairs), 24 bins.
    public static func clusterSizeHistogram(_ sizes: some Sequence<Int>) -> [Int] {
        var bins = [Int](repeating: 0, count: 24)
        for size in sizes where size >= 2 { bins[clusterSizeBin(size)] += 1 }
        return bins.allSatisfy { $0 == 0 } ? [] : bins
    }

    /// The bin of a cluster of `size` ≥ 2 documents.
    public static func clusterSizeBin(_ size: Int) -> Int {
        min(23, Int.bitWidth - (size - 1).leadingZeroBitCount - 1)
    }

    public func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        var kept: [Document] = []
        kept.reserveCapacity(documents.count)
        for (i, document) in documents.enumerated() {
            // For the run report's duplicate rate per language.
            context.count("documents", language: document.language ?? "und")
            guard let key = try? DocumentKey.make(unit: context.unit, batch: context.batch, index: i) else {
                kept.append(document)
                continue
            }
            guard let duplicate = decisions.duplicates[key] else {
                var document = document
                if let size = decisions.keptSizes[key] {
                    document.setMetadata(.dedupClusterSize, .int(size))
                    // The manifest's clusters by size and language, what rehydration weighs.
                    context.count("cluster_size", bin: Self.clusterSizeBin(size), language: document.language ?? "und")
                }
                kept.append(document)
                continue
            }
            var dropped = document
            dropped.setMetadata(.dedupCluster, .string(duplicate.keptID))
            context.drop(dropped, rule: duplicate.reason.rule)
        }
        return kept
    }
}
