import Foundation
import SieveCore
import SieveDedup
import SieveFilters
import SieveLangID
import SieveModels
import SieveText
import SieveTokenizer

/// Builds stages from `[[stage]]` tables of a pipeline configuration.
final class StageFactory {
    /// The config file's folder: relative paths in stage settings resolve against it.
    let baseDirectory: String
    /// The files the stages were built from (tokenizer, language-ID model): their contents
    /// join the run's resume fingerprint, so that a changed model is not mixed with
    /// outputs of the old one.
    private(set) var files: [String] = []

    init(baseDirectory: String) {
        self.baseDirectory = baseDirectory
    }

    func stages(_ tables: [TOMLTable]) throws -> [any Stage] {
        try tables.map { table in
            guard case .string(let type)? = table["type"] else {
                throw CommandError(description: "a [[stage]] needs a type", isUsage: true)
            }
            switch type {
            case "normalize": return try normalize(table)
            case "langid": return try langid(table)
            case "filter": return try filter(table)
            case "dedup": return try dedup(table)
            case "label": return try label(table)
            case "perplexity": return try perplexity(table)
            case "tokenize": return try tokenize(table)
            default:
                throw CommandError(description: "unknown stage type \"\(type)\"; this build has: normalize, langid, filter, dedup, label, tokenize, perplexity",
                                   isUsage: true)
            }
        }
    }

    /// `[[stage]] type = "dedup"`: exact and MinHash deduplication of what reaches it
    /// (docs/dedup.md), in one task; the keys are `sieve dedup`'s options.
    private func dedup(_ table: TOMLTable) throws -> any Stage {
        try allow(table, ["type", "exact", "minhash", "shingle", "ngram", "bands", "rows", "seed", "verify", "threshold"], stage: "dedup")
        var settings = DedupSettings()
        func bool(_ key: String) throws -> Bool? {
            switch table[key] {
            case nil: return nil
            case .bool(let b)?: return b
            default: throw CommandError(description: "stage dedup: \(key) must be true or false", isUsage: true)
            }
        }
        func integer(_ key: String, _ valid: ClosedRange<Int>) throws -> Int? {
            switch table[key] {
            case nil: return nil
            case .integer(let n)? where valid.contains(n): return n
            default: throw CommandError(description: "stage dedup: \(key) must be an integer in \(valid)", isUsage: true)
            }
        }
        settings.exact = try bool("exact") ?? true
        settings.minhash = try bool("minhash") ?? true
        guard settings.exact || settings.minhash else {
            throw CommandError(description: "stage dedup: exact and minhash cannot both be false", isUsage: true)
        }
        if let unit = try string(table, "shingle", stage: "dedup") {
            guard let parsed = ShingleUnit(rawValue: unit) else {
                throw CommandError(description: "stage dedup: shingle must be word or character", isUsage: true)
            }
            settings.shingleUnit = parsed
        }
        settings.shingleSize = try integer("ngram", 1...64) ?? settings.shingleSize
        settings.bands = try integer("bands", 1...512) ?? settings.bands
        settings.rows = try integer("rows", 1...64) ?? settings.rows
        settings.seed = UInt64(try integer("seed", 0...Int.max) ?? Int(settings.seed))
        if try bool("verify") ?? false {
            switch table["threshold"] {
            case nil: settings.verifyThreshold = 0.75
            case .float(let t)? where (0...1).contains(t): settings.verifyThreshold = t
            default: throw CommandError(description: "stage dedup: threshold must be a number in 0...1", isUsage: true)
            }
        }
        return DedupStage(settings: settings)
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
        files.append(path)
        do {
            return try TokenizeStage(tokenizer: try Tokenizer(contentsOfFile: path), addedTokens: matching,
                                     endOfText: endOfText)
        } catch {
            throw CommandError(description: "stage tokenize: \(error)", isUsage: true)
        }
    }

