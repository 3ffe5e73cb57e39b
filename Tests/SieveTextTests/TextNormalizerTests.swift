import SieveCore
@testable import SieveText
import XCTest

final class TextNormalizerTests: XCTestCase {
    func normalized(_ text: String, _ rules: Set<TextNormalizer.Rule> = Set(TextNormalizer.Rule.allCases))
        -> (String, [String]) {
        var text = text
        let (bytes, changed) = text.withUTF8 { TextNormalizer(rules: rules).normalize($0) }
        return (bytes.map { String(decoding: $0, as: UTF8.self) } ?? text, changed.map(\.rawValue))
    }

    func testEachRule() {
        XCTAssertEqual(normalized("a\r\nb\rc\u{2028}d\u{85}e", [.lineEndings]).0, "a\nb\nc\nd\ne")
        XCTAssertEqual(normalized("a\u{0}b\u{7}c\u{7F}d\u{9F}e\u{FEFF}f\tg\nh", [.controls]).0, "abcdef\tg\nh")
        XCTAssertEqual(normalized("  a \t\u{A0} b  \n\n\n\n c\u{3000}d \n \n", [.whitespace]).0, "a b\n\nc d")
        // NFC: e + combining acute -> é; Hangul jamo -> syllable.
        XCTAssertEqual(normalized("e\u{301}\u{1100}\u{1161}", [.nfc]).0, "\u{E9}\u{AC00}")
    }

    func testAllRulesInOrderAndWhatChangedIsReported() {
        let (text, changed) = normalized("\u{FEFF}Cafe\u{301}\r\n\r\n\r\n  menu\u{0}  ")
        XCTAssertEqual(text, "Caf\u{E9}\n\nmenu")
        XCTAssertEqual(changed, ["line_endings", "controls", "whitespace", "nfc"])
    }

    func testCleanTextIsLeftAloneAndReportsNothing() {
        let clean = "Tous les êtres humains naissent libres.\n\nOne line.\tTabbed? No: a tab is white space."
        let (text, changed) = normalized(clean, [.lineEndings, .controls, .nfc])
        XCTAssertEqual(text, clean)
        XCTAssertEqual(changed, [])
        XCTAssertEqual(normalized("人人生而自由。\nすべての人間は", Set(TextNormalizer.Rule.allCases)).1, [])
    }

    func testStageRecordsRulesAndCountsRepairs() {
        let stage = NormalizeStage()
        var context = StageContext(stage: stage.name)
        let out = stage.process([Document(id: "a", text: "x\r\ny", source: "s"), Document(id: "b", text: "clean", source: "s")],
                                context: &context)
        XCTAssertEqual(out.map(\.text), ["x\ny", "clean"])
        XCTAssertEqual(out[0].metadata, [JSONMember("normalized", .array([.string("line_endings")]))])
        XCTAssertEqual(out[1].metadata, [])
        XCTAssertEqual(context.repairs, ["normalize:line_endings": 1])
    }
}
