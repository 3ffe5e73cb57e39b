import SieveCore
import SieveLangID
import SieveShards

/// `[[stage]] type = "langid"`: `LangIDStage` with the configured model (the shipped
/// `languages/langid.model` by default).
public enum LangIDKind: StageKind {
    public static let type = "langid"

    public static func make(_ settings: LangIDStage.Settings, context: inout StageBuildContext) throws -> any Stage {
        let path = try settings.model.map(context.resolve) ?? ShippedFile.path("languages", "langid.model")
        let detector = LanguageDetector(model: try LanguageModel(contentsOfFile: path), priors: settings.priors)
        context.files.append(path)
        context.languages = detector.model.registry.languages.map {
            Manifest.Language(code: $0.code, name: $0.name, family: $0.family, script: $0.script, segmentation: $0.segmentation,
                              group: $0.group)
        }
        return LangIDStage(detector: detector, filter: try settings.filter(registry: detector.model.registry))
    }
}
