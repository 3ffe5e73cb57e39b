import SieveCore
import SieveLangID
import SieveShards

/// `[[stage]] type = "langid"`: `LangIDStage` with the configured model (the shipped
/// `languages/langid.model` by default).
public enum LangIDKind: StageKind {
    public static let type = "langid"

    public static func make(_ settings: LangIDStage.Settings, context: inout StageBuildContext) throws -> any Stage {
        let path = try modelPath(settings, context: context)
        let detector = LanguageDetector(model: try LanguageModel(contentsOfFile: path), priors: settings.priors)
        let filter = try note(path, registry: detector.model.registry, settings: settings, context: &context)
        return LangIDStage(detector: detector, filter: filter)
    }

    /// The model's registry is read without its weights, which are most of its loading time.
    public static func describe(_ settings: LangIDStage.Settings, context: inout StageBuildContext) throws {
        let path = try modelPath(settings, context: context)
        _ = try note(path, registry: try LanguageModel.registry(contentsOfFile: path), settings: settings, context: &context)
    }

    private static func modelPath(_ settings: LangIDStage.Settings, context: StageBuildContext) throws -> String {
        try settings.model.map(context.resolve) ?? ShippedFile.path("languages", "langid.model")
    }

    /// What `make` and `describe` both note; the settings checked against the registry.
    private static func note(_ path: String, registry: LanguageRegistry, settings: LangIDStage.Settings,
                             context: inout StageBuildContext) throws -> LanguageFilter {
        let filter = try settings.filter(registry: registry)
        context.files.append(path)
        context.languages = registry.languages.map {
            Manifest.Language(code: $0.code, name: $0.name, family: $0.family, script: $0.script, segmentation: $0.segmentation,
                              group: $0.group)
        }
        return filter
    }
}
