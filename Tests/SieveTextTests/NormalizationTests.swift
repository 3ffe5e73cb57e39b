import CICUShim
import Foundation
@testable import SieveText
import SieveTestSupport
import XCTest

/// `Normalization.nfc` sends only the spans around unstable code points to ICU; the result
/// must equal ICU's NFC of the whole text.
final class NormalizationTests: XCTestCase {
    /// ICU's NFC of the whole text in one call.
    func wholeNFC(_ text: [UInt8]) -> [UInt8] {
        var capacity = text.count * 3 + 16
        while true {
            var out = [UInt8](repeating: 0, count: capacity)
            let n = out.withUnsafeMutableBufferPointer { sieve_nfc(text, Int32(text.count), $0.baseAddress, Int32(capacity)) }
            XCTAssertGreaterThanOrEqual(n, 0)
            if Int(n) <= capacity { return Array(out[0..<Int(n)]) }
            capacity = Int(n)
        }
    }

    func spanNFC(_ text: [UInt8]) -> [UInt8] {
        text.withUnsafeBufferPointer { Normalization.nfc($0) } ?? text
    }

    func testSpansEqualWholeTextOnRandomTextOfCombiningSequences() {
        // Starters that compose, marks of several classes (reordered by NFC), code points
        // that NFC replaces (QC=No: U+0340, U+0958, U+1D15E, U+2126), Hangul jamo L/V/T,
        // stable neighbours (ASCII, CJK, a precomposed syllable) and long runs to cross
        // the 32-byte join gap and the 256-byte stack buffer of the C shim.
        let alphabet: [String] = ["a", "e", "o", " ", "x", "\u{E9}", "\u{301}", "\u{300}", "\u{327}", "\u{323}",
                                  "\u{340}", "\u{344}", "\u{915}", "\u{93C}", "\u{958}", "\u{94D}", "\u{1D15E}",
                                  "\u{2126}", "\u{1100}", "\u{1161}", "\u{11A8}", "\u{AC00}", "\u{4E00}",
                                  "\u{627}", "\u{653}", "\u{64E}", "\u{F73}", "\u{F71}", "\u{F72}", "\u{30AB}", "\u{3099}",
                                  String(repeating: "b", count: 40), String(repeating: "\u{301}", count: 100)]
        var rng = SplitMix(seed: 7)
        var changed = 0
        for _ in 0..<3000 {
            let count = Int(rng.next() % 40)
            let text = Array((0..<count).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined().utf8)
            let expected = wholeNFC(text)
            XCTAssertEqual(spanNFC(text), expected, "\(String(decoding: text, as: UTF8.self).unicodeScalars.map { String($0.value, radix: 16) })")
            if expected != text { changed += 1 }
            // nil means "already NFC", and only then.
            XCTAssertEqual(text.withUnsafeBufferPointer { Normalization.nfc($0) } == nil, expected == text)
        }
        XCTAssertGreaterThan(changed, 1000)
    }

    func testSpansEqualWholeTextOnEveryLanguage() throws {
        let folder = try SharedData.path("langid")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".txt") }.sorted()
        XCTAssertGreaterThan(files.count, 100)
        for file in files {
            let lines = try String(contentsOfFile: folder + "/" + file, encoding: .utf8).split(separator: "\n").prefix(300)
            // Decomposed too, so that every language has text that NFC changes.
            for text in [lines.joined(separator: "\n"), lines.joined(separator: "\n").decomposedStringWithCanonicalMapping] {
                let bytes = Array(text.utf8)
                XCTAssertTrue(spanNFC(bytes) == wholeNFC(bytes), "NFC by spans differs from ICU on \(file)")
            }
        }
    }
}
