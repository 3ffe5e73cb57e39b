import Foundation
import SieveCore
import SieveShards
@testable import SievePipeline
import SieveTestSupport
import XCTest

/// The documents that reach dedup are written between the passes, so the stages before
/// dedup run once per document, and the outputs are those of running them twice.
final class SpillTests: XCTestCase {
    /// Counts the documents it sees and drops those whose id ends in 7 (so that the spill
    /// carries the first stages' drops to the rejected output).
    final class CountingStage: Stage, @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var seen: Int { lock.withLock { count } }
        var name: String { "count" }

        func process(_ documents: [Document], context: inout StageContext) -> [Document] {
            lock.withLock { count += documents.count }
            var kept: [Document] = []
            for document in documents {
                if document.id.hasSuffix("7") {
                    context.drop(document, rule: "seven")
                } else {
                    var document = document
                    document.setMetadata("counted", .bool(true))
                    kept.append(document)
                }
            }
            return kept
        }
    }

    var dir: TemporaryDirectory!

    override func setUpWithError() throws {
        dir = try TemporaryDirectory()
        // The second file repeats the first one's texts under other ids: exact duplicates.
        try dir.write("corpus/a.jsonl", Fixtures.jsonl(Fixtures.records(1500, seed: 1, prefix: "a")))
        try dir.write("corpus/b.jsonl.zst", Fixtures.zstdFrames(Fixtures.jsonl(Fixtures.records(1500, seed: 1, prefix: "b")),
                                                                chunkBytes: 20_000))
        try dir.write("corpus/c.jsonl", Fixtures.jsonl(Fixtures.records(700, seed: 5, prefix: "c")))
    }

    override func tearDown() { dir.remove() }

    func run(_ out: String, spill: Bool = true, keep: Bool = false, threads: Int = 2, after: String = "",
             maxDocumentBytes: Int? = nil) throws -> (seen: Int, report: RunReport) {
        var config = try PipelineConfig(toml: """
            [input]
            paths = ["corpus"]
            split_bytes = 60000
            [output]
            dir = "\(out)"
            kind = "documents"
            rejected = true
            [run]
            batch_bytes = 8000
            [[stage]]
            type = "dedup"
            \(after)
            """, baseDirectory: dir.path)
        config.spill = spill
        config.keepSpill = keep
        if let maxDocumentBytes { config.maxDocumentBytes = maxDocumentBytes }
        var run = try PipelineRun(config: config, threads: threads)
        let counting = CountingStage()
        run.stages.insert(counting, at: 0)
        run.showProgress = false
        let report = try run.run()
        return (counting.seen, report)
    }

    /// Every output file (documents and rejected) by path, and the manifest's counts.
    func outputs(_ out: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for folder in ["documents", "rejected"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.file("\(out)/\(folder)")) where !name.hasPrefix(".") {
                files["\(folder)/\(name)"] = try Fixtures.contents(dir.file("\(out)/\(folder)/\(name)"))
            }
        }
        return files
    }

    func stageCounts(_ report: RunReport) -> [String] {
        report.stats.stages.map { "\($0.name) \($0.documentsIn) \($0.documentsOut) \($0.bytesIn) \($0.bytesOut) \($0.drops.sorted { $0.key < $1.key })" }
    }

    func testEachStageBeforeDedupRunsOnceAndTheOutputsEqualTwoPasses() throws {
        let documents = 1500 + 1500 + 700
        let twice = try run("twice", spill: false)
        XCTAssertEqual(twice.seen, 2 * documents, "without the spill, the stages before dedup run in both passes")
        XCTAssertNil(twice.report.unitsFromSpill)
        let expected = try outputs("twice")
        XCTAssertGreaterThan(expected.count, 10, "several work units")

        for threads in [1, 3] {
            let once = try run("once-\(threads)", threads: threads)
            XCTAssertEqual(once.seen, documents)
            XCTAssertEqual(try outputs("once-\(threads)"), expected)
            XCTAssertEqual(stageCounts(once.report), stageCounts(twice.report))
            XCTAssertEqual(once.report.stats.incidents, twice.report.stats.incidents)
            XCTAssertEqual(once.report.stats.stages.map(\.name), ["read", "count", "dedup", "write"])
            XCTAssertEqual(once.report.unitsFromSpill, once.report.units)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("once-\(threads)/.sieve/spill")), "deleted when the run completes")
        }
        let manifest = "SELECT stage, rule, language, documents FROM rejections ORDER BY 1, 2, 3"
        XCTAssertEqual(try Manifest(readingFrom: dir.file("once-1/manifest.sqlite")).query(manifest).rows,
                       try Manifest(readingFrom: dir.file("twice/manifest.sqlite")).query(manifest).rows)
    }

    func testTheSignaturesPassBuildsOnlyTheStagesUpToDedup() throws {
        let config = try PipelineConfig(toml: """
            [input]
            paths = ["corpus"]
            [output]
            dir = "out"
            [[stage]]
            type = "dedup"
            [[stage]]
            type = "tokenize"
            tokenizer = "missing/tokenizer.json"
            """, baseDirectory: dir.path)
        XCTAssertThrowsError(try PipelineRun(config: config, threads: 1)) { XCTAssertTrue("\($0)".contains("stage 2 (tokenize)"), "\($0)") }
        let signatures = try PipelineRun(config: config, threads: 1, pass: .signatures)
        XCTAssertEqual(signatures.stages.map(\.name), ["dedup", "tokenize"])
        XCTAssertTrue(signatures.stages[1] is UnbuiltStage)
    }

    /// The documents pass of one of several tasks reads its units from the spill, past the
    /// stages before dedup: it only describes them (their files and the language
    /// registry, which the fingerprint, the spill keys and the manifest need), the same as
    /// building them would, and builds them only for a unit read from its inputs.
    func testADocumentsTaskOfSeveralOnlyDescribesTheStagesBeforeDedup() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        func pipeline(_ langid: String = "") throws -> PipelineConfig {
            try PipelineConfig(toml: """
                [input]
                paths = ["corpus"]
                [output]
                dir = "out"
                [[stage]]
                type = "langid"
                model = "\(repository)/languages/langid.model"
                \(langid)
                [[stage]]
                type = "normalize"
                [[stage]]
                type = "dedup"
                """, baseDirectory: dir.path)
        }
        let config = try pipeline()
        var built = try PipelineRun(config: config, threads: 1)  // one task builds every stage
        built.taskCount = 2
        let task = try PipelineRun(config: config, threads: 1, taskCount: 2)
        XCTAssertTrue(task.stages[0] is UnbuiltStage && task.stages[1] is UnbuiltStage)
        XCTAssertFalse(built.stages[0] is UnbuiltStage || built.stages[1] is UnbuiltStage)
        XCTAssertEqual(task.stageFilesByStage, built.stageFilesByStage)
        XCTAssertEqual(task.stageFilesByStage[0], ["\(repository)/languages/langid.model"])
        XCTAssertEqual(task.languages.map { "\($0)" }, built.languages.map { "\($0)" })
        XCTAssertGreaterThan(task.languages.count, 100)
        XCTAssertEqual(task.fingerprintText(), built.fingerprintText())
        XCTAssertEqual(task.spillSettings(before: 2), built.spillSettings(before: 2))
        // One task, and the signatures pass, build what they run.
        XCTAssertFalse(try PipelineRun(config: config, threads: 1).stages[0] is UnbuiltStage)
        XCTAssertFalse(try PipelineRun(config: config, threads: 1, pass: .signatures, taskCount: 2).stages[0] is UnbuiltStage)
        // A setting that does not fit the model is refused as it is when the stage is built.
        let unknown = try pipeline("languages = [\"xxx_Latn\"]")
        XCTAssertThrowsError(try PipelineRun(config: unknown, threads: 1, taskCount: 2)) { XCTAssertTrue("\($0)".contains("xxx_Latn"), "\($0)") }
    }

    func testARunAfterTheFirstPassReadsTheSpillAndADamagedSpillIsNotUsed() throws {
        let documents = 1500 + 1500 + 700
        let kept = try run("kept", keep: true)
        let expected = try outputs("kept")
        let spill = dir.file("kept/.sieve/spill")
        let files = try FileManager.default.contentsOfDirectory(atPath: spill).sorted()
        XCTAssertEqual(files.count, kept.report.units)

        // As if killed after its first pass: no unit recorded, no outputs.
        func forgetOutputs() throws {
            for name in ["manifest.sqlite", "documents", "rejected"] { try FileManager.default.removeItem(atPath: dir.file("kept/" + name)) }
        }
        try forgetOutputs()
        let again = try run("kept", keep: true)
        XCTAssertEqual(again.seen, 0, "every unit comes from the spill")
        XCTAssertEqual(try outputs("kept"), expected)
        XCTAssertEqual(stageCounts(again.report), stageCounts(kept.report))

        // A damaged file (cut short) and a file of other settings are read from the inputs.
        let damaged = spill + "/" + files[1]
        let bytes = try Fixtures.contents(damaged)
        try Data(bytes.prefix(bytes.count - 3)).write(to: URL(fileURLWithPath: damaged))
        try forgetOutputs()
        let redone = try run("kept", keep: true)
        XCTAssertGreaterThan(redone.seen, 0)
        XCTAssertLessThan(redone.seen, documents)
        // Its first pass wrote the unit's file again, so the second pass read every unit from there.
        XCTAssertEqual(redone.report.unitsFromSpill, redone.report.units)
        XCTAssertEqual(try outputs("kept"), expected)
        let (seenAfterRepair, _) = try { try forgetOutputs(); return try run("kept", keep: true) }()
        XCTAssertEqual(seenAfterRepair, 0, "the damaged file was written again")

        // One flipped byte inside a batch's frame, in the middle of a file: its record no
        // longer matches its hash, and the unit is read from its inputs again.
        let flipped = spill + "/" + files[2]
        var damagedBytes = try Fixtures.contents(flipped)
        damagedBytes[damagedBytes.count / 2] ^= 0x40
        try Data(damagedBytes).write(to: URL(fileURLWithPath: flipped))
        try forgetOutputs()
        let reread = try run("kept", keep: true)
        XCTAssertGreaterThan(reread.seen, 0)
        XCTAssertLessThan(reread.seen, documents)
        XCTAssertEqual(try outputs("kept"), expected)

        // A stage added after dedup does not make the spill stale: it holds what reaches dedup.
        try forgetOutputs()
        let longer = try run("kept", keep: true, after: "[[stage]]\ntype = \"normalize\"")
        XCTAssertEqual(longer.seen, 0)
        XCTAssertEqual(longer.report.stats.stages.map(\.name), ["read", "count", "dedup", "normalize", "write"])

        // Files written with other reading settings are not used (and are written again).
        try forgetOutputs()
        XCTAssertEqual(try run("kept", keep: true, maxDocumentBytes: 1 << 25).seen, documents)
        XCTAssertEqual(try outputs("kept"), expected)
    }
}
