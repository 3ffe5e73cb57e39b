import SieveCore
import SieveTokenizer

/// Builds stages from `[[stage]]` tables of a pipeline configuration.
struct StageFactory {
    /// The config file's folder: relative paths in stage settings resolve against it.
    var baseDirectory: String

    func stages(_ tables: [TOMLTable]) throws -> [any Stage] {
        try tables.map { table in
            guard case .string(let type)? = table["type"] else {
                throw CommandError(description: "a [[stage]] needs a type", isUsage: true)
            }
            switch type {
            case "tokenize": return try tokenize(table)
            default:
                throw CommandError(description: "unknown stage type \"\(type)\"; this build has: tokenize", isUsage: true)
            }
        }
    }

    private func tokenize(_ table: TOMLTable) throws -> any Stage {
        try allow(table, ["type", "tokenizer", "added_tokens", "end_of_text"], stage: "tokenize")
        let configured = try string(table, "tokenizer", stage: "tokenize")
        guard let path = configured.map({ PipelineConfig.resolve($0, against: baseDirectory) }) else {
            throw CommandError(description: "stage tokenize needs tokenizer = \"tokenizer.json\" (or sieve run --tokenizer)",
                               isUsage: true)
        }
        let added = try string(table, "added_tokens", stage: "tokenize") ?? AddedTokenMatching.none.rawValue
        guard let matching = AddedTokenMatching(rawValue: added) else {
            throw CommandError(description: "stage tokenize: added_tokens must be all, non-special or none", isUsage: true)
        }
        let endOfText = try string(table, "end_of_text", stage: "tokenize") ?? "<|endoftext|>"
        do {
            return try TokenizeStage(tokenizer: try Tokenizer(contentsOfFile: path), addedTokens: matching,
                                     endOfText: endOfText)
        } catch {
            throw CommandError(description: "stage tokenize: \(error)", isUsage: true)
        }
    }

    private func allow(_ table: TOMLTable, _ keys: [String], stage: String) throws {
        if let unknown = table.keys.first(where: { !keys.contains($0) }) {
            throw CommandError(description: "stage \(stage): unknown key \(unknown) (expected \(keys.joined(separator: ", ")))",
                               isUsage: true)
        }
    }

    private func string(_ table: TOMLTable, _ key: String, stage: String) throws -> String? {
        switch table[key] {
        case nil: return nil
        case .string(let s)?: return s
        default: throw CommandError(description: "stage \(stage): \(key) must be a string", isUsage: true)
        }
    }
}
