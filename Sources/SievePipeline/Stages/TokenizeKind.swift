import Foundation
import SieveCore
import SieveTokenizer

/// `[[stage]] type = "tokenize"`: `TokenizeStage` with the configured `tokenizer.json`.
public enum TokenizeKind: StageKind {
    public static let type = "tokenize"

    public static func make(_ settings: TokenizeStage.Settings, context: inout StageBuildContext) throws -> any Stage {
        let path = context.resolve(settings.tokenizer)
        context.files.append(path)
        return try TokenizeStage(tokenizer: try Tokenizer(contentsOfFile: path), addedTokens: settings.addedTokens,
                                 endOfText: settings.endOfText)
    }

    /// The file noted and found readable, the vocabulary not loaded.
    public static func describe(_ settings: TokenizeStage.Settings, context: inout StageBuildContext) throws {
        let path = context.resolve(settings.tokenizer)
        guard FileManager.default.isReadableFile(atPath: path) else { throw TokenizerError("cannot read \(path)") }
        context.files.append(path)
    }
}
