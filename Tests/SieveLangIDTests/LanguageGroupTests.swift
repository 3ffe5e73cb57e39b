import Foundation
import SieveCore
@testable import SieveLangID
import SieveTestSupport
import XCTest

/// Groups of close varieties and priors: what the registry says, what the model file keeps,
/// and how the detector and the filter use them.
final class LanguageGroupTests: XCTestCase {
    static let header = "code\tname\tfamily\tscript\tsegmentation\tmin_score\tgroup\tprior\n"

    /// x and y form group `xy`; z is alone. The Latin scorer's logits do not depend on the
    /// text (every bucket's row is zero), so its probabilities are softmax(bias):
    /// 0.2, 0.3, 0.5.
    static func model(priors: [Double] = [1, 1, 1]) throws -> LanguageModel {
        let registry = try LanguageRegistry(tsv: header + """
            x_Latn\tX\tF\tLatn\tspace\t0.5\txy\t\(priors[0])
            y_Latn\tY\tF\tLatn\tspace\t0.5\txy\t\(priors[1])
            z_Latn\tZ\tF\tLatn\tspace\t0.5\t\t\(priors[2])
            """, path: "test")
        let bias = [0.2, 0.3, 0.5].map { Float(log($0)) }
        return LanguageModel(registry: registry, groups: [
            .init(script: "Latn", classes: [0, 1, 2], bucketBits: 1, calibrationA: 1, calibrationB: 0, bias: bias,
                  scales: [0, 0], weights: [Int8](repeating: 0, count: 16)),
        ])
    }

    func testPriorsWeighTheProbabilitiesAndGroupsSumThem() throws {
        let plain = LanguageDetector(model: try Self.model()).detect("some words", top: 3)
        XCTAssertEqual(plain.language, "z_Latn")
        XCTAssertEqual(plain.score, 0.5, accuracy: 1e-5)
        XCTAssertEqual(plain.group, "z_Latn")
        XCTAssertEqual(plain.groupScore, plain.score)
        // x weighs 4: 0.8, 0.3, 0.5 over 1.6; its group holds x and y.
        let weighted = LanguageDetector(model: try Self.model(priors: [4, 1, 1])).detect("some words", top: 3)
        XCTAssertEqual(weighted.top.map(\.language), ["x_Latn", "z_Latn", "y_Latn"])
        XCTAssertEqual(weighted.score, 0.5, accuracy: 1e-5)
        XCTAssertEqual(weighted.group, "xy")
        XCTAssertEqual(weighted.groupScore, 0.6875, accuracy: 1e-5)
        XCTAssertEqual(weighted.top.map(\.score).reduce(0, +), 1, accuracy: 1e-5)
        // The stage's priors override the registry's; equal priors change nothing at all.
        XCTAssertEqual(LanguageDetector(model: try Self.model(priors: [4, 1, 1]), priors: ["z_Latn": 8]).detect("some words").language,
                       "z_Latn")
        XCTAssertEqual(LanguageDetector(model: try Self.model(priors: [3, 3, 3])).detect("some words", top: 3), plain)
        // Undetermined text has no group.
        let none = LanguageDetector(model: try Self.model()).detect("12345")
        XCTAssertEqual(none.group, "und")
        XCTAssertEqual(none.groupScore, 0)
    }

    func testTheFilterTakesGroupsAndGroupScores() throws {
        let model = try Self.model(priors: [4, 1, 1])
        let d = LanguageDetector(model: model).detect("some words")
        let registry = model.registry
        XCTAssertEqual(LanguageFilter(allowed: ["xy"]).rejection(d, registry: registry), nil)
        XCTAssertEqual(LanguageFilter(allowed: ["y_Latn"]).rejection(d, registry: registry), "not_allowed")
        // A group's bar is met by the group's score (0.6875), a language's by its own (0.5).
        XCTAssertEqual(LanguageFilter(minScores: ["xy": 0.6]).rejection(d, registry: registry), nil)
        XCTAssertEqual(LanguageFilter(minScores: ["xy": 0.6, "x_Latn": 0.6]).rejection(d, registry: registry), "low_score")
        XCTAssertEqual(LanguageFilter(minScore: 0.6).rejection(d, registry: registry), "low_score")
        // Settings name known groups and languages only.
        var settings = LangIDStage.Settings()
        settings.minScores = ["xy": 0.6]
        XCTAssertNoThrow(try settings.filter(registry: registry))
        settings.priors = ["xy": 2]
        XCTAssertThrowsError(try settings.filter(registry: registry)) { XCTAssertTrue("\($0)".contains("unknown language xy"), "\($0)") }
    }

