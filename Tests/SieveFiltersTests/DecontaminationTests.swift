import Foundation
@testable import SieveCore
@testable import SieveFilters
import SieveTestSupport
import XCTest

/// Decontamination: evaluation passages hidden in documents are found however they are
/// re-cased, re-punctuated or re-wrapped; passages shorter than n are not indexed, so
/// their documents stay; documents without a passage stay. The passages and documents
/// are the multilingual sample's paragraphs (29 languages), which the code was not tuned on.
final class DecontaminationTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    func paragraphs() throws -> [String] {
        let raw = try Fixtures.contents(Self.repository + "/examples/corpus/multilingual/paragraphs.jsonl.zst")
        return try Fixtures.objects(raw).flatMap { ($0["text"] as! String).split(separator: "\n").map(String.init) }.filter { !$0.isEmpty }
    }

    func words(_ text: String) -> [UInt64] {
        var out: [UInt64] = []
        ContaminationWords.hashes(of: text, into: &out)
        return out
    }

    func testWordsIgnoreCasePunctuationAndLineBreaks() {
        XCTAssertEqual(words("Hello, World! It's 2024."), words("hello world it s 2024"))
        XCTAssertEqual(words("ÉCOLE  Naïve\n—café"), words("école naïve café"))
        XCTAssertEqual(words("ÉCOLE").count, 1)
        // Marks stay inside their word: Devanagari vowel signs, Arabic diacritics.
        XCTAssertEqual(words("नमस्ते दुनिया").count, 2)
        XCTAssertEqual(words("مَرْحَبًا بِكُمْ").count, 2)
        // Scripts without spaces are cut by ICU's dictionaries.
        XCTAssertGreaterThan(words("東京は日本の首都です").count, 3)
        XCTAssertEqual(words("東京は日本の首都です"), words("東京は、日本の首都です。"))
        XCTAssertGreaterThan(words("ภาษาไทยเป็นภาษาที่สวยงาม").count, 3)
        XCTAssertEqual(words(""), [])
        XCTAssertEqual(words(" \n\t.,;"), [])
    }

    /// Re-cased, re-punctuated and re-wrapped passages are found; passages shorter than n
    /// are kept; the drop reason names the benchmark; with `flag`, nothing is dropped.
    func testHiddenPassagesAreFoundAndShortOnesKept() throws {
        let all = try paragraphs()
        let n = 8
        // Benchmarks: every 7th paragraph with at least 2n words between spaces; filler: the others.
        let long = all.enumerated().filter { $0.offset % 7 == 0 && $0.element.split(separator: " ").count >= 2 * n }.map(\.element)
        let filler = all.enumerated().filter { $0.offset % 7 != 0 }.map(\.element)
        XCTAssertGreaterThan(long.count, 20)
        var index = ContaminationIndex(n: n)
        for (i, passage) in long.enumerated() { try index.add(passage, benchmark: i % 2 == 0 ? "quiz" : "reading") }
        let short = "The quick brown fox jumps"  // 5 words < n
        try index.add(short, benchmark: "quiz")
        XCTAssertEqual(index.shortPassages, 1)
        XCTAssertEqual(index.benchmarks, ["quiz", "reading"])

        func disguise(_ text: String, _ i: Int) -> String {
            let words = text.split(separator: " ")
            switch i % 4 {
            case 0: return text.uppercased()
            case 1: return words.enumerated().map { $0.element + ($0.offset % 2 == 0 ? "," : "") }.joined(separator: " ").replacingOccurrences(of: ".", with: "!")
            case 2: return words.enumerated().map { $0.offset % 3 == 2 ? $0.element + "\n" : $0.element + " " }.joined()
            default: return "«" + words.joined(separator: "  \t") + "»"
            }
        }
        var documents: [Document] = []
        var contaminated: Set<String> = []
        for (i, passage) in long.enumerated() {
            // A passage's middle: at least n words, with filler around it.
            let w = passage.split(separator: " ")
            let piece = w[(w.count / 4)..<(w.count / 4 + max(n, w.count / 2))].joined(separator: " ")
            let text = filler[i % filler.count] + "\n" + disguise(piece, i) + " " + filler[(i + 1) % filler.count]
            var d = Document(id: "hit-\(i)", text: text, source: "t")
            d.setMetadata(.language, .string(["eng_Latn", "deu_Latn"][i % 2]))
            documents.append(d)
            contaminated.insert(d.id)
        }
        for (i, text) in filler.prefix(300).enumerated() {
            documents.append(Document(id: "clean-\(i)", text: text, source: "t"))
        }
        documents.append(Document(id: "short", text: filler[0] + " " + short.uppercased() + "! " + filler[1], source: "t"))

        var context = StageContext(stage: "decontaminate")
        let kept = DecontaminateStage(index: index).process(documents, context: &context)
        XCTAssertEqual(Set(documents.map(\.id)).subtracting(kept.map(\.id)), contaminated, "exactly the documents with a passage are dropped")
        XCTAssertEqual(context.drops["decontaminate:quiz"], (long.count + 1) / 2)
        XCTAssertEqual(context.drops["decontaminate:reading"], long.count / 2)
        XCTAssertEqual(context.stats.dropsByLanguage["decontaminate:quiz"]?["eng_Latn"], (long.count + 1) / 2)

        var flagging = StageContext(stage: "decontaminate")
        let flagged = DecontaminateStage(index: index, flag: true).process(documents, context: &flagging)
        XCTAssertEqual(flagged.count, documents.count)
        for document in flagged {
            let hit = contaminated.contains(document.id)
            XCTAssertEqual(document.string(.contamination) != nil, hit, document.id)
            if hit, case .number(let count)? = document[.contaminationNGrams] { XCTAssertGreaterThanOrEqual(Int(count)!, 1) }
        }
        XCTAssertEqual(flagging.drops, [:])
        XCTAssertEqual(flagging.stats.countsByLanguage["flagged:reading"]?["deu_Latn"], long.count / 2)
    }

    /// The index stays compact: 10 million n-grams in well under 1 GB.
    func testIndexSizePerNGram() throws {
        var index = ContaminationIndex(n: 13)
        var random = SplitMix(seed: 3)
        let vocabulary = (0..<5000).map { "w\($0)" }
        for _ in 0..<2000 {
            try index.add((0..<120).map { _ in vocabulary[Int(random.next() % 5000)] }.joined(separator: " "), benchmark: "synthetic")
        }
        XCTAssertEqual(index.count, 2000 * (120 - 12))
        let perNGram = Double(index.bytes) / Double(index.count)
        XCTAssertLessThan(perNGram * 10_000_000, 1e9, "\(perNGram) bytes an n-gram")
    }
}
