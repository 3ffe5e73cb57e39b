import Dispatch
import SieveCore
import SieveShards

/// A pipeline's stages, built from their configurations: what runs, and what a run
/// records about it. Every command that runs stages builds them here.
public struct Pipeline {
    public var stages: [any Stage]
    /// The files the stages were built from, for the resume fingerprint.
    public var files: [String] { filesByStage.flatMap { $0 } }
    /// The same, stage by stage (none for a stage that was not built).
    public var filesByStage: [[String]]
    /// The language registry of the language-ID stage, for the manifest.
    public var languages: [Manifest.Language]
    /// What the user should be told (a filter set without some sentence models).
    public var warnings: [String]

    /// Builds each stage, all at once on the machine's cores (loading a tokenizer, a
    /// language-ID model and sentence models takes most of a task's start); an error
    /// names the stage (`stage 3 (label): …`), the first in pipeline order. With `count`,
    /// only the first `count` stages are built and the rest stand in as stages that must
    /// not run (a pass that stops before them).
    public init(_ configurations: [StageConfiguration], baseDirectory: String, count: Int? = nil) throws {
        let built = min(count ?? configurations.count, configurations.count)
        var results = [Result<(stage: any Stage, context: StageBuildContext), Error>?](repeating: nil, count: built)
        results.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress
            DispatchQueue.concurrentPerform(iterations: built) { i in
                var context = StageBuildContext(baseDirectory: baseDirectory)
                base![i] = Result { (try configurations[i].make(context: &context), context) }
            }
        }
        stages = []
        filesByStage = []
        languages = []
        warnings = []
        for (i, configuration) in configurations.enumerated() {
            guard i < built else {
                stages.append(UnbuiltStage(name: configuration.type))
                filesByStage.append([])
                continue
            }
            switch results[i]! {
            case .success(let (stage, context)):
                stages.append(stage)
                filesByStage.append(context.files)
                if !context.languages.isEmpty { languages = context.languages }
                warnings += context.warnings
            case .failure(var error as SettingsError):
                error.context = "stage \(i + 1) (\(configuration.type))"
                throw error
            case .failure(let error):
                throw SettingsError(context: "stage \(i + 1) (\(configuration.type))", key: "", message: "\(error)")
            }
        }
    }
}

/// A stage a pass does not run, left unbuilt (`Pipeline.init(_:baseDirectory:count:)`).
struct UnbuiltStage: Stage {
    let name: String

    func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        preconditionFailure("stage \(name) was not built for this pass")
    }
}
