import Foundation
import XCTest
import SieveCore
import SieveTestSupport
@testable import SieveTokenizer

extension SharedData {
    static func jsonLines(_ relative: String) throws -> [JSONValue] {
        let data = try Data(contentsOf: URL(fileURLWithPath: try path(relative)))
        return try data.split(separator: UInt8(ascii: "\n")).map { try JSONValue.parse(Array($0)) }
    }
}

final class QwenParityTests: XCTestCase {
    static let tokenizer: Tokenizer? = try? Tokenizer(contentsOfFile: SharedData.root + "/tokenizers/qwen2/tokenizer.json")

    func qwen() throws -> Tokenizer {
        _ = try SharedData.path("tokenizers/qwen2/tokenizer.json")
        return try XCTUnwrap(Self.tokenizer)
    }

    func ids(_ value: JSONValue?) -> [UInt32]? {
        guard case .array(let items)? = value else { return nil }
        return items.map { UInt32($0.doubleValue!) }
    }

    func testLayoutFacts() throws {
        let t = try qwen()
        XCTAssertEqual(t.regularCount, 151_643)
        XCTAssertEqual(t.vocabularySize, 151_669)
        XCTAssertEqual(t.addedTokens.count, 26)
        XCTAssertEqual(t.tokensNotEncodingToThemselves(), [])
        XCTAssertEqual(t.bpe.byteIDs[0x20], 220)
        XCTAssertEqual(t.bpe.byteIDs[0x0A], 198)
        XCTAssertEqual(t.bpe.byteIDs[0x00], 188)
    }

    func testSpotChecks() throws {
        let t = try qwen()
        XCTAssertEqual(t.encode("Hello world"), [9707, 1879])
        XCTAssertEqual(t.encode("Hello, world! 123"), [9707, 11, 1879, 0, 220, 16, 17, 18])
        XCTAssertEqual(t.encode("你好世界"), [108386, 99489])
        XCTAssertEqual(t.encode("   leading spaces"), [256, 6388, 12621])
        XCTAssertEqual(t.encode("<|im_start|>user\nhi<|im_end|>\n"), [151644, 872, 198, 6023, 151645, 198])
        XCTAssertEqual(t.encode(""), [])
    }

    /// All 764 Hugging Face reference cases: pieces, ids in the three added-token modes, decoding.
    func testReferenceCases() throws {
        let t = try qwen()
        let cases = try SharedData.jsonLines("tokenizers/testcases.jsonl")
        XCTAssertEqual(cases.count, 764)
        var failures: [String] = []
        let session = EncodeSession()
        for c in cases {
            let name = c["name"]!.stringValue!
            let text = c["text"]!.stringValue!
            if t.encode(text, session: session) != ids(c["ids"]) { failures.append("\(name): ids") }
            if let expected = ids(c["ids_split_special"]), t.encode(text, addedTokens: .nonSpecial, session: session) != expected {
                failures.append("\(name): ids_split_special")
            }
            if let expected = ids(c["ids_no_added_tokens"]), t.encode(text, addedTokens: .none, session: session) != expected {
                failures.append("\(name): ids_no_added_tokens")
            }
            let decoded = t.decode(ids(c["ids"])!)
            let expectedText = c["decoded"]!.stringValue! == "input" ? text : text.precomposedStringWithCanonicalMapping
            if Array(decoded.utf8) != Array(expectedText.utf8) { failures.append("\(name): decode") }
            if let skip = c["decoded_skip_special"]?.stringValue,
               Array(t.decode(ids(c["ids"])!, skipSpecialTokens: true).utf8) != Array(skip.utf8) {
                failures.append("\(name): decode skipping special tokens")
            }
        }
        XCTAssertEqual(failures, [], "\(failures.count) of \(cases.count) cases differ from Hugging Face")
    }

    func testPreTokenizerPieces() throws {
        let t = try qwen()
        let cases = try SharedData.jsonLines("tokenizers/testcases.jsonl")
        var failures: [String] = []
        for c in cases where c["pieces"] != nil {
            guard case .array(let expected)? = c["pieces"] else { continue }
            // Pieces of the text with added tokens removed, NFC-normalized, split.
            var pieces: [String] = []
            var text = c["text"]!.stringValue!
            text.withUTF8 { utf8 in
                t.matchers[.all]!.split(utf8, segment: { range in
                    let segment = Array(UnsafeBufferPointer(rebasing: utf8[range]))
                    let normalized = String(decoding: segment, as: UTF8.self).precomposedStringWithCanonicalMapping
                    var n = normalized
                    n.withUTF8 { bytes in
                        t.preTokenizer!.split(bytes) { pieces.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self)) }
                    }
                }, token: { id in pieces.append(t.addedTokens.first { $0.id == id }!.content) })
            }
            if pieces != expected.map({ $0.stringValue! }) { failures.append(c["name"]!.stringValue!) }
        }
        XCTAssertEqual(failures, [])
    }

    func testDecodeCases() throws {
        let t = try qwen()
        for c in try SharedData.jsonLines("tokenizers/testcases_decode.jsonl") {
            let skip = c["skip_special_tokens"] == .bool(true)
            XCTAssertEqual(Array(t.decode(ids(c["ids"])!, skipSpecialTokens: skip).utf8), Array(c["decoded"]!.stringValue!.utf8),
                           c["name"]!.stringValue!)
        }
    }
}
