import Foundation
import SieveTestSupport
import XCTest

/// `sieve model train` and `score` on the shards of the README's example run: the loss
/// falls, a killed run resumes to the same bytes, bad input stops with the reason, and
/// perplexity buckets follow the per-language cutoffs.
final class ModelCommandTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
    /// Small enough for a test: 2 layers of width 64, rows of 64 tokens, the example tokenizer's 4,096 ids.
    static let tiny = """
        {"vocab_size": 4096, "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
         "head_dim": 16, "intermediate_size": 128, "seq_len": 64}
        """

    /// The example run's output (shards and manifest), made once.
    static let example: TemporaryDirectory = {
        let dir = try! TemporaryDirectory()
        let r = try! Command.run(Command.sieve, ["run", repository + "/examples/pipeline.toml", "--output", dir.path, "--no-progress"])
        precondition(r.status == 0, r.stderr)
        _ = try! dir.write("tiny.json", tiny)
        return dir
    }()

    func train(_ out: String, _ extra: [String] = []) throws -> Command.Result {
        try Command.run(Command.sieve, ["model", "train", "--manifest", Self.example.file("manifest.sqlite"), "--config",
                                        Self.example.file("tiny.json"), "--out", out, "--json", "--threads", "1", "--batch-size", "4"] + extra)
    }

    static func losses(_ stdout: String) throws -> [Int: Double] {
        var result: [Int: Double] = [:]
        for object in try Fixtures.objects(Array(stdout.utf8)) { result[object["step"] as! Int] = object["loss"] as? Double }
        return result
    }

    func testLossFallsAndAKilledRunResumesToTheSameBytes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // English shards only: one language's batches vary less than thirty languages'.
        let arguments = ["--steps", "60", "--checkpoint-every", "8", "--lr", "1e-2", "--warmup", "5", "--where", "language = 'eng_Latn'"]
        let whole = try train(dir.file("whole"), arguments)
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let losses = try Self.losses(whole.stdout)
        XCTAssertEqual(losses.count, 60)
        // From ln(4096) = 8.3 at the start; the first and last five steps' means.
        let first = (1...5).map { losses[$0]! }.reduce(0, +) / 5, last = (56...60).map { losses[$0]! }.reduce(0, +) / 5
        XCTAssertGreaterThan(first, 7.8)
        // Half a nat in 60 steps of batch 4: a model that learns nothing stays near ln(4096).
        // (The drop depends on the sample and its tokenizer: 1.00 before the sample's
        // multilingual paragraphs became held-out language-ID lines, 0.95 since.)
        XCTAssertLessThan(last, first - 0.5, "loss \(first) -> \(last)")

        // The same run, killed once it has passed step 10, then run again: it resumes from
        // its last checkpoint and ends with the uninterrupted run's bytes.
        let process = try Command.start(Command.sieve, ["model", "train", "--manifest", Self.example.file("manifest.sqlite"), "--config",
                                                        Self.example.file("tiny.json"), "--out", dir.file("killed"), "--json",
                                                        "--threads", "1", "--batch-size", "4"] + arguments)
        let out = (process.standardOutput as! Pipe).fileHandleForReading
        var seen = ""
        while !seen.contains("\"step\":11,"), process.isRunning || !seen.isEmpty {
            let chunk = out.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let resumed = try train(dir.file("killed"), arguments)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming at step"), resumed.stderr)
        for (step, loss) in try Self.losses(resumed.stdout) { XCTAssertEqual(loss, losses[step], "step \(step)") }
        for file in ["model.safetensors", "optimizer.safetensors", "trainer.json"] {
            XCTAssertEqual(try Fixtures.contents(dir.file("whole/checkpoint/" + file)), try Fixtures.contents(dir.file("killed/checkpoint/" + file)), file)
        }

        // Scoring: every document gets a perplexity; with the cutoffs, head holds the lowest third.
        let web = Self.repository + "/examples/corpus/web"
        let score = try Command.run(Command.sieve, ["model", "score", "--model", dir.file("whole"), "--tokenizer",
                                                    Self.repository + "/examples/tokenizer.json", web, "-o", dir.file("scored.jsonl"),
                                                    "--write-cutoffs", dir.file("cutoffs.toml"), "--no-progress"])
        XCTAssertEqual(score.status, 0, score.stderr)
        let scored = try Fixtures.objects(try Fixtures.contents(dir.file("scored.jsonl")))
        XCTAssertEqual(scored.count, 40)
        let perplexities = scored.compactMap { ($0["metadata"] as? [String: Any])?["perplexity"] as? Double }
        XCTAssertEqual(perplexities.count, 40)
        XCTAssertTrue(perplexities.allSatisfy { $0 > 1 && $0.isFinite }, "\(perplexities)")
        XCTAssertTrue(try String(contentsOfFile: dir.file("cutoffs.toml"), encoding: .utf8).contains("und = ["))
        let head = try Command.run(Command.sieve, ["model", "score", "--model", dir.file("whole"), "--tokenizer",
                                                   Self.repository + "/examples/tokenizer.json", web, "-o", dir.file("head.jsonl"),
                                                   "--cutoffs", dir.file("cutoffs.toml"), "--keep", "head", "--no-progress"])
        XCTAssertEqual(head.status, 0, head.stderr)
        let kept = try Fixtures.objects(try Fixtures.contents(dir.file("head.jsonl")))
        XCTAssertEqual(kept.count, 14)  // the lowest third, by nearest rank: ⌈40 / 3⌉
        XCTAssertTrue(kept.allSatisfy { ($0["metadata"] as? [String: Any])?["perplexity_bucket"] as? String == "head" })
        let lowest = perplexities.sorted().prefix(14)
        XCTAssertEqual(Set(kept.map { ($0["metadata"] as! [String: Any])["perplexity"] as! Double }), Set(lowest))

        // The same as a pipeline stage after tokenize: the tail is dropped with its reason.
        let config = try dir.write("pipeline.toml", """
            [input]
            paths = ["\(web)"]
            [output]
            dir = "run"
            [[stage]]
            type = "tokenize"
            tokenizer = "\(Self.repository)/examples/tokenizer.json"
            [[stage]]
            type = "perplexity"
            model = "whole"
            cutoffs = "cutoffs.toml"
            keep = ["head", "middle"]
            """)
        let run = try Command.run(Command.sieve, ["run", config, "--no-progress"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(try Fixtures.contents(dir.file("run/report.json")))) as! [String: Any]
        let stages = (report["stats"] as! [String: Any])["stages"] as! [[String: Any]]
        let drops = stages.first { $0["name"] as? String == "perplexity" }?["drops"] as? [String: Int]
        XCTAssertEqual(drops, ["perplexity:bucket_tail": 40 - 27])
    }

    /// With a mixture plan, training reads the shards the plan's stage draws from.
    func testAMixturePlanChoosesTheShards() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let plan = try Command.run(Command.sieve, ["mix", "plan", Self.example.file("manifest.sqlite"), "--budget", "20K", "--strategy", "unimax",
                                                   "--registry", Self.repository + "/languages/registry.tsv", "-o", dir.file("plan.toml")])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        let export = try Command.run(Command.sieve, ["mix", "export", dir.file("plan.toml"), "--format", "jsonl", "-o", "-"])
        let weights = try Fixtures.objects(Array(export.stdout.utf8))
        let stage = weights[0]["stage"] as! String
        let shards = Set(weights.filter { $0["stage"] as? String == stage }.map { $0["shard"] as! String })
        XCTAssertGreaterThan(shards.count, 5)
        let r = try train(dir.file("lm"), ["--plan", dir.file("plan.toml"), "--steps", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains(", \(shards.count) shards"), r.stderr)
        XCTAssertEqual(try Self.losses(r.stdout).count, 3)
        let unknown = try train(dir.file("lm2"), ["--plan", dir.file("plan.toml"), "--stage", "nonesuch", "--steps", "1"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("no stage nonesuch"), unknown.stderr)
    }

    /// Two micro-batches of 2 rows are one batch of 4: the same rows, the same mean loss and
    /// the same update (to rounding).
    func testGradientAccumulationEqualsOneLargerBatch() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let whole = try train(dir.file("whole"), ["--steps", "2"])
        let halves = try Command.run(Command.sieve, ["model", "train", "--manifest", Self.example.file("manifest.sqlite"), "--config",
                                                     Self.example.file("tiny.json"), "--out", dir.file("halves"), "--json", "--threads", "1",
                                                     "--batch-size", "2", "--accumulation", "2", "--steps", "2"])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        XCTAssertEqual(halves.status, 0, halves.stderr)
        let a = try Self.losses(whole.stdout), b = try Self.losses(halves.stdout)
        for step in [1, 2] { XCTAssertEqual(a[step]!, b[step]!, accuracy: 1e-5 * a[step]!, "step \(step)") }
        XCTAssertNotEqual(a[1], a[2])
    }

    func testBadInputStopsWithTheReasonAndKeepsTheLastGoodCheckpoint() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // A learning rate that blows the weights up: step 1 is saved, then the loss is not finite.
        let diverging = try train(dir.file("nan"), ["--steps", "10", "--checkpoint-every", "1", "--lr", "1e30", "--warmup", "0", "--clip", "0"])
        XCTAssertEqual(diverging.status, 1)
        XCTAssertTrue(diverging.stderr.contains("The last good checkpoint (step "), diverging.stderr)
        let state = try JSONSerialization.jsonObject(with: Data(try Fixtures.contents(dir.file("nan/checkpoint/trainer.json")))) as! [String: Any]
        let saved = state["step"] as! Int
        XCTAssertTrue(diverging.stderr.contains("step \(saved + 1): the loss is"), diverging.stderr)
        XCTAssertTrue(try Self.losses(diverging.stdout).values.allSatisfy(\.isFinite))

        // Shards whose token ids exceed the model's vocabulary.
        let small = try dir.write("small.json", Self.tiny.replacingOccurrences(of: "4096", with: "100"))
        let vocabulary = try Command.run(Command.sieve, ["model", "train", "--manifest", Self.example.file("manifest.sqlite"), "--config", small,
                                                         "--out", dir.file("small"), "--steps", "1"])
        XCTAssertEqual(vocabulary.status, 1)
        XCTAssertTrue(vocabulary.stderr.contains("outside the model's vocabulary of 100"), vocabulary.stderr)

        // A checkpoint cut short is refused with the file and the reason, by train and by score.
        XCTAssertEqual(try train(dir.file("cut"), ["--steps", "1"]).status, 0)
        let weights = dir.file("cut/checkpoint/model.safetensors")
        let bytes = try Fixtures.contents(weights)
        try Data(bytes.prefix(bytes.count - 100)).write(to: URL(fileURLWithPath: weights))
        let resumed = try train(dir.file("cut"), ["--steps", "2"])
        XCTAssertEqual(resumed.status, 1)
        XCTAssertTrue(resumed.stderr.contains("model.safetensors: ") && resumed.stderr.contains("truncated or damaged"), resumed.stderr)
        let scored = try Command.run(Command.sieve, ["model", "score", "--model", dir.file("cut"), "--tokenizer",
                                                     Self.repository + "/examples/tokenizer.json", Self.repository + "/examples/corpus/web",
                                                     "-o", dir.file("s.jsonl"), "--no-progress"])
        XCTAssertEqual(scored.status, 1)
        XCTAssertTrue(scored.stderr.contains("truncated or damaged"), scored.stderr)
        // Cutoffs that are not two increasing numbers, and a config that cannot be built.
        let cutoffs = try dir.write("bad.toml", "[cutoffs]\neng_Latn = [9.0, 3.0]\n")
        let badCutoffs = try Command.run(Command.sieve, ["model", "score", "--model", dir.file("nan"), "--tokenizer",
                                                         Self.repository + "/examples/tokenizer.json", Self.repository + "/examples/corpus/web",
                                                         "-o", dir.file("s.jsonl"), "--cutoffs", cutoffs, "--no-progress"])
        XCTAssertEqual(badCutoffs.status, 2)
        XCTAssertTrue(badCutoffs.stderr.contains("eng_Latn must be two increasing numbers"), badCutoffs.stderr)
        let heads = try dir.write("heads.json", Self.tiny.replacingOccurrences(of: "\"num_key_value_heads\": 2", with: "\"num_key_value_heads\": 3"))
        let badConfig = try Command.run(Command.sieve, ["model", "train", "--manifest", Self.example.file("manifest.sqlite"), "--config", heads,
                                                        "--out", dir.file("heads"), "--steps", "1"])
        XCTAssertEqual(badConfig.status, 1)
        XCTAssertTrue(badConfig.stderr.contains("must be a multiple of num_key_value_heads"), badConfig.stderr)

        // A checkpoint of another config is not resumed.
        XCTAssertEqual(try train(dir.file("other"), ["--steps", "1"]).status, 0)
        let wider = try dir.write("wider.json", Self.tiny.replacingOccurrences(of: "\"hidden_size\": 64", with: "\"hidden_size\": 96"))
        let mismatch = try Command.run(Command.sieve, ["model", "train", "--manifest", Self.example.file("manifest.sqlite"), "--config", wider,
                                                       "--out", dir.file("other"), "--steps", "2"])
        XCTAssertEqual(mismatch.status, 1)
        XCTAssertTrue(mismatch.stderr.contains("holds a model of another config"), mismatch.stderr)
    }
}