    private func filter(_ table: TOMLTable) throws -> any Stage {
        try allow(table, ["type", "filters", "nltk_data"], stage: "filter")
        let path = try string(table, "filters", stage: "filter").map { PipelineConfig.resolve($0, against: baseDirectory) }
        var nltkData: [String] = []
        switch table["nltk_data"] {
        case nil: break
        case .string(let folder)?: nltkData = [PipelineConfig.resolve(folder, against: baseDirectory)]
        case .array(let items)?:
            nltkData = try items.map {
                guard case .string(let folder) = $0 else {
                    throw CommandError(description: "stage filter: nltk_data must be folders", isUsage: true)
                }
                return PipelineConfig.resolve(folder, against: baseDirectory)
            }
        default: throw CommandError(description: "stage filter: nltk_data must be a folder or an array of folders", isUsage: true)
        }
        let set = try FilterCommand.load(path, nltkData: nltkData)
        files += set.files
        return FilterStage(set: set)
    }

    private func normalize(_ table: TOMLTable) throws -> any Stage {
        let rules = TextNormalizer.Rule.allCases
        try allow(table, ["type"] + rules.map(\.rawValue), stage: "normalize")
        var normalizer = TextNormalizer()
        for rule in rules {
            switch table[rule.rawValue] {
            case nil, .bool(true)?: break
            case .bool(false)?: normalizer.rules.remove(rule)
            default: throw CommandError(description: "stage normalize: \(rule.rawValue) must be true or false", isUsage: true)
            }
        }
        return NormalizeStage(normalizer: normalizer)
    }

    private func langid(_ table: TOMLTable) throws -> any Stage {
        try allow(table, ["type", "model", "languages", "min_score", "min_scores", "keep_undetermined"], stage: "langid")
        let configured = try string(table, "model", stage: "langid").map { PipelineConfig.resolve($0, against: baseDirectory) }
        let model = LangIDCommand.ModelOptions(path: configured)
        let detector = try model.load()
        files.append(try model.path())
        var filter = LanguageFilter()
        let known = Set(detector.model.registry.languages.map(\.code))
        func code(_ c: String) throws -> String {
            guard known.contains(c) else { throw CommandError(description: "stage langid: unknown language \(c)", isUsage: true) }
            return c
        }
        switch table["languages"] {
        case nil: break
        case .array(let items)?:
            filter.allowed = Set(try items.map { item in
                guard case .string(let c) = item else {
                    throw CommandError(description: "stage langid: languages must be codes", isUsage: true)
                }
                return try code(c)
            })
        default: throw CommandError(description: "stage langid: languages must be an array of codes", isUsage: true)
        }
        filter.minScore = try number(table["min_score"], "min_score", stage: "langid")
        filter.minScores = try numbersByLanguage(table, "min_scores", stage: "langid", code: code)
        switch table["keep_undetermined"] {
        case nil: break
        case .bool(let keep)?: filter.keepUndetermined = keep
        default: throw CommandError(description: "stage langid: keep_undetermined must be true or false", isUsage: true)
        }
        return LangIDStage(detector: detector, filter: filter)
    }

    /// `[[stage]] type = "label"`: domain and quality labels from classifier files
    /// (docs/labels.md).
    private func label(_ table: TOMLTable) throws -> any Stage {
        try allow(table, ["type", "domain_model", "quality_model", "taxonomy", "min_domain_score", "quality_label",
                          "min_quality", "min_qualities"], stage: "label")
        func model(_ key: String) throws -> TextClassifier? {
            guard let path = try string(table, key, stage: "label").map({ PipelineConfig.resolve($0, against: baseDirectory) }) else { return nil }
            files.append(path)
            do { return try TextClassifier.read(from: path) } catch { throw CommandError(description: "stage label: \(error)", isUsage: true) }
        }
        let domainModel = try model("domain_model"), qualityModel = try model("quality_model")
        guard domainModel != nil || qualityModel != nil else {
            throw CommandError(description: "stage label needs domain_model, quality_model or both", isUsage: true)
        }
        var settings = LabelSettings()
        settings.minDomainScore = try number(table["min_domain_score"], "min_domain_score", stage: "label", in: 0...1) ?? 0
        settings.qualityLabel = try string(table, "quality_label", stage: "label") ?? settings.qualityLabel
        settings.minQualityDefault = try number(table["min_quality"], "min_quality", stage: "label", in: 0...1) ?? 0
        settings.minQualityByLanguage = try numbersByLanguage(table, "min_qualities", stage: "label", in: 0...1)
        if let path = try string(table, "taxonomy", stage: "label").map({ PipelineConfig.resolve($0, against: baseDirectory) }) {
            files.append(path)
            do { settings.taxonomy = Set(try DomainTaxonomy.load(path).domains.map(\.name)) } catch {
                throw CommandError(description: "stage label: \(error)", isUsage: true)
            }
        }
        do {
            return try LabelStage(domainModel: domainModel, qualityModel: qualityModel, settings: settings)
        } catch {
            throw CommandError(description: "stage label: \(error)", isUsage: true)
        }
    }

