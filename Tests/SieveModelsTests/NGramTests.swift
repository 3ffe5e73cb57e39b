import Foundation
@testable import SieveCore
@testable import SieveModels
import SieveTestSupport
import XCTest

/// N-gram models: Sieve's ARPA scored by Sieve equals KenLM's own scoring (the `kenlm`
/// Python module from PyPI) on sentences in 29 languages, seen and unseen in training;
/// damaged ARPA files are clear errors. (The estimate itself is compared with lmplz's in
/// Benchmarks/lm/ngram_bench.py, which builds lmplz.)
final class NGramTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    /// Sentences of the multilingual sample: every third one held out.
    func sentences() throws -> (train: [String], test: [String]) {
        let raw = try Fixtures.contents(Self.repository + "/examples/corpus/multilingual/paragraphs.jsonl.zst")
        var train: [String] = [], test: [String] = []
        for object in try Fixtures.objects(raw) {
            for (i, line) in (object["text"] as! String).split(separator: "\n").enumerated() where !line.isEmpty {
                (i % 3 == 2 ? { test.append(String(line)) } : { train.append(String(line)) })()
            }
        }
        return (train, test)
    }

    /// KenLM's `Model.score(line, bos=True, eos=True)` for each line.
    func kenlmScores(_ arpa: String, _ lines: [String], in dir: TemporaryDirectory) throws -> [Double] {
        let input = try dir.write("lines.txt", lines.joined(separator: "\n") + "\n")
        let script = """
            import sys, kenlm
            m = kenlm.Model(sys.argv[1])
            for line in open(sys.argv[2], encoding="utf-8").read().split("\\n")[:-1]:
                print(repr(m.score(line, bos=True, eos=True)))
            """
        let run = try Command.run("/usr/bin/env", ["python3", "-c", script, arpa, input])
        guard run.status == 0 else {
            throw XCTSkip("needs Python with kenlm (`python3 -m pip install kenlm`; .ci/run installs it): \(run.stderr.suffix(300))")
        }
        return run.stdout.split(separator: "\n").map { Double($0)! }
    }

    func testScoresEqualKenLMs() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (train, test) = try sentences()
        for order in [2, 3, 5] {
            var trainer = NGramTrainer(order: order)
            for line in train { trainer.add(line: line[...]) }
            let data = try trainer.estimate()
            let arpa = try dir.write("model\(order).arpa", data.arpa())
            let model = try NGramModel.read(from: arpa)
            XCTAssertEqual(model.counts, data.counts)
            let lines = test + Array(train.prefix(200)) + ["", "  unseen words only zzqx ", "ყველა ადამიანს"]
            let expected = try kenlmScores(arpa, lines, in: dir)
            XCTAssertEqual(expected.count, lines.count)
            var worst = 0.0
            for (line, want) in zip(lines, expected) {
                let got = model.score(line[...]).logProb
                worst = max(worst, abs(got - want))
                XCTAssertEqual(got, want, accuracy: 1e-4, "order \(order): \(line.prefix(60))")
            }
            print("order \(order): \(lines.count) sentences, largest difference from KenLM \(worst)")
        }
    }

    /// The perplexity stage with an ARPA model scores documents as CCNet does with KenLM:
    /// each line a sentence, 10^(−Σ log10 p / Σ (words + 1)); a language without a model
    /// is kept unscored.
    func testPerplexityStageScoresDocumentsAsCCNet() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (train, test) = try sentences()
        var trainer = NGramTrainer(order: 3)
        for line in train { trainer.add(line: line[...]) }
        let arpa = try dir.write("m.arpa", try trainer.estimate().arpa())
        let lines = Array(test.prefix(90))
        let kenlm = try kenlmScores(arpa, lines, in: dir)
        let model = try NGramModel.read(from: arpa)
        let stage = PerplexityStage(ngrams: ["eng_Latn": model])
        var documents: [Document] = []
        var expected: [Double] = []
        for i in stride(from: 0, to: lines.count, by: 3) {
            var d = Document(id: "d\(i)", text: lines[i..<i + 3].joined(separator: "\n"), source: "t")
            d.setMetadata("language", .string("eng_Latn"))
            documents.append(d)
            let words = lines[i..<i + 3].reduce(0) { $0 + $1.split(whereSeparator: { $0 == " " }).count + 1 }
            expected.append(pow(10, -kenlm[i..<i + 3].reduce(0, +) / Double(words)))
        }
        var other = Document(id: "x", text: lines[0], source: "t")
        other.setMetadata("language", .string("fra_Latn"))
        var context = StageContext(stage: "perplexity")
        let kept = stage.process(documents + [other], context: &context)
        XCTAssertEqual(kept.count, documents.count + 1)
        for (document, want) in zip(kept, expected) {
            guard case .number(let text)? = document.metadata.first(where: { $0.key == "perplexity" })?.value, let got = Double(text) else {
                return XCTFail("no perplexity on \(document.id)")
            }
            XCTAssertEqual(got, want, accuracy: max(0.01, want * 1e-4), document.id)
        }
        XCTAssertNil(kept.last!.metadata.first { $0.key == "perplexity" })
        XCTAssertEqual(context.stats.countsByLanguage["no_model"]?["fra_Latn"], 1)
    }

    /// The estimate's own invariants, which hold whatever lmplz does: for every history
    /// the model has, the probabilities of all words sum to 1.
    func testProbabilitiesSumToOne() throws {
        let (train, _) = try sentences()
        var trainer = NGramTrainer(order: 3)
        for line in train.prefix(400) { trainer.add(line: line[...]) }
        let data = try trainer.estimate()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let model = try NGramModel.read(from: try dir.write("m.arpa", data.arpa()))
        let words = data.vocabulary.filter { $0 != "<s>" }
        let histories: [[String]] = [["<s>"], ["<s>", data.vocabulary[5]], [data.vocabulary[5], data.vocabulary[6]], ["unseen"]]
        for history in histories {
            let ids = history.map { model.id($0) }
            let total = words.reduce(0.0) { $0 + pow(10, Double(model.score(model.id($1), history: ids[...]))) }
            XCTAssertEqual(total, 1, accuracy: 1e-3, "history \(history)")
        }
    }

    func testDamagedFilesAreClearErrors() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        func error(_ text: String) -> String {
            do {
                _ = try NGramModel.read(from: try dir.write("bad.arpa", text))
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let good = "\\data\\\nngram 1=3\nngram 2=1\n\n\\1-grams:\n-1\t<unk>\t0\n0\t<s>\t-0.3\n-0.5\t</s>\t0\n\n\\2-grams:\n-0.2\t<s> </s>\n\n\\end\\\n"
        XCTAssertEqual(error(good), "no error")
        XCTAssertTrue(error("hello").contains("no \\data\\ section"), error("hello"))
        XCTAssertTrue(error(good.replacingOccurrences(of: "ngram 2=1", with: "ngram 2=2")).contains("the header says 2 2-grams, the section has 1"))
        XCTAssertTrue(error(good.replacingOccurrences(of: "\\2-grams:", with: "\\3-grams:")).contains("expected the \\2-grams: section"))
        XCTAssertTrue(error(good.replacingOccurrences(of: "-0.2\t<s> </s>", with: "-0.2\t<s> word")).contains("word \"word\" is not a unigram"))
        XCTAssertTrue(error(good.replacingOccurrences(of: "-1\t<unk>", with: "x\t<unk>")).contains("line 6"), error(good.replacingOccurrences(of: "-1\t<unk>", with: "x\t<unk>")))
        XCTAssertTrue(error(good.replacingOccurrences(of: "-1\t<unk>\t0\n", with: "").replacingOccurrences(of: "ngram 1=3", with: "ngram 1=2")).contains("no <unk>"))
        XCTAssertTrue(error(good.replacingOccurrences(of: "ngram 1=3", with: "ngram 1=three")).contains("expected \"ngram 1=COUNT\""))
        XCTAssertTrue(error(good.replacingOccurrences(of: "ngram 1=3", with: "ngram 1=999999999999")).contains("cannot fit in a file of"))
        XCTAssertTrue(error(good.replacingOccurrences(of: "ngram 2=1", with: "ngram 2=0")).contains("more 2-grams than the header's 0"))
    }
}
