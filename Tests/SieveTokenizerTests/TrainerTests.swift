import Foundation
import XCTest
import SieveCore
import SieveIO
import SieveTestSupport
@testable import SieveTokenizer

final class TrainerTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized.path

    /// The example corpus through the runner with a word-counting stage.
    func countWords(threads: Int) throws -> WordCounter {
        let counter = WordCounter(preTokenizer: PreTokenizer(pattern: .qwen(maxDigits: 1)))
        let (files, _) = CorpusDiscovery(exclude: ["documents/*"]).discover([Self.repository + "/examples/corpus"])
        let plan = WorkPlan(files: files, splitBytes: Int.max, taskCount: 1)
        _ = try Runner(stages: [counter], threads: threads)
            .run(source: CorpusSource(units: plan.units, options: ReadOptions()), sink: CollectingSink())
        return counter
    }

    /// Same corpus and settings as Hugging Face's BpeTrainer (fixture made by
    /// scripts/make-bpe-fixture.py): the same merges in the same order, and the trained
    /// tokenizer gives Hugging Face's ids.
    func testMergesEqualHuggingFaceTrainer() throws {
        let fixture = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath:
            Self.repository + "/Tests/SieveTokenizerTests/Fixtures/hf-merges-examples-2000.json"))))
        guard case .array(let expected)? = fixture["merges"] else { return XCTFail("fixture") }
        let words = try countWords(threads: 2).words()
        XCTAssertEqual(words.map(\.count), try countWords(threads: 1).words().map(\.count), "counts independent of threads")
        var trainer = BPETrainer(vocabularySize: 2000)
        trainer.specialTokens = ["<|endoftext|>"]
        let vocabulary = trainer.train(words: words)
        let ours = vocabulary.merges.map { m in
            [m.0, m.1].map { ByteLevel.string(of: vocabulary.tokens[Int($0) - 1]) }
        }
        XCTAssertEqual(ours.count, expected.count)
        let theirs = expected.map { pair -> [String] in
            guard case .array(let p) = pair else { return [] }
            return p.map { $0.stringValue! }
        }
        XCTAssertEqual(ours, theirs)

        // Our tokenizer.json loads, and encodes the first documents as Hugging Face does.
        let tokenizer = try Tokenizer(json: vocabulary.tokenizerJSON())
        XCTAssertEqual(tokenizer.vocabularySize, 2000)
        XCTAssertEqual(tokenizer.id(of: "<|endoftext|>"), 0)
        guard case .array(let idLists)? = fixture["ids_first_50"] else { return XCTFail("fixture") }
        let (files, _) = CorpusDiscovery(exclude: ["documents/*"]).discover([Self.repository + "/examples/corpus"])
        let texts = try Fixtures.objects(try Read.all(files.map(\.path)).output).map { $0["text"] as! String }
        for (i, list) in idLists.enumerated() {
            guard case .array(let ids) = list else { continue }
            let encoded = tokenizer.encode(texts[i])
            XCTAssertEqual(encoded, ids.map { UInt32($0.doubleValue!) }, "document \(i)")
            XCTAssertEqual(tokenizer.decode(encoded), texts[i].precomposedStringWithCanonicalMapping)
        }
    }

    /// Word::merge reports the pair-count changes Hugging Face's does, overlaps included.
    func testWordMergeChanges() {
        var word: [UInt32] = [1, 1, 1, 1, 2]
        var length = word.count
        var changes: [(UInt64, Int)] = []
        word.withUnsafeMutableBufferPointer { w in
            BPETrainer.merge(w, length: &length, left: 1, right: 1, into: 9) { changes.append(($0, $1)) }
        }
        XCTAssertEqual(Array(word[0..<length]), [9, 9, 2])
        func p(_ a: UInt32, _ b: UInt32) -> UInt64 { UInt64(a) << 32 | UInt64(b) }
        XCTAssertEqual(changes.map(\.0), [p(1, 1), p(9, 1), p(9, 1), p(9, 9), p(1, 2), p(9, 2)])
        XCTAssertEqual(changes.map(\.1), [-1, 1, -1, 1, -1, 1])
    }
}
