import Foundation
import XCTest
import SieveCore
import SieveTestSupport
@testable import SieveTokenizer

/// The two other pre-tokenizer styles Sieve implements, against Hugging Face `tokenizers`
/// 0.23.3: a GPT-2-style (ByteLevel's own regex) and a GPT-4/cl100k-style (Split on the
/// cl100k regex, then ByteLevel) vocabulary, each trained by `tokenizers` itself
/// (Fixtures/make_hf_styles.py), give the same ids on 764 tricky strings and on five
/// held-out lines of every language-ID language.
final class HFStylesParityTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    struct Case {
        var source: String
        var text: String
        var gpt2: [UInt32]
        var cl100k: [UInt32]
    }

    /// Each fixture row's text, rebuilt from ../shared/data, with the expected ids.
    func cases() throws -> [Case] {
        var testcases: [String: String] = [:]
        for c in try SharedData.jsonLines("tokenizers/testcases.jsonl") { testcases[c["name"]!.stringValue!] = c["text"]!.stringValue! }
        var languageLines: [String: [Substring]] = [:]
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/hf-style-ids.jsonl"))
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            let row = try JSONValue.parse(Array(line))
            let source = row["source"]!.stringValue!
            let text: String
            if let testcase = testcases[source] {
                text = testcase
            } else {
                let parts = source.split(separator: ":")
                let file = String(parts[0]), number = Int(parts[1])!
                if languageLines[file] == nil {
                    languageLines[file] = try String(contentsOfFile: try SharedData.path("langid/\(file)"), encoding: .utf8)
                        .split(separator: "\n", omittingEmptySubsequences: false)
                }
                text = String(languageLines[file]![number])
            }
            func ids(_ key: String) -> [UInt32] {
                guard case .array(let items)? = row[key] else { return [] }
                return items.map { UInt32($0.doubleValue!) }
            }
            return Case(source: source, text: text, gpt2: ids("gpt2"), cl100k: ids("cl100k"))
        }
    }

    func check(_ style: String, _ expected: (Case) -> [UInt32]) throws {
        let tokenizer = try Tokenizer(contentsOfFile: Self.fixtures + "/\(style)-style.tokenizer.json")
        let cases = try cases()
        XCTAssertEqual(cases.count, 1_257)
        let session = EncodeSession()
        var failures: [String] = []
        for c in cases where tokenizer.encode(c.text, session: session) != expected(c) { failures.append(c.source) }
        XCTAssertEqual(failures, [], "\(style): \(failures.count) of \(cases.count) texts differ from Hugging Face's ids")
    }

    func testGPT2StyleIDsEqualHuggingFaces() throws {
        try check("gpt2") { $0.gpt2 }
    }

    func testCL100kStyleIDsEqualHuggingFaces() throws {
        try check("cl100k") { $0.cl100k }
    }
}
