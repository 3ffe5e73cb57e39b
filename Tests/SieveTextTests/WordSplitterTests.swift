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

/// Punkt model folders that are damaged: a missing file means no model (reported, not
/// half-loaded); garbage lines are skipped and the good ones still count.
final class PunktModelFileTests: XCTestCase {
    func testMissingFileMeansNoModelAndBadLinesAreSkipped() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let folder = dir.file("tokenizers/punkt_tab/english")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = try dir.write("tokenizers/punkt_tab/english/abbrev_types.txt", "dr\nmr\n")
        XCTAssertNil(PunktParameters.folder("english", extraFolders: [dir.path]))
        XCTAssertNil(PunktParameters.installed("english", extraFolders: [dir.path]))
        // The other files, with invalid UTF-8, a line without a tab, a flag that is not a
        // number, CRLF line ends and no final newline.
        _ = try dir.write("tokenizers/punkt_tab/english/collocations.tab", [0xFF, 0xFE, 0x0A] + Array("no tab\r\n".utf8))
        _ = try dir.write("tokenizers/punkt_tab/english/sent_starters.txt", Array("the\r\n\u{0}\n".utf8))
        _ = try dir.write("tokenizers/punkt_tab/english/ortho_context.tab", Array("smith\tabc\nsmith\t\nwho\t34".utf8))
        XCTAssertEqual(PunktParameters.folder("english", extraFolders: [dir.path]), folder)
        let parameters = try XCTUnwrap(PunktParameters.installed("english", extraFolders: [dir.path]))
        XCTAssertEqual(parameters.orthoContext.count, 1)
        XCTAssertEqual(parameters.orthoContext[CodePoints.of("who")], 34)
        // "dr" is an abbreviation: "Dr. Smith" does not end a sentence; without the model it does.
        let text = CodePoints.of("Dr. Smith came home. He slept.")
        XCTAssertEqual(PunktSentenceSplitter(parameters: parameters).sentenceSpans(text).count, 2)
        XCTAssertEqual(PunktSentenceSplitter(parameters: .empty).sentenceSpans(text).count, 3)
    }
}
