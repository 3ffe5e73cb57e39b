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
            for line in train { try trainer.add(line: line[...]) }
            let arpa = dir.path + "/model\(order).arpa"
            let data = try trainer.estimate(to: arpa)
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

    /// Estimation larger than memory: with a memory setting that forces every sort to
    /// spill to run files (more than `RecordSorter.maximumRuns` of them for the counts, so
    /// runs also merge in levels), the ARPA file is byte for byte the one estimated in
    /// memory, and the temporary folder is gone afterwards. The text: the multilingual
    /// sample's sentences and 30,000 sentences of Zipf-distributed made-up words.
    func testEstimateSortedOnDiskEqualsInMemory() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var train = try sentences().train
        var random = SplitMix64(seed: 7)
        let vocabulary = (0..<20_000).map { "w\($0)" }
        for _ in 0..<30_000 {
            let length = 3 + Int(random.next() % 20)
            train.append((0..<length).map { _ in
                // Zipf-like: the inverse of a uniform draw, cut at the vocabulary's size.
                let u = Double(random.next() % 1_000_000 + 1) / 1e6
                return vocabulary[min(vocabulary.count - 1, Int(1 / u) - 1)]
            }.joined(separator: " "))
        }
        let temporary = dir.path + "/tmp"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        for order in [1, 3, 5] {
            var inMemory = NGramTrainer(order: order, temporaryDirectory: temporary)
            var onDisk = NGramTrainer(order: order, memory: 1 << 17, temporaryDirectory: temporary)
            for line in train {
                try inMemory.add(line: line[...])
                try onDisk.add(line: line[...])
            }
            let a = try inMemory.estimate(to: dir.path + "/memory\(order).arpa")
            let b = try onDisk.estimate(to: dir.path + "/disk\(order).arpa")
            XCTAssertEqual(a.spilledBytes, 0)
            XCTAssertGreaterThan(b.spilledBytes, order == 5 ? RecordSorter.maximumRuns << 16 : 0, "order \(order): the small memory setting should have spilled")
            print("order \(order): \(b.counts) n-grams, \(b.spilledBytes) bytes through run files")
            XCTAssertEqual(a.counts, b.counts)
            let memory = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/memory\(order).arpa"))
            let disk = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/disk\(order).arpa"))
            XCTAssertTrue(memory == disk, "order \(order): the ARPA files differ")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: temporary), [], "run files left behind")
    }

    /// Text that modified Kneser-Ney finds unusual (each sentence repeated many times) puts
    /// a discount out of range: an error, or with the fallback, lmplz's fallback
    /// discounts for that order and a model that still scores as KenLM scores it.
    func testDiscountOutOfRangeTakesTheFallback() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (train, test) = try sentences()
        // Many trigrams seen 4 times, few 3 times: D3+ = 3 − 4·y·n4/n3 < 0.
        let repeated = Array(repeating: Array(train.prefix(300)), count: 4).flatMap { $0 } + train.dropFirst(300)
        var strict = NGramTrainer(order: 3)
        for line in repeated { try strict.add(line: line[...]) }
        XCTAssertThrowsError(try strict.estimate(to: dir.path + "/strict.arpa")) { error in
            XCTAssertTrue("\(error)".contains("discount out of range"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path + "/strict.arpa"))
        var lenient = NGramTrainer(order: 3)
        lenient.discountFallback = [0.5, 1, 1.5]
        for line in repeated { try lenient.add(line: line[...]) }
        let estimate = try lenient.estimate(to: dir.path + "/m.arpa")
        XCTAssertFalse(estimate.fallbackOrders.isEmpty)
        let model = try NGramModel.read(from: dir.path + "/m.arpa")
        let lines = Array(test.prefix(100))
        for (line, want) in zip(lines, try kenlmScores(dir.path + "/m.arpa", lines, in: dir)) {
            XCTAssertEqual(model.score(line[...]).logProb, want, accuracy: 1e-4)
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
        for line in train { try trainer.add(line: line[...]) }
        let arpa = dir.path + "/m.arpa"
        _ = try trainer.estimate(to: arpa)
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
        for line in train.prefix(400) { try trainer.add(line: line[...]) }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try trainer.estimate(to: dir.path + "/m.arpa")
        let model = try NGramModel.read(from: dir.path + "/m.arpa")
        let vocabulary = trainer.vocabulary
        let words = vocabulary.filter { $0 != "<s>" }
        let histories: [[String]] = [["<s>"], ["<s>", vocabulary[5]], [vocabulary[5], vocabulary[6]], ["unseen"]]
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
