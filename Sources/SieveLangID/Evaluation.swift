import Dispatch
import Foundation

/// Accuracy of predictions against known languages: per language, macro-averaged over
/// languages (every language counts the same however many samples it has), and the
/// most frequent confusions.
public struct LangIDEvaluation: Sendable {
    public struct PerLanguage: Sendable {
        public var language: String
        public var samples: Int
        public var correct: Int
        public var accuracy: Double { samples == 0 ? 0 : Double(correct) / Double(samples) }
    }

    public var languages: [PerLanguage]
    /// (expected, predicted, count), most frequent first.
    public var confusions: [(expected: String, predicted: String, count: Int)]
    /// How often each expected language was predicted as each language.
    private var predictedAs: [String: [String: Int]] = [:]

    /// Predictions inside one group of close varieties: `counts[i][j]` samples of
    /// `languages[i]` were read as `languages[j]`, and `counts[i][languages.count]` as a
    /// language outside the group.
    public struct GroupTable: Sendable {
        public var group: String
        public var languages: [String]
        public var counts: [[Int]]
        /// Share of the group's samples predicted as some language of the group.
        public var groupAccuracy: Double {
            let total = counts.joined().reduce(0, +)
            return total == 0 ? 0 : Double(total - counts.map { $0[languages.count] }.reduce(0, +)) / Double(total)
        }
    }

    /// A table per group of two or more evaluated languages (`groupOf` gives a language's
    /// group name, or its own code when it is in none), in first-seen order.
    public func groupTables(groupOf: (String) -> String) -> [GroupTable] {
        var order: [String] = []
        var members: [String: [String]] = [:]
        for l in languages {
            let g = groupOf(l.language)
            if members[g] == nil { order.append(g) }
            members[g, default: []].append(l.language)
        }
        return order.compactMap { g in
            let codes = members[g]!
            guard codes.count >= 2 else { return nil }
            let counts = codes.map { expected in
                let row = predictedAs[expected] ?? [:]
                let inside = codes.map { row[$0] ?? 0 }
                return inside + [row.values.reduce(0, +) - inside.reduce(0, +)]
            }
            return GroupTable(group: g, languages: codes, counts: counts)
        }
    }

    /// Mean of the per-language accuracies.
    public var macroAccuracy: Double { macroAccuracy(of: nil) }

    /// Mean of the per-language accuracies over `codes` (all languages when nil).
    public func macroAccuracy(of codes: Set<String>?) -> Double {
        let selected = languages.filter { codes?.contains($0.language) ?? true }
        return selected.isEmpty ? 0 : selected.map(\.accuracy).reduce(0, +) / Double(selected.count)
    }

    /// Tallies `(expected, predicted)` pairs; languages are listed in first-seen order.
    public init(_ pairs: [(expected: String, predicted: String)]) {
        var order: [String] = []
        var counts: [String: (Int, Int)] = [:]
        var confused: [String: Int] = [:]
        for (expected, predicted) in pairs {
            if counts[expected] == nil { order.append(expected) }
            var c = counts[expected] ?? (0, 0)
            c.0 += 1
            if expected == predicted { c.1 += 1 } else { confused[expected + "\t" + predicted, default: 0] += 1 }
            predictedAs[expected, default: [:]][predicted, default: 0] += 1
            counts[expected] = c
        }
        languages = order.map { PerLanguage(language: $0, samples: counts[$0]!.0, correct: counts[$0]!.1) }
        confusions = confused.map { key, n in
            let parts = key.split(separator: "\t", omittingEmptySubsequences: false)
            return (String(parts[0]), String(parts[1]), n)
        }.sorted { ($0.count, $1.expected, $1.predicted) > ($1.count, $0.expected, $0.predicted) }
    }
}

extension LanguageDetector {
    /// Detects every text, on up to `threads` threads; results in input order.
    public func detect(_ texts: [String], top: Int = 2, threads: Int) -> [Detection] {
        let chunk = 256
        let chunks = (texts.count + chunk - 1) / chunk
        let results = Slots<Detection>(count: texts.count)
        let workers = max(1, min(threads, chunks))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var features: [UInt32] = []
            var c = worker
            while c < chunks {
                for i in c * chunk..<min(texts.count, (c + 1) * chunk) {
                    var text = texts[i]
                    let d = text.withUTF8 { detect(utf8: $0, top: top, features: &features) }
                    results.set(i, d)
                }
                c += workers
            }
        }
        return results.values
    }
}

