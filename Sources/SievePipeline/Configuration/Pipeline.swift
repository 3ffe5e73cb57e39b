import Dispatch
import SieveCore
import SieveShards

/// A pipeline's stages, built from their configurations: what runs, and what a run
/// records about it. Every command that runs stages builds them here.
public struct Pipeline {
    public var stages: [any Stage]
    /// The files the stages were built from, for the resume fingerprint.
    public var files: [String] { filesByStage.flatMap { $0 } }
    /// The same, stage by stage (none for a stage neither built nor described).
    public var filesByStage: [[String]]
    /// The language registry of the language-ID stage, for the manifest.
    public var languages: [Manifest.Language]
    /// What the user should be told (a filter set without some sentence models).
    public var warnings: [String]

    /// How a pass needs a stage.
    public enum Need: Sendable {
        /// Built, to run.
        case run
        /// Not run, but its files and language registry count (`StageKind.describe`): the
        /// stages before dedup in a `documents` task whose units come from the spill, and
        /// every stage in the check of `sieve run --tasks` before its first pass.
        case describe
        /// Neither: the stages after dedup in a `signatures` task.
        case none
    }

    /// Builds each stage that `need` says runs, all at once on the machine's cores (loading
    /// a tokenizer, a language-ID model and sentence models takes most of a task's start),
    /// and describes those it says to describe; an error names the stage (`stage 3
    /// (label): …`), the first in pipeline order. A stage that is not built stands in as a
    /// stage that must not run.
    public init(_ configurations: [StageConfiguration], baseDirectory: String, need: (Int) -> Need = { _ in .run }) throws {
        let needs = configurations.indices.map(need)
        var results = [Result<(stage: (any Stage)?, context: StageBuildContext), Error>?](repeating: nil, count: configurations.count)
        results.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress
            DispatchQueue.concurrentPerform(iterations: configurations.count) { i in
                var context = StageBuildContext(baseDirectory: baseDirectory)
                switch needs[i] {
                case .run: base![i] = Result { (try configurations[i].make(context: &context), context) }
                case .describe: base![i] = Result { try configurations[i].describe(context: &context); return (nil, context) }
                case .none: base![i] = .success((nil, context))
                }
            }
        }
        stages = []
        filesByStage = []
        languages = []
        warnings = []
        for (i, configuration) in configurations.enumerated() {
            switch results[i]! {
            case .success(let (stage, context)):
                stages.append(stage ?? UnbuiltStage(name: configuration.type))
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

/// A stage a pass does not run, left unbuilt (`Pipeline.Need`).
struct UnbuiltStage: Stage {
    let name: String

    func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        preconditionFailure("stage \(name) was not built for this pass")
    }
}
