import CZstd
import Foundation
import SieveCore
@testable import SieveLangID
import SieveTestSupport
import XCTest

final class LangIDTrainerTests: XCTestCase {
    /// Three languages of ../shared/data/langid, 250 lines each, with a registry of five
    /// (two without text).
    func smallCorpus() throws -> (LangIDCorpus, TemporaryDirectory) {
        let data = try SharedData.path("langid")
        let dir = try TemporaryDirectory()
        for code in ["eng_Latn", "fra_Latn", "deu_Latn"] {
            let lines = try String(contentsOfFile: data + "/\(code).txt", encoding: .utf8).split(separator: "\n").prefix(250)
            try (lines.joined(separator: "\n") + "\n").write(toFile: dir.file("\(code).txt"), atomically: true, encoding: .utf8)
        }
        let registry = try LanguageRegistry(tsv: """
            code\tname\tfamily\tscript\tsegmentation\tmin_score
            eng_Latn\tEnglish\tIndo-European\tLatn\tspace\t0.5
            fra_Latn\tFrench\tIndo-European\tLatn\tspace\t0.5
            deu_Latn\tGerman\tIndo-European\tLatn\tspace\t0.5
            pag_Latn\tPangasinan\tAustronesian\tLatn\tspace\t0.5
            ell_Grek\tGreek\tIndo-European\tGrek\tspace\t0.5
            """, path: "test")
        return (try LangIDCorpus(directories: [dir.path], registry: registry), dir)
    }

    var options: LangIDTrainer.Options {
        var o = LangIDTrainer.Options()
        o.latinBucketBits = 12
        o.bucketBits = 8
        o.epochs = 3
        o.minSamples = 100
        o.maxSamples = 200
        return o
    }

    func testTrainingIsDeterministicAndLearnsTheLanguages() throws {
        let (corpus, dir) = try smallCorpus()
        defer { dir.remove() }
        let first = LangIDTrainer(corpus: corpus, options: options).train()
        let second = LangIDTrainer(corpus: corpus, options: options).train()
        XCTAssertEqual(first.serialized(), second.serialized())
        // Written and read back unchanged.
        try first.write(to: dir.file("m.model"))
        XCTAssertEqual(try LanguageModel(contentsOfFile: dir.file("m.model")).serialized(), first.serialized())
        // Greek without text still has its script; Pangasinan has neither and is left out.
        XCTAssertEqual(first.groups.map(\.script), ["Latn", "Grek"])
        XCTAssertEqual(first.groups[0].classes, [0, 1, 2])
        // Held-out lines: never trained on, and mostly right after three small epochs.
        let detector = LanguageDetector(model: first)
        let dev = corpus.samples(.dev)
        XCTAssertEqual(dev.count, 75)
        let right = dev.filter { detector.detect($0.text).language == corpus.registry.languages[$0.language].code }.count
        XCTAssertGreaterThan(right, 65)
        // Probabilities over the group sum to one (before the script-share discount).
        let d = detector.detect("Ceci est une phrase en français.", top: 3)
        XCTAssertEqual(d.top.map(\.score).reduce(0, +), 1, accuracy: 1e-4)
    }

