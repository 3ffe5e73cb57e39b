import Foundation
import SieveTestSupport
import XCTest

/// `sieve mix plan`, `show` and `export` on the manifest of a real `sieve tokenize` run.
final class MixCommandTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    func testPlanShowAndExportFromARealManifest() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var random = SplitMix(seed: 5)
        var lines: [String] = []
        for (language, count) in [("eng_Latn", 60), ("fra_Latn", 20), ("swh_Latn", 4)] {
            for i in 0..<count {
                let text = DedupCommandTests.text(words: 80, random: &random)
                lines.append("{\"id\":\"\(language)-\(i)\",\"text\":\"\(text)\",\"language\":\"\(language)\"}")
            }
        }
        let input = try dir.write("in.jsonl", Fixtures.jsonl(lines))
        let tokenize = try Command.run(Command.sieve, ["tokenize", input, "--tokenizer", Self.repository + "/examples/tokenizer.json",
                                                       "--out", dir.file("out"), "--no-progress"])
        XCTAssertEqual(tokenize.status, 0, tokenize.stderr)
        let manifest = dir.file("out/manifest.sqlite")
        let registry = ["--registry", Self.repository + "/languages/registry.tsv"]

        // The shipped stages ask for more than this corpus has: English's pinned share
        // alone needs more than 4 epochs of it.
        let pinned = try Command.run(Command.sieve, ["mix", "plan", manifest, "--overrides", Self.repository + "/languages/mixture.toml",
                                                     "-o", dir.file("x.toml")] + registry)
        XCTAssertEqual(pinned.status, 2, pinned.stderr)
        XCTAssertTrue(pinned.stderr.contains("stage general: eng_Latn needs 80000 tokens"), pinned.stderr)
        // A budget beyond 4 epochs of everything: refused, with the shortfall per language.
        let tooMuch = try Command.run(Command.sieve, ["mix", "plan", manifest, "--budget", "1M", "-o", dir.file("x.toml")] + registry)
        XCTAssertEqual(tooMuch.status, 2, tooMuch.stderr)
        XCTAssertTrue(tooMuch.stderr.contains("stage general: budget 1000000 exceeds"), tooMuch.stderr)
        XCTAssertTrue(tooMuch.stderr.contains("swh_Latn"), tooMuch.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("x.toml")), "no plan is written")

        let plan = try Command.run(Command.sieve, ["mix", "plan", manifest, "--budget", "20K", "--strategy", "unimax",
                                                   "--max-epochs", "4", "-o", dir.file("plan.toml")] + registry)
        XCTAssertEqual(plan.status, 0, plan.stderr)
        let show = try Command.run(Command.sieve, ["mix", "show", dir.file("plan.toml")])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("stage general: 20000 tokens, unimax, at most 4.0 epochs"), show.stdout)
        // UniMax: swh is small enough to hit 4 epochs; eng and fra share the rest evenly.
        let rows = show.stdout.split(separator: "\n").filter { $0.hasPrefix("eng_Latn") || $0.hasPrefix("fra_Latn") || $0.hasPrefix("swh_Latn") }
        XCTAssertEqual(rows.count, 3)
        XCTAssertTrue(rows[2].hasSuffix("4.000"), String(rows[2]))
        let targets = rows.map { Int($0.split(separator: " ", omittingEmptySubsequences: true)[3])! }
        XCTAssertEqual(targets.reduce(0, +), 20000)
        XCTAssertLessThanOrEqual(abs(targets[0] - targets[1]), 1)
        XCTAssertTrue(try String(contentsOfFile: dir.file("plan.svg"), encoding: .utf8).hasPrefix("<svg"))

        let export = try Command.run(Command.sieve, ["mix", "export", dir.file("plan.toml"), "--format", "megatron", "-o", dir.file("megatron")])
        XCTAssertEqual(export.status, 0, export.stderr)
        let blend = try String(contentsOfFile: dir.file("megatron/general.data-args"), encoding: .utf8)
        let weights = blend.split(separator: "\n").map { Double($0.split(separator: " ")[0])! }
        XCTAssertEqual(weights.reduce(0, +), 1, accuracy: 1e-9)
        XCTAssertTrue(blend.contains(dir.file("out/shards/swh_Latn/unlabeled/")), blend)
        let jsonl = try Command.run(Command.sieve, ["mix", "export", dir.file("plan.toml"), "--format", "jsonl", "-o", "-"])
        XCTAssertEqual(jsonl.stdout.split(separator: "\n").count, weights.count)
    }
}
