import Foundation
import SieveCore
import SieveModels

/// `[[stage]] type = "perplexity"`: `PerplexityStage` with a trained model and, when
/// given, per-language cutoffs.
public enum PerplexityKind: StageKind {
    public static let type = "perplexity"

    public static func make(_ settings: PerplexityStage.Settings, context: inout StageBuildContext) throws -> any Stage {
        let model = context.resolve(settings.model)
        let transformer = try LMTrainer.load(model)
        let weights = model + "/checkpoint/model.safetensors"
        context.files.append(FileManager.default.fileExists(atPath: weights) ? weights : model)
        var cutoffs: [String: (Double, Double)] = [:]
        if let path = settings.cutoffs.map(context.resolve) {
            context.files.append(path)
            cutoffs = try PerplexityCutoffs.read(path)
        }
        return PerplexityStage(model: transformer, cutoffs: cutoffs, keep: Set(settings.keep))
    }
}
