import Foundation
import SieveCore
import SieveModels

/// `[[stage]] type = "perplexity"`: `PerplexityStage` with a trained model and, when
/// given, per-language cutoffs.
public enum PerplexityKind: StageKind {
    public static let type = "perplexity"

    public static func make(_ settings: PerplexityStage.Settings, context: inout StageBuildContext) throws -> any Stage {
        var cutoffs: [String: (Double, Double)] = [:]
        if let path = settings.cutoffs.map(context.resolve) {
            context.files.append(path)
            cutoffs = try PerplexityCutoffs.read(path)
        }
        if settings.isNGram {
            // One model object per file, however many languages share it.
            var loaded: [String: NGramModel] = [:]
            func load(_ relative: String) throws -> NGramModel {
                let path = context.resolve(relative)
                if let model = loaded[path] { return model }
                context.files.append(path)
                let model = try NGramModel.read(from: path)
                loaded[path] = model
                return model
            }
            var ngrams: [String: NGramModel] = [:]
            if !settings.model.isEmpty { ngrams[""] = try load(settings.model) }
            for (language, path) in settings.models.sorted(by: { $0.key < $1.key }) { ngrams[language] = try load(path) }
            return PerplexityStage(ngrams: ngrams, cutoffs: cutoffs, keep: Set(settings.keep))
        }
        let model = context.resolve(settings.model)
        let transformer = try LMTrainer.load(model)
        let weights = model + "/checkpoint/model.safetensors"
        context.files.append(FileManager.default.fileExists(atPath: weights) ? weights : model)
        return PerplexityStage(model: transformer, cutoffs: cutoffs, keep: Set(settings.keep))
    }
}
