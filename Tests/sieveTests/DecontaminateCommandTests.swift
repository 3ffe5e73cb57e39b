import Foundation
import SieveFiles
import SieveShards
import SieveTestSupport
import XCTest

/// `sieve decontaminate` and the `decontaminate` stage of a pipeline, as users run them:
/// benchmark files compressed or not, passages found in documents, counts per benchmark
/// and language in the manifest, damaged benchmark files refused with a clear error; the
/// `pii` stage's counts in the run report.
final class DecontaminateCommandTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    func testCommandAndPipelineStageDropContaminatedDocuments() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var random = SplitMix(seed: 21)
        let texts = (0..<40).map { _ in DedupCommandTests.text(words: 60, random: &random) }
        // Two benchmarks: questions (one field named, a list of choices), and passages in a
        // compressed file.
        let quiz = texts[0..<5].map { "{\"question\":\(Fixtures.jsonString($0)),\"choices\":[\"a\",\"b\"],\"id\":7}" }
        _ = try dir.write("bench/quiz.jsonl", Fixtures.jsonl(quiz))
        let reading = texts[5..<10].map { "{\"passage\":\(Fixtures.jsonString($0))}" }
        _ = try dir.write("bench/reading.jsonl.zst", Fixtures.zstdFrames(Fixtures.jsonl(reading), chunkBytes: 200))
        // Documents: each of the first 10 texts inside other text, upper-cased and wrapped; 30 clean ones.
        var lines: [String] = []
        for i in 0..<10 {
            let hidden = texts[i].uppercased().split(separator: " ").enumerated().map { $0.offset % 5 == 4 ? $0.element + "\n" : $0.element + " " }.joined()
            lines.append("{\"id\":\"hit-\(i)\",\"text\":\(Fixtures.jsonString(texts[10 + i] + "\n" + hidden)),\"language\":\"\(i % 2 == 0 ? "eng_Latn" : "fra_Latn")\"}")
        }
        for i in 10..<40 {
            let text = texts[i] + (i == 10 ? " Write to someone@example.com or call +44 20 7946 0958." : "")
            lines.append("{\"id\":\"clean-\(i)\",\"text\":\(Fixtures.jsonString(text)),\"language\":\"eng_Latn\"}")
        }
        _ = try dir.write("in/docs.jsonl", Fixtures.jsonl(lines))

        let r = try Command.run(Command.sieve, ["decontaminate", "--benchmarks", dir.file("bench"), "--n", "8", dir.file("in"),
                                                "-o", dir.file("out.jsonl"), "--rejected", dir.file("rejected.jsonl"), "--no-progress"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("of 2 benchmarks indexed"), r.stderr)
        let kept = try Fixtures.objects(Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("out.jsonl")))))
        XCTAssertEqual(kept.map { $0["id"] as! String }, (10..<40).map { "clean-\($0)" })
        let rejected = try Fixtures.objects(Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("rejected.jsonl")))))
        XCTAssertEqual(rejected.map { $0["drop_reason"] as? String ?? ($0["metadata"] as? [String: Any])?["drop_reason"] as? String },
                       (0..<10).map { "decontaminate:" + ($0 < 5 ? "quiz" : "reading") })

        // Only the named field: the choices "a", "b" and the passages of `reading` are not indexed.
        let named = try Command.run(Command.sieve, ["decontaminate", "--benchmarks", dir.file("bench/quiz.jsonl"), "--fields", "question",
                                                    "--n", "8", dir.file("in"), "-o", dir.file("named.jsonl"), "--no-progress"])
        XCTAssertEqual(named.status, 0, named.stderr)
        XCTAssertEqual(try Fixtures.objects(Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("named.jsonl"))))).count, 35)

        // In a pipeline: counts per benchmark and language in the manifest.
        let config = try dir.write("pipeline.toml", """
            [input]
            paths = ["in"]
            [output]
            dir = "run"
            [[stage]]
            type = "decontaminate"
            benchmarks = ["bench"]
            n = 8
            [[stage]]
            type = "pii"
            [[stage]]
            type = "tokenize"
            tokenizer = "\(Self.repository)/examples/tokenizer.json"
            """)
        let run = try Command.run(Command.sieve, ["run", config, "--no-progress"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let manifest = try Manifest(readingFrom: dir.file("run/manifest.sqlite"))
        let rows = try manifest.query("SELECT rule, language, SUM(documents) FROM rejections WHERE stage = 'decontaminate' GROUP BY 1, 2 ORDER BY 1, 2").rows
        XCTAssertEqual(rows, [[.text("quiz"), .text("eng_Latn"), .int(3)], [.text("quiz"), .text("fra_Latn"), .int(2)],
                              [.text("reading"), .text("eng_Latn"), .int(2)], [.text("reading"), .text("fra_Latn"), .int(3)]])

        // The run report shows what the pii stage replaced.
        XCTAssertEqual(try Command.run(Command.sieve, ["report", dir.file("run/manifest.sqlite"), "-o", dir.file("report.html")]).status, 0)
        let report = try String(contentsOfFile: dir.file("report.html"), encoding: .utf8)
        XCTAssertTrue(report.contains("Personal data and contamination") && report.contains("<td>email</td><td class=\"n\">1</td>")
                      && report.contains("<td>phone</td><td class=\"n\">1</td>"), report)

        // A damaged benchmark file is a clear error, not a smaller index.
        let whole = try Data(contentsOf: URL(fileURLWithPath: dir.file("bench/reading.jsonl.zst")))
        _ = try dir.write("broken/reading.jsonl.zst", Array(whole.prefix(whole.count - 7)))
        let broken = try Command.run(Command.sieve, ["decontaminate", "--benchmarks", dir.file("broken"), dir.file("in"), "-o", dir.file("x.jsonl")])
        XCTAssertNotEqual(broken.status, 0)
        XCTAssertTrue(broken.stderr.contains("reading.jsonl.zst") && broken.stderr.contains("truncated"), broken.stderr)
        let none = try Command.run(Command.sieve, ["decontaminate", "--benchmarks", dir.file("in/nothing"), dir.file("in"), "-o", dir.file("x.jsonl")])
        XCTAssertEqual(none.status, 2, none.stderr)
    }
}
