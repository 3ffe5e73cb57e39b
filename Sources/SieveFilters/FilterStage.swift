import Foundation
import SieveCore

/// The `filter` stage: runs a filter set on every document, in the set's order, with
/// the settings of the document's language (metadata `language`, from the langid
/// stage; the set's default language without one), or of its `language_group` when the
/// set has no table for the language. A document that fails a rule is
/// dropped with reason `filter:FILTER:RULE` (the first failure, in datatrove's order)
/// and carries every failed rule of every filter in `metadata.filter_failures`. Text
/// a filter rewrites (C4 drops lines) is the text kept; each rewrite counts as a
/// repair `filter:c4:lines_removed`.
public struct FilterStage: Stage {
    public let name = "filter"
    public let set: FilterSet

    public init(set: FilterSet) {
        self.set = set
    }

    public func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        var kept: [Document] = []
        kept.reserveCapacity(documents.count)
        // Resolved once per language and batch (the set's splitter cache takes a lock).
        var resolved: [String?: LanguageFilters] = [:]
        for document in documents {
            var language: String?
            if let code = document.language, code != "und" {
                language = code
            }
            let filters = resolved[language] ?? set.filters(for: language, group: document.string(.languageGroup))
            resolved[language] = filters
            var text = FilterText(document.text, splitter: filters.splitter)
            let before = text.points.count
            var failures: [RuleFailure] = []
            var rewrittenBy: [String] = []
            for filter in filters.filters {
                let count = text.points.count
                failures += filter.evaluate(&text)
                if text.points.count != count { rewrittenBy.append(filter.name) }
            }
            if let first = failures.first {
                var rejected = document
                rejected.setMetadata(.filterFailures, .array(failures.map { failure in
                    .object([JSONMember("filter", .string(failure.filter)), JSONMember("rule", .string(failure.rule)),
                             JSONMember("value", Self.number(failure.value)),
                             JSONMember("threshold", Self.number(failure.threshold))])
                }))
                context.drop(rejected, rule: first.reason)
                continue
            }
            var document = document
            if text.points.count != before || !rewrittenBy.isEmpty {
                document.text = text.string
                for filter in rewrittenBy { context.repaired(rule: "\(filter):lines_removed") }
            }
            kept.append(document)
        }
        return kept
    }

    /// A measured value as JSON: integers as integers, fractions to 6 significant digits.
    static func number(_ x: Double) -> JSONValue {
        if x == x.rounded(), abs(x) < 1e15 { return .int(Int(x)) }
        return .number(String(format: "%.6g", x))
    }
}
