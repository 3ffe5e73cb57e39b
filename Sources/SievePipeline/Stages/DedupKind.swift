import SieveCore
import SieveDedup

/// `[[stage]] type = "dedup"`: `DedupStage`, exact and MinHash deduplication in one task
/// (across tasks, the sharded passes give it the duplicates; docs/scale.md).
public enum DedupKind: StageKind {
    public static let type = "dedup"

    public static func make(_ settings: DedupStage.Settings, context: inout StageBuildContext) throws -> any Stage {
        DedupStage(settings: settings.dedupSettings)
    }
}
