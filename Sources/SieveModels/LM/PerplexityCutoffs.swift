import Foundation
import SieveCore
import SieveFiles
import SieveIO

/// Per-language perplexity cutoffs, the file `sieve model score --write-cutoffs` writes and
/// the `perplexity` stage reads: `[cutoffs]` with `LANGUAGE = [head_below, tail_above]`.
public enum PerplexityCutoffs {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public static func read(_ path: String) throws -> [String: (Double, Double)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw Invalid(description: "cannot read \(path)") }
        let root: TOMLTable
        do { root = try TOML.parse(text) } catch { throw Invalid(description: "\(path): \(error)") }
        guard case .table(let table)? = root["cutoffs"] else { throw Invalid(description: "\(path): no [cutoffs] table") }
        var result: [String: (Double, Double)] = [:]
        for (language, value) in table.entries {
            guard case .array(let pair) = value, pair.count == 2 else {
                throw Invalid(description: "\(path): \(language) must be [head_below, tail_above]")
            }
            let numbers = pair.compactMap { v -> Double? in
                switch v {
                case .float(let x): return x
                case .integer(let x): return Double(x)
                default: return nil
                }
            }
            guard numbers.count == 2, numbers[0] <= numbers[1] else {
                throw Invalid(description: "\(path): \(language) must be two increasing numbers")
            }
            result[language] = (numbers[0], numbers[1])
        }
        return result
    }

    public static func write(_ cutoffs: [String: (Double, Double)], to path: String) throws {
        // Full precision (Swift prints the shortest text that reads back the same Double),
        // so a document at a cutoff lands in the same bucket when the file is applied.
        var text = "# Perplexity cutoffs per language: head up to the first, tail above the second (sieve model score).\n[cutoffs]\n"
        for (language, (low, high)) in cutoffs.sorted(by: { $0.key < $1.key }) { text += "\(language) = [\(low), \(high)]\n" }
        try writeFileAtomically(Array(text.utf8), to: path)
    }
}
