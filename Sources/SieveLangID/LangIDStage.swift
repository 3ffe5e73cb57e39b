import Foundation
import SieveCore

/// The `langid` stage: writes `language`, `language_score`, `script`, `mixed_script`,
/// `language_top` (the best two languages with scores), `language_group` and
/// `language_group_score` into every document's metadata, plus `language_reason` when
/// the language is `und`; then drops documents by
/// `LanguageFilter`. Drop rules: `not_allowed`, `low_score`, and for `und` its reason
/// (`empty`, `no_letters`, `binary`, `unknown_script`).
public struct LangIDStage: Stage {
    public let name = "langid"
    public let detector: LanguageDetector
    public let filter: LanguageFilter

    public init(detector: LanguageDetector, filter: LanguageFilter = LanguageFilter()) {
        self.detector = detector
        self.filter = filter
    }

    public func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        var kept: [Document] = []
        kept.reserveCapacity(documents.count)
        var features: [UInt32] = []
        for var document in documents {
            var text = document.text
            let d = text.withUTF8 { detector.detect(utf8: $0, top: 2, features: &features) }
            document.setMetadata(.language, .string(d.language))
            document.setMetadata(.languageScore, .number(Self.format(d.score)))
            document.setMetadata(.script, .string(d.script))
            document.setMetadata(.mixedScript, .bool(d.mixedScript))
            document.setMetadata(.languageTop, .array(d.top.map {
                .object([JSONMember("language", .string($0.language)), JSONMember("score", .number(Self.format($0.score)))])
            }))
            document.setMetadata(.languageGroup, .string(d.group))
            document.setMetadata(.languageGroupScore, .number(Self.format(d.groupScore)))
            if let reason = d.reason { document.setMetadata(.languageReason, .string(reason)) }
            // For the run report: documents, mixed scripts and scores per language.
            context.count("documents", language: d.language)
            if d.mixedScript { context.count("mixed_script", language: d.language) }
            context.observe("language_score:" + d.language, value: d.score)
            if let rule = filter.rejection(d, registry: detector.model.registry) {
                context.drop(document, rule: rule)
            } else {
                kept.append(document)
            }
        }
        return kept
    }

    /// Scores with four decimals: stable text, enough for any threshold.
    static func format(_ score: Double) -> String { String(format: "%.4f", score) }
}

/// Which documents the `langid` stage keeps.
public struct LanguageFilter: Sendable, Equatable {
    /// Languages and groups kept (a document is kept when its language or its group is
    /// listed); nil keeps every language.
    public var allowed: Set<String>?
    /// Minimum score per language, or per group (then compared with the group's score);
    /// a language listed under neither uses `minScore`, or the registry's `min_score`
    /// when `minScore` is nil.
    public var minScores: [String: Double]
    public var minScore: Double?
    /// Whether documents without a language (`und`) are kept.
    public var keepUndetermined: Bool

    public init(allowed: Set<String>? = nil, minScores: [String: Double] = [:], minScore: Double? = nil,
                keepUndetermined: Bool = false) {
        self.allowed = allowed
        self.minScores = minScores
        self.minScore = minScore
        self.keepUndetermined = keepUndetermined
    }

    /// The drop rule for a detection, or nil to keep it.
    public func rejection(_ d: Detection, registry: LanguageRegistry) -> String? {
        if d.language == "und" { return keepUndetermined ? nil : d.reason ?? "und" }
        if let allowed, !allowed.contains(d.language), !allowed.contains(d.group) { return "not_allowed" }
        if minScores[d.language] == nil, let bar = minScores[d.group] { return d.groupScore < bar ? "low_score" : nil }
        let bar = minScores[d.language] ?? minScore ?? registry.language(d.language)?.minScore ?? 0
        return d.score < bar ? "low_score" : nil
    }
}
