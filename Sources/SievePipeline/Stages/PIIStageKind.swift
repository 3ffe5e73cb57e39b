import SieveCore
import SieveFilters

/// `[[stage]] type = "pii"`: `PIIStage`.
public enum PIIStageKind: StageKind {
    public static let type = "pii"

    public static func make(_ settings: PIIStage.Settings, context: inout StageBuildContext) throws -> any Stage {
        PIIStage(settings: settings)
    }
}
