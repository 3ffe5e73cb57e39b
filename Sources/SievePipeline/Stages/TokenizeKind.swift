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
}