    /// `[[stage]] type = "perplexity"`, after `tokenize`: perplexity from a trained model,
    /// buckets from per-language cutoffs (docs/lm.md).
    private func perplexity(_ table: TOMLTable) throws -> any Stage {
        try allow(table, ["type", "model", "cutoffs", "keep"], stage: "perplexity")
        guard let model = try string(table, "model", stage: "perplexity").map({ PipelineConfig.resolve($0, against: baseDirectory) }) else {
            throw CommandError(description: "stage perplexity needs model = \"a sieve model train --out folder\"", isUsage: true)
        }
        let transformer: Transformer
        do { transformer = try LMTrainer.load(model) } catch { throw CommandError(description: "stage perplexity: \(error)", isUsage: true) }
        files.append(FileManager.default.fileExists(atPath: model + "/checkpoint/model.safetensors") ? model + "/checkpoint/model.safetensors" : model)
        var cutoffs: [String: (Double, Double)] = [:]
        if let path = try string(table, "cutoffs", stage: "perplexity").map({ PipelineConfig.resolve($0, against: baseDirectory) }) {
            files.append(path)
            cutoffs = try ModelCommand.readCutoffs(path)
        }
        var keep = Set(PerplexityStage.buckets)
        switch table["keep"] {
        case nil: break
        case .array(let items)?:
            keep = Set(try items.map { item in
                guard case .string(let bucket) = item, PerplexityStage.buckets.contains(bucket) else {
                    throw CommandError(description: "stage perplexity: keep takes head, middle, tail", isUsage: true)
                }
                return bucket
            })
        default: throw CommandError(description: "stage perplexity: keep must be an array of buckets", isUsage: true)
        }
        return PerplexityStage(model: transformer, cutoffs: cutoffs, keep: keep)
    }

    private func allow(_ table: TOMLTable, _ keys: [String], stage: String) throws {
        if let unknown = table.keys.first(where: { !keys.contains($0) }) {
            throw CommandError(description: "stage \(stage): unknown key \(unknown) (expected \(keys.joined(separator: ", ")))",
                               isUsage: true)
        }
    }

    /// A number (float or integer), nil when absent; out of `range` is a usage error.
    private func number(_ value: TOMLValue?, _ key: String, stage: String, in range: ClosedRange<Double>? = nil) throws -> Double? {
        let x: Double?
        switch value {
        case nil: return nil
        case .float(let f)?: x = f
        case .integer(let n)?: x = Double(n)
        default: x = nil
        }
        if let x, range?.contains(x) ?? true { return x }
        func text(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
        let bounds = range.map { " in \(text($0.lowerBound))...\(text($0.upperBound))" } ?? ""
        throw CommandError(description: "stage \(stage): \(key) must be a number\(bounds)", isUsage: true)
    }

    /// A table `language = number` (per-language thresholds), each language code checked
    /// by `code`; empty when absent.
    private func numbersByLanguage(_ table: TOMLTable, _ key: String, stage: String, in range: ClosedRange<Double>? = nil,
                                   code: (String) throws -> String = { $0 }) throws -> [String: Double] {
        switch table[key] {
        case nil: return [:]
        case .table(let entries)?:
            var numbers: [String: Double] = [:]
            for (language, value) in entries.entries {
                numbers[try code(language)] = try number(value, "\(key).\(language)", stage: stage, in: range)
            }
            return numbers
        default: throw CommandError(description: "stage \(stage): \(key) must be a table language = number", isUsage: true)
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
