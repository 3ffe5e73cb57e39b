import Foundation
import SieveCore
@testable import SieveFilters
import SieveTestSupport
import SieveText
import XCTest

/// Sieve's decisions against datatrove's on 2,243 real documents in 18 languages
/// (Fixtures/datatrove-decisions.jsonl, made by Benchmarks/filters/make_fixture.py with
/// datatrove 0.10.1 and NLTK 3.10.4, the same per-language settings). The fixture holds
/// recipes, not texts: each document is rebuilt from ../shared/data.
final class DatatroveAgreementTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized.path

    struct Case {
        var id: Int
        var language: String
        var text: String
        var record: [String: Any]
    }

    /// datatrove's reasons under Sieve's rule names.
    static let ruleNames: [String: String] = [
        "gopher_short_doc": "word_count", "gopher_long_doc": "word_count",
        "gopher_below_avg_threshold": "mean_word_length", "gopher_above_avg_threshold": "mean_word_length",
        "gopher_too_many_hashes": "hash_ratio", "gopher_too_many_ellipsis": "ellipsis_ratio",
        "gopher_too_many_bullets": "bullet_lines", "gopher_too_many_end_ellipsis": "ellipsis_lines",
        "gopher_below_alpha_threshold": "alpha_words", "gopher_enough_stop_words": "stop_words",
    ]

    static func sieveRule(_ datatrove: String) -> String {
        if let name = ruleNames[datatrove] { return name }
        if datatrove.hasPrefix("duplicated_"), datatrove.hasSuffix("_n_grams") {
            return "dup_\(datatrove.dropFirst(11).dropLast(8))_gram"
        }
        return datatrove
    }

    func cases() throws -> [Case] {
        let data = try SharedData.path("")
        let fixture = Self.repository + "/Tests/SieveFiltersTests/Fixtures/datatrove-decisions.jsonl"
        var files: [String: [Substring]] = [:]
        func lines(_ path: String) throws -> [Substring] {
            if let cached = files[path] { return cached }
            let text = try String(contentsOfFile: data + "/" + path, encoding: .utf8)
            var parts = text.split(separator: "\n", omittingEmptySubsequences: false)
            if parts.last == "" { parts.removeLast() }
            files[path] = parts
            return parts
        }
        return try String(contentsOfFile: fixture, encoding: .utf8).split(separator: "\n").map { line in
            let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let recipe = record["recipe"] as! [String: Any]
            let all = try lines(recipe["file"] as! String)
            let field = recipe["field"] as? String
            let pieces = (recipe["ranges"] as! [[Int]]).map { range -> String in
                let chunk = all[range[0]..<range[1]].map { line -> String in
                    guard let field else { return String(line) }
                    // SieveCore's parser: Foundation's drops a leading U+FEFF from strings.
                    var bytes = Array(line.utf8)
                    let value = bytes.withUnsafeMutableBufferPointer { b in
                        var parser = JSONParser(UnsafeBufferPointer(b))
                        return try! parser.parseDocument()
                    }
                    return value[field]!.stringValue!
                }
                return chunk.joined(separator: recipe["join"] as? String ?? "\n")
            }
            return Case(id: record["id"] as! Int, language: record["language"] as! String,
                        text: pieces.joined(separator: recipe["sep"] as? String ?? "\n"), record: record)
        }
    }

    func set(_ filterTable: String) throws -> FilterSet {
        let languages = try TOML.parse(String(contentsOfFile: Self.repository + "/filters/languages.toml", encoding: .utf8))
        return try FilterSet(root: try TOML.parse(filterTable), languageTables: languages,
                             nltkData: [try SharedData.path("nltk_data")])
    }

    /// Runs `set` on every case; returns Sieve's decision (`keep` or `FILTER:RULE`).
    func decisions(_ set: FilterSet, _ cases: [Case]) -> [String] {
        cases.map { c in
            let filters = set.filters(for: c.language)
            var text = FilterText(c.text, splitter: filters.splitter)
            for filter in filters.filters {
                if let first = filter.evaluate(&text).first { return first.reason }
            }
            return "keep"
        }
    }

    func check(_ name: String, expected: [String], actual: [String], cases: [Case]) {
        var disagreements: [String] = []
        for (k, c) in cases.enumerated() where expected[k] != actual[k] {
            disagreements.append("#\(c.id) \(c.language): datatrove \(expected[k]), sieve \(actual[k])")
        }
        let agreement = 1 - Double(disagreements.count) / Double(cases.count)
        print("\(name): \(cases.count - disagreements.count)/\(cases.count) agree (\(String(format: "%.2f", agreement * 100))%)")
        for d in disagreements.prefix(20) { print("  \(d)") }
        // What is measured and what the README says: every decision equal to datatrove's.
        XCTAssertEqual(disagreements, [], "\(name): \(disagreements.count) disagreements")
    }

    func testEachFilterAgreesWithDatatrove() throws {
        let cases = try cases()
        XCTAssertGreaterThanOrEqual(cases.count, 2000)
        for filter in FilterSet.types {
            let actual = decisions(try set("[[filter]]\ntype = \"\(filter)\""), cases)
            let expected = cases.map { c -> String in
                let reason = c.record[filter] as! String
                return reason == "keep" ? "keep" : "\(filter):\(Self.sieveRule(reason))"
            }
            check(filter, expected: expected, actual: actual, cases: cases)
        }
    }

    func testFineWebRecipeAgreesWithDatatrove() throws {
        let cases = try cases()
        let set = try FilterSet(contentsOfFile: Self.repository + "/filters/fineweb.toml",
                                nltkData: [try SharedData.path("nltk_data")])
        let expected = cases.map { c -> String in
            let reason = c.record["fineweb_recipe"] as! String
            guard let colon = reason.firstIndex(of: ":") else { return reason }
            return "\(reason[..<colon]):\(Self.sieveRule(String(reason[reason.index(after: colon)...])))"
        }
        check("fineweb recipe", expected: expected, actual: decisions(set, cases), cases: cases)
    }

    /// The words every rule counts: NLTK's, token for token (hash of the token list).
    func testWordsEqualNLTKs() throws {
        let cases = try cases()
        let set = try set("[[filter]]\ntype = \"fineweb\"")
        var differ: [String] = []
        for c in cases {
            let words = set.filters(for: c.language).splitter.words(CodePoints.of(c.text)).strings
            let joined = Array(words.joined(separator: "\n").utf8)
            let hash = joined.withUnsafeBytes { XXHash64.hex(XXHash64.hash($0)) }
            let chars = c.text.unicodeScalars.count
            if words.count != c.record["words"] as! Int || hash != c.record["words_xxh64"] as! String {
                differ.append("#\(c.id) \(c.language): \(words.count) words, NLTK \(c.record["words"]!); \(chars) characters, \(c.record["chars"]!)")
                if differ.count == 1 { try? words.joined(separator: "\n").write(toFile: "/tmp/sieve-words.txt", atomically: true, encoding: .utf8) }
            }
        }
        for d in differ.prefix(20) { print(d) }
        XCTAssertEqual(differ.count, 0)
    }

    /// C4 keeps lines and rewrites the text: the same bytes as datatrove's.
    func testC4KeptTextEqualsDatatrove() throws {
        let cases = try cases()
        let set = try set("[[filter]]\ntype = \"c4\"")
        var differ = 0
        for c in cases {
            guard let expected = c.record["c4_text_xxh64"] as? String else { continue }
            let filters = set.filters(for: c.language)
            var text = FilterText(c.text, splitter: filters.splitter)
            XCTAssertEqual(filters.filters[0].evaluate(&text), [])
            let bytes = Array(text.string.utf8)
            if bytes.withUnsafeBytes({ XXHash64.hex(XXHash64.hash($0)) }) != expected { differ += 1 }
        }
        XCTAssertEqual(differ, 0)
    }
}
