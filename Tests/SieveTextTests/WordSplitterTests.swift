import Foundation
@testable import SieveText
import SieveTestSupport
import XCTest

/// NLTK's word_tokenize (Punkt + Treebank) ported: tokens and sentence counts equal to
/// NLTK's on the sample corpus and on edge cases (Fixtures/nltk-words.jsonl, made by
/// Benchmarks/filters/make_word_fixture.py).
final class WordSplitterTests: XCTestCase {
    func punkt(_ language: String) throws -> PunktSentenceSplitter {
        let folder = try SharedData.path("nltk_data/tokenizers/punkt_tab/\(language)")
        return PunktSentenceSplitter(parameters: try PunktParameters(directory: folder))
    }

    func testTokensAndSentencesEqualNLTK() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/nltk-words.jsonl")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        var splitters: [String: PunktSentenceSplitter] = [:]
        var failures = 0
        for line in lines {
            let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let language = record["language"] as! String
            let text = record["text"] as! String
            if splitters[language] == nil { splitters[language] = try punkt(language) }
            let splitter = WordSplitter.punkt(splitters[language]!)
            let points = CodePoints.of(text)
            let words = splitter.words(points).strings
            let expected = record["words"] as! [String]
            let sentences = splitters[language]!.sentenceSpans(points).count
            if words != expected || sentences != record["sentences"] as! Int {
                failures += 1
                if failures <= 5 {
                    let k = zip(words, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(words.count, expected.count)
                    XCTFail("""
                        \(language) \(text.prefix(80).debugDescription): sentences \(sentences) vs \(record["sentences"]!); \
                        first difference at word \(k): \(words[max(0, k - 3)..<min(words.count, k + 3)]) vs \(expected[max(0, k - 3)..<min(expected.count, k + 3)])
                        """)
                }
            }
        }
        XCTAssertEqual(failures, 0, "\(failures) of \(lines.count) texts differ")
    }

    func testWithoutPunktModelEverySentenceEndSplits() {
        let splitter = PunktSentenceSplitter(parameters: .empty)
        XCTAssertEqual(splitter.sentenceSpans(CodePoints.of("Dr. Who is here. Yes!")).count, 3)
        XCTAssertEqual(WordSplitter.punkt(splitter).words(CodePoints.of("It's here.")).strings, ["It", "'s", "here", "."])
    }

    func testICUWordsForLanguagesWithoutSpaces() {
        let words = WordSplitter.icu(locale: "zh").words(CodePoints.of("人人生而自由，在尊严和权利上一律平等。")).strings
        XCTAssertEqual(words.joined(), "人人生而自由在尊严和权利上一律平等")
        XCTAssertGreaterThan(words.count, 5)
        XCTAssertEqual(WordSplitter.icu(locale: "th").words(CodePoints.of("")).count, 0)
    }
}
