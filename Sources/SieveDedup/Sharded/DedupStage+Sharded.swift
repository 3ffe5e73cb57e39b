import SieveCore
import SieveFiles
import SieveIO

/// Dedup across tasks: the signatures, buckets and clusters passes of `ShardedDedup`.
extension DedupStage: ShardedStage {
    public func signatures(work: String, task: Int, of count: Int, units: [Int]) -> ShardedSignatures {
        guard let settings else { preconditionFailure("a dedup stage built from given duplicates has no signatures") }
        let sharded = ShardedDedup(work: work)
        let folder = sharded.signatureDirectory(task)
        if sharded.isCurrent(sharded.signatureSummary(task: task), settings: settings, taskCount: count, units: units) {
            return ShardedSignatures(folder: folder, sink: nil) {}
        }
        let writer = sharded.signatureWriter(settings: settings)
        return ShardedSignatures(folder: folder, sink: writer) { _ = try sharded.finish(writer, task: task, of: count, units: units) }
    }

    public func resolved(work: String, task: Int, of count: Int, units: [Int]) throws -> ResolvedStage {
        let sharded = ShardedDedup(work: work)
        guard let mine = sharded.signatureSummary(task: task) else {
            throw FileError(path: work, message: """
                task \(task) has no signatures; run the signatures, buckets and clusters passes first \
                (sieve run --pass signatures; docs/scale.md)
                """)
        }
        guard let settings, sharded.isCurrent(mine, settings: settings, taskCount: count, units: units) else {
            throw FileError(path: work, message: """
                task \(task)'s signatures were written with other dedup settings, \
                task count or inputs; run the signatures pass again
                """)
        }
        return ResolvedStage(stage: DedupStage(decisions: try sharded.decisions(task: task)), files: [sharded.clustersDone])
    }
}