    func testDamagedModelFilesAreRefusedWithAReason() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let registry = LanguageRegistry(languages: [Language(code: "ell_Grek", name: "Greek", family: "Indo-European",
                                                            script: "Grek", segmentation: "space", minScore: 0.5)])
        let model = LanguageModel(registry: registry, groups: [.init(script: "Grek", classes: [0], bucketBits: 0, calibrationA: 1,
                                                                     calibrationB: 0, bias: [0], scales: [], weights: [])])
        try model.write(to: dir.file("good.model"))
        let good = try Fixtures.contents(dir.file("good.model"))
        XCTAssertEqual(try LanguageModel(contentsOfFile: dir.file("good.model")).registry, registry)
        func refusal(_ bytes: [UInt8]) -> String {
            do {
                _ = try LanguageModel(contentsOfFile: try dir.write("bad.model", bytes))
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        // Cut short, a byte flipped inside the frame, the raw layout without zstd, text.
        XCTAssertTrue(refusal(Array(good.prefix(good.count / 2))).contains("not one complete zstd frame"))
        var flipped = good
        flipped[good.count / 2] ^= 0xFF
        XCTAssertNotEqual(refusal(flipped), "accepted")
        XCTAssertTrue(refusal(model.serialized()).contains("zstd frame"))
        XCTAssertTrue(refusal(Array("code\ttext\n".utf8)).contains("zstd frame"))
        XCTAssertTrue(refusal([]).contains("zstd frame"))
        XCTAssertThrowsError(try LanguageModel(contentsOfFile: dir.file("missing"))) { XCTAssertTrue("\($0)".contains("cannot read")) }
        // A frame holding something else than a model, and a model with bytes after it.
        var trailing = LanguageModel(registry: registry, groups: []).serialized()
        trailing.append(0)
        XCTAssertTrue(refusal(Array(Self.zstd(Array("SIEVELIX".utf8) + [1, 0, 0, 0]))).contains("not a Sieve language-ID model"))
        XCTAssertTrue(refusal(Self.zstd(trailing)).contains("trailing bytes"))
        // Counts that claim more entries than the file holds are refused before anything is
        // reserved by them (fuzzing found a class count that asked for 32 GB).
        let good1 = model.serialized()
        let groupAt = good1.count - (4 + 4 + 4 + 4 + 4 + 4 + 4 + 4)  // "Grek", 1 class, its index, bits, a, b, bias
        var classes = good1
        classes.replaceSubrange(groupAt + 8..<groupAt + 12, with: [0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertTrue(refusal(Self.zstd(classes)).contains("claims 4294967295 classes"), refusal(Self.zstd(classes)))
        var languages = good1
        languages.replaceSubrange(12..<16, with: [0xFF, 0xFF, 0xFF, 0x7F])
        XCTAssertTrue(refusal(Self.zstd(languages)).contains("languages, more than the file holds"), refusal(Self.zstd(languages)))
    }

    func testMalformedRegistriesAreRefused() {
        let header = "code\tname\tfamily\tscript\tsegmentation\tmin_score\n"
        for (tsv, reason) in [
            ("code\tname\n", "header"),
            (header + "eng_Latn\tEnglish\tIndo-European\tLatn\tspace\n", "6 fields"),
            (header + "eng_Latn\tEnglish\tIndo-European\tLatn\twords\t0.5\n", "segmentation"),
            (header + "eng_Latn\tEnglish\tIndo-European\tLatn\tspace\thigh\n", "min_score"),
            (header + "eng_Latn\tEnglish\tIndo-European\tLatn\tspace\t0.5\n" + "eng_Latn\tEnglish\tX\tLatn\tspace\t0.5\n",
             "duplicate"),
        ] {
            XCTAssertThrowsError(try LanguageRegistry(tsv: tsv, path: "r.tsv")) { XCTAssertTrue("\($0)".contains(reason), "\($0)") }
        }
        // CRLF line ends read the same as LF.
        let crlf = (header + "eng_Latn\tEnglish\tIndo-European\tLatn\tspace\t0.5\n").replacingOccurrences(of: "\n", with: "\r\n")
        XCTAssertEqual(try LanguageRegistry(tsv: crlf, path: "r.tsv").language("eng_Latn")?.minScore, 0.5)
    }

    /// The registry read from the start of a model file alone is the whole model's, for
    /// the shipped model and for one whose languages take more than the first read; a
    /// damaged start is refused as the whole model is.
    func testTheRegistryIsReadWithoutTheWeights() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let shipped = LanguageDetectorTests.repository + "/languages/langid.model"
        XCTAssertEqual(try LanguageModel.registry(contentsOfFile: shipped), try LanguageModel(contentsOfFile: shipped).registry)
        XCTAssertGreaterThan(try LanguageModel.registry(contentsOfFile: shipped).languages.count, 100)

        // 3,000 languages with long names: about 300 KB of registry, more than the first read.
        let languages = (0..<3000).map {
            Language(code: "l\($0)_Latn", name: String(repeating: "name \($0) ", count: 8), family: "family", script: "Latn",
                     segmentation: "space", minScore: 0.25, group: $0 % 2 == 0 ? "even" : "", prior: 1.5)
        }
        let registry = LanguageRegistry(languages: languages)
        let model = LanguageModel(registry: registry, groups: [.init(script: "Latn", classes: [0, 1], bucketBits: 2, calibrationA: 1,
                                                                     calibrationB: 0, bias: [0, 0], scales: [1, 1, 1, 1],
                                                                     weights: [Int8](repeating: 1, count: 4 * 8))])
        try model.write(to: dir.file("large.model"))
        XCTAssertGreaterThan(model.serialized().count, 1 << 18)
        XCTAssertEqual(try LanguageModel.registry(contentsOfFile: dir.file("large.model")), registry)

        let good = try Fixtures.contents(dir.file("large.model"))
        func refusal(_ bytes: [UInt8]) -> String {
            do {
                _ = try LanguageModel.registry(contentsOfFile: try dir.write("bad.model", bytes))
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertNotEqual(refusal(Array(good.prefix(200))), "accepted")
        XCTAssertTrue(refusal(model.serialized()).contains("zstd frame"))
        XCTAssertTrue(refusal(Array("code\ttext\n".utf8)).contains("zstd frame"))
        XCTAssertTrue(refusal([]).contains("zstd frame"))
        XCTAssertTrue(refusal(Self.zstd(Array("SIEVELIX".utf8) + [1, 0, 0, 0])).contains("not a Sieve language-ID model"))
        XCTAssertThrowsError(try LanguageModel.registry(contentsOfFile: dir.file("missing"))) { XCTAssertTrue("\($0)".contains("cannot read")) }
    }

    static func zstd(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: ZSTD_compressBound(bytes.count))
        let n = out.withUnsafeMutableBytes { dst in bytes.withUnsafeBytes { ZSTD_compress(dst.baseAddress, dst.count, $0.baseAddress, $0.count, 3) } }
        return Array(out.prefix(n))
    }

    func testSplitsAreBlocksOfFiveAndDisjoint() {
        let dev = (0..<200).filter { LangIDCorpus.contains(.dev, line: $0) }
        XCTAssertEqual(dev, Array(45..<50) + Array(95..<100) + Array(145..<150) + Array(195..<200))
        for i in 0..<200 {
            XCTAssertNotEqual(LangIDCorpus.contains(.dev, line: i), LangIDCorpus.contains(.train, line: i))
            if LangIDCorpus.contains(.calibration, line: i) { XCTAssertTrue(LangIDCorpus.contains(.train, line: i)) }
        }
    }

    func testEvaluationMacroAveragesOverLanguages() {
        let e = LangIDEvaluation([("a", "a"), ("a", "a"), ("a", "b"), ("a", "a"), ("b", "b"), ("b", "a")])
        XCTAssertEqual(e.languages.map(\.accuracy), [0.75, 0.5])
        XCTAssertEqual(e.macroAccuracy, 0.625)
        XCTAssertEqual(e.confusions.map(\.count), [1, 1])
        XCTAssertEqual(e.confusions[0].expected, "a")
    }
}