    func testRegistryGroupsPriorsAndTheModelFileKeepsThem() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let model = try Self.model(priors: [4, 1, 0.5])
        XCTAssertEqual(model.registry.members(ofGroup: "xy"), ["x_Latn", "y_Latn"])
        XCTAssertEqual(model.registry.members(ofGroup: "z_Latn"), ["z_Latn"])
        try model.write(to: dir.file("m.model"))
        let read = try LanguageModel(contentsOfFile: dir.file("m.model"))
        XCTAssertEqual(read.registry, model.registry)
        XCTAssertEqual(read.registry.languages.map(\.prior), [4, 1, 0.5])
        // A registry without the two columns: no groups, prior 1.
        let old = try LanguageRegistry(tsv: "code\tname\tfamily\tscript\tsegmentation\tmin_score\nx_Latn\tX\tF\tLatn\tspace\t0.5\n", path: "r")
        XCTAssertEqual(old.languages[0].groupName, "x_Latn")
        XCTAssertEqual(old.languages[0].prior, 1)
        for (row, reason) in [("x_Latn\tX\tF\tLatn\tspace\t0.5\tg\t0\n", "positive prior"),
                              ("x_Latn\tX\tF\tLatn\tspace\t0.5\tg\n", "8 fields"),
                              ("x_Latn\tX\tF\tLatn\tspace\t0.5\tg\tlots\n", "positive prior"),
                              ("x_Latn\tX\tF\tLatn\tspace\t0.5\ty_Latn\t1\ny_Latn\tY\tF\tLatn\tspace\t0.5\t\t1\n", "also a language code")] {
            XCTAssertThrowsError(try LanguageRegistry(tsv: Self.header + row, path: "r")) { XCTAssertTrue("\($0)".contains(reason), "\($0)") }
        }
    }

    func testVersionOneModelFilesStillLoad() throws {
        // The version 1 layout: no group or prior after each language's min_score.
        var w = BinaryWriter()
        w.bytes(LanguageModel.magic)
        w.u32(1)
        w.u32(1)
        for s in ["ell_Grek", "Greek", "Indo-European", "Grek", "space"] { w.string(s) }
        w.f32(0.5)
        w.u32(1)
        w.string("Grek")
        w.u32(1)
        w.u32(0)
        w.u32(0)
        w.f32(1)
        w.f32(0)
        w.f32(0)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let model = try LanguageModel(contentsOfFile: try dir.write("v1.model", LangIDTrainerTests.zstd(w.data)))
        XCTAssertEqual(model.registry.languages.map(\.groupName), ["ell_Grek"])
        XCTAssertEqual(LanguageDetector(model: model).detect("Καλημέρα").group, "ell_Grek")
    }

    func testSourceFilesFollowTheLanguagesOwnFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write("x_Latn.txt", "own\n")
        _ = try dir.write("x_Latn.zeta.txt", "zeta\n")
        _ = try dir.write("x_Latn.alpha.txt", "alpha\n")
        _ = try dir.write("x_Latnese.txt", "not x\n")
        let corpus = try LangIDCorpus(directories: [dir.path], registry: try Self.model().registry)
        XCTAssertEqual(corpus.lines[0], ["own", "alpha", "zeta"])
        XCTAssertThrowsError(try LangIDCorpus(directories: [dir.file("missing")], registry: try Self.model().registry)) {
            XCTAssertTrue("\($0)".contains("cannot read"), "\($0)")
        }
    }

    func testEvaluationTablesPerGroup() throws {
        let registry = try Self.model().registry
        let evaluation = LangIDEvaluation([("x_Latn", "x_Latn"), ("x_Latn", "y_Latn"), ("x_Latn", "z_Latn"), ("y_Latn", "y_Latn"),
                                           ("z_Latn", "z_Latn")])
        let tables = evaluation.groupTables { registry.language($0)?.groupName ?? $0 }
        XCTAssertEqual(tables.count, 1)
        XCTAssertEqual(tables[0].group, "xy")
        XCTAssertEqual(tables[0].languages, ["x_Latn", "y_Latn"])
        XCTAssertEqual(tables[0].counts, [[1, 1, 1], [0, 1, 0]])
        XCTAssertEqual(tables[0].groupAccuracy, 0.75)
    }
}
