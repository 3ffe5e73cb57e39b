import SieveCore
import SieveShards

/// A pipeline's stages, built from their configurations: what runs, and what a run
/// records about it. Every command that runs stages builds them here.
public struct Pipeline {
    public var stages: [any Stage]
    /// The files the stages were built from, for the resume fingerprint.
    public var files: [String]
    /// The language registry of the language-ID stage, for the manifest.
    public var languages: [Manifest.Language]
    /// What the user should be told (a filter set without some sentence models).
    public var warnings: [String]

    /// Builds each stage; an error names the stage (`stage 3 (label): …`).
    public init(_ configurations: [StageConfiguration], baseDirectory: String) throws {
        var context = StageBuildContext(baseDirectory: baseDirectory)
        stages = try configurations.enumerated().map { i, configuration in
            do {
                return try configuration.make(context: &context)
            } catch var error as SettingsError {
                error.context = "stage \(i + 1) (\(configuration.type))"
                throw error
            } catch {
                throw SettingsError(context: "stage \(i + 1) (\(configuration.type))", key: "", message: "\(error)")
            }
        }
        files = context.files
        languages = context.languages
        warnings = context.warnings
    }
}
