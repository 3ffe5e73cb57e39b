import SieveCore
import SieveText

/// `[[stage]] type = "normalize"`: `NormalizeStage`.
public enum NormalizeKind: StageKind {
    public static let type = "normalize"

    public static func make(_ settings: NormalizeStage.Settings, context: inout StageBuildContext) throws -> any Stage {
        NormalizeStage(settings: settings)
    }
}
