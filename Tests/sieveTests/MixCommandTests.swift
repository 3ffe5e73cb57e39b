import Foundation
import SieveMixture
import SieveShards
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

        // By group, with French and Swahili made one group: both get the same epochs.
        let grouped = try String(contentsOfFile: Self.repository + "/languages/registry.tsv", encoding: .utf8)
            .split(separator: "\n").map { line -> String in
                var f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                if ["fra_Latn", "swh_Latn"].contains(f[0]) { f[6] = "test_group" }
                return f.joined(separator: "\t")
            }.joined(separator: "\n") + "\n"
        let byGroup = try Command.run(Command.sieve, ["mix", "plan", manifest, "--budget", "20K", "--by-group", "-o", dir.file("group.toml"),
                                                      "--registry", try dir.write("grouped.tsv", grouped)])
        XCTAssertEqual(byGroup.status, 0, byGroup.stderr)
        XCTAssertTrue(byGroup.stderr.contains("planned by group of close varieties"), byGroup.stderr)
        let groupRows = byGroup.stderr.split(separator: "\n").filter { $0.hasPrefix("fra_Latn") || $0.hasPrefix("swh_Latn") }
        XCTAssertEqual(groupRows.count, 2)
        // Whole tokens: the epochs agree within a token of the smaller language.
        let epochs = groupRows.map { Double($0.split(separator: " ").last!)! }
        XCTAssertEqual(epochs[0], epochs[1], accuracy: 0.002, "\(groupRows)")
        let groupTargets = groupRows.map { Int($0.split(separator: " ", omittingEmptySubsequences: true)[3])! }
        XCTAssertEqual(groupTargets.reduce(0, +), 10000, "UniMax: half the budget for each of eng and the group")

        let export = try Command.run(Command.sieve, ["mix", "export", dir.file("plan.toml"), "--format", "megatron", "-o", dir.file("megatron")])
        XCTAssertEqual(export.status, 0, export.stderr)
        let blend = try String(contentsOfFile: dir.file("megatron/general.data-args"), encoding: .utf8)
        let weights = blend.split(separator: "\n").map { Double($0.split(separator: " ")[0])! }
        XCTAssertEqual(weights.reduce(0, +), 1, accuracy: 1e-9)
        XCTAssertTrue(blend.contains(dir.file("out/shards/swh_Latn/unlabeled/")), blend)
        let jsonl = try Command.run(Command.sieve, ["mix", "export", dir.file("plan.toml"), "--format", "jsonl", "-o", "-"])
        XCTAssertEqual(jsonl.stdout.split(separator: "\n").count, weights.count)

        // Without a dedup stage no document has duplicates: rehydration says it changes nothing.
        let rehydrated = try Command.run(Command.sieve, ["mix", "plan", manifest, "--budget", "20K", "--rehydrate",
                                                         "-o", dir.file("rehydrated.toml")] + registry)
        XCTAssertEqual(rehydrated.status, 0, rehydrated.stderr)
        XCTAssertTrue(rehydrated.stderr.contains("rehydration changes nothing"), rehydrated.stderr)
    }

    /// A pipeline with dedup writes each kept document's cluster size into its shard's
    /// `.docs`; `mix plan --rehydrate` counts each document that many weighted times.
    /// Copies per text are known here, so the expected tokens are computed from the
    /// shards' own token counts and the copies the test wrote.
    func testRehydrationCountsEachDocumentByItsClusterSize() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var random = SplitMix(seed: 11)
        let copies = [1, 1, 2, 3, 4, 5, 7, 100, 130]
        var lines: [String] = []
        var texts: [String] = []
        for (i, n) in copies.enumerated() {
            let text = DedupCommandTests.text(words: 30 + i, random: &random)
            texts.append(text)
            for c in 0..<n { lines.append("{\"id\":\"t\(i)-\(c)\",\"text\":\"\(text)\",\"language\":\"eng_Latn\"}") }
        }
        var order = SplitMix(seed: 3)
        for i in stride(from: lines.count - 1, to: 0, by: -1) { lines.swapAt(i, Int(order.next() % UInt64(i + 1))) }
        _ = try dir.write("in/corpus.jsonl", Fixtures.jsonl(lines))
        let config = try dir.write("pipeline.toml", """
            [input]
            paths = ["in"]
            [output]
            dir = "out"
            [[stage]]
            type = "dedup"
            [[stage]]
            type = "tokenize"
            tokenizer = "\(Self.repository)/examples/tokenizer.json"
            """)
        let run = try Command.run(Command.sieve, ["run", config, "--no-progress"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let shards = try FileManager.default.contentsOfDirectory(atPath: dir.file("out/shards/eng_Latn/unlabeled")).filter { $0.hasSuffix(".docs") }
        XCTAssertEqual(shards.count, 1)
        let documents = try DocumentTable.read(path: dir.file("out/shards/eng_Latn/unlabeled/" + shards[0]))
        XCTAssertEqual(documents.count, copies.count, "one document per text")
        // Each kept document is the first copy of its text in input order.
        XCTAssertEqual(Set(documents.map { $0.id.split(separator: "-")[0] }), Set(copies.indices.map { "t\($0)" }))
        for document in documents {
            let i = Int(document.id.dropFirst().split(separator: "-")[0])!
            XCTAssertEqual(document.clusterSize, copies[i], document.id)
        }
        let weights = Rehydration.fineWeb2
        let expected = documents.reduce(0.0) { $0 + Double($1.tokens) * weights.weight(clusterSize: $1.clusterSize) }
        let registry = ["--registry", Self.repository + "/languages/registry.tsv"]
        let plain = try Command.run(Command.sieve, ["mix", "plan", dir.file("out/manifest.sqlite"), "--budget", "1K", "--max-epochs", "0",
                                                    "-o", dir.file("plain.toml")] + registry)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let plan = try Command.run(Command.sieve, ["mix", "plan", dir.file("out/manifest.sqlite"), "--budget", "1K", "--max-epochs", "0",
                                                   "--rehydrate", "-o", dir.file("plan.toml")] + registry)
        XCTAssertEqual(plan.status, 0, plan.stderr)
        func available(_ file: String) throws -> Int {
            let text = try String(contentsOfFile: dir.file(file), encoding: .utf8)
            let line = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("available = ") })
            return Int(line.dropFirst("available = ".count))!
        }
        XCTAssertEqual(try available("plain.toml"), documents.reduce(0) { $0 + $1.tokens })
        XCTAssertEqual(try available("plan.toml"), Int(expected.rounded()))
        XCTAssertTrue(plan.stderr.contains("rehydrated by cluster size (1:1,2:2,3:3,5:5,100:8,1000:1)"), plan.stderr)
        // Weights of the caller's own; weights that do not start at size 1 are refused.
        let own = try Command.run(Command.sieve, ["mix", "plan", dir.file("out/manifest.sqlite"), "--budget", "1K",
                                                  "--max-epochs", "0", "--rehydrate-weights", "1:1,2:0", "-o", dir.file("own.toml")] + registry)
        XCTAssertEqual(own.status, 0, own.stderr)
        XCTAssertEqual(try available("own.toml"), documents.filter { $0.clusterSize == 1 }.reduce(0) { $0 + $1.tokens })
        let bad = try Command.run(Command.sieve, ["mix", "plan", dir.file("out/manifest.sqlite"), "--budget", "1K",
                                                  "--rehydrate-weights", "2:1", "-o", dir.file("bad.toml")] + registry)
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("the first cluster size must be 1"), bad.stderr)
    }

    /// `sieve mix materialize`: every group gets its planned tokens to within one sequence
    /// (never more), as whole documents repeated as often as its epochs ask; the packed
    /// sequences hold nothing else, in an order that mixes the groups; the deliveries are
    /// in the output manifest and its report; the same plan gives the same bytes.
    func testMaterializeDeliversThePlannedTokens() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var random = SplitMix(seed: 11)
        var lines: [String] = []
        for (language, count) in [("eng_Latn", 60), ("fra_Latn", 20), ("swh_Latn", 4)] {
            for i in 0..<count {
                let text = DedupCommandTests.text(words: 10 + 4 * (i % 9), random: &random)
                lines.append("{\"id\":\"\(language)-\(i)\",\"text\":\"\(text)\",\"language\":\"\(language)\"}")
            }
        }
        let input = try dir.write("in.jsonl", Fixtures.jsonl(lines))
        XCTAssertEqual(try Command.run(Command.sieve, ["tokenize", input, "--tokenizer", Self.repository + "/examples/tokenizer.json",
                                                       "--out", dir.file("out"), "--no-progress"]).status, 0)
        let plan = try Command.run(Command.sieve, ["mix", "plan", dir.file("out/manifest.sqlite"), "--budget", "20K", "--strategy", "unimax",
                                                   "--max-epochs", "4", "-o", dir.file("plan.toml"),
                                                   "--registry", Self.repository + "/languages/registry.tsv"])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        let seqLen = 256
        func materialize(_ out: String) throws -> [String: Any] {
            let r = try Command.run(Command.sieve, ["mix", "materialize", dir.file("plan.toml"), "--stage", "general", "--seq-len", "\(seqLen)",
                                                    "--out", dir.file(out), "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.hasPrefix("language\tdomain\tplanned\tdelivered"), r.stdout)
            return try JSONSerialization.jsonObject(with: Data(r.stdout.split(separator: "\n").last!.utf8)) as! [String: Any]
        }
        let summary = try materialize("stage")
        let groups = summary["groups"] as! [[String: Any]]
        XCTAssertEqual(groups.map { $0["language"] as! String }, ["eng_Latn", "fra_Latn", "swh_Latn"])
        XCTAssertEqual(groups.reduce(0) { $0 + ($1["planned"] as! Int) }, 20_000)

        // The source documents, by their tokens.
        var source: [[Int32]: (language: String, count: Int)] = [:]
        var available: [String: Int] = [:]
        let manifest = try Manifest(readingFrom: dir.file("out/manifest.sqlite"))
        for shard in try manifest.documentShards() {
            let reader = try IndexedDatasetReader(prefix: dir.file("out/" + shard.path))
            for i in 0..<reader.sequenceCount {
                source[reader.sequence(i), default: (shard.language, 0)].count += 1
                available[shard.language, default: 0] += Int(reader.sequenceLengths[i])
            }
        }
        XCTAssertLessThanOrEqual(source.keys.map(\.count).max()!, seqLen, "every document fits a sequence")
        // Every segment of every sequence is one whole source document.
        var delivered: [String: Int] = [:], copies: [[Int32]: Int] = [:], order: [String] = []
        let out = try Manifest(readingFrom: dir.file("stage/manifest.sqlite"))
        XCTAssertEqual(try out.verify(), [])
        for shard in try out.query("SELECT path FROM shards ORDER BY path").rows.compactMap({ $0[0].string }) {
            let tokens = try IndexedDatasetReader(prefix: dir.file("stage/" + shard))
            let bounds = try IndexedDatasetReader(prefix: dir.file("stage/" + shard + ".cu_seqlens"))
            for i in 0..<tokens.sequenceCount {
                let sequence = tokens.sequence(i), cu = bounds.sequence(i)
                XCTAssertLessThanOrEqual(sequence.count, seqLen)
                for j in 0..<(cu.count - 1) {
                    let segment = Array(sequence[Int(cu[j])..<Int(cu[j + 1])])
                    guard let document = source[segment] else { return XCTFail("sequence \(i) holds something that is no document") }
                    delivered[document.language, default: 0] += segment.count
                    copies[segment, default: 0] += 1
                    if j == 0 { order.append(document.language) }
                }
            }
        }
        for group in groups {
            let language = group["language"] as! String, planned = group["planned"] as! Int
            XCTAssertEqual(delivered[language], group["delivered"] as? Int, language)
            XCTAssertLessThanOrEqual(delivered[language]!, planned, language)
            XCTAssertLessThan(planned - delivered[language]!, seqLen, "\(language): within one sequence of the plan")
            // Whole epochs repeat every document; the fraction adds at most one copy more.
            let epochs = Double(planned) / Double(available[language]!)
            print("\(language): \(planned) planned, \(delivered[language]!) delivered, \(epochs) epochs")
            for (document, info) in source where info.language == language {
                let n = copies[document] ?? 0
                XCTAssertGreaterThanOrEqual(n, Int(epochs) * info.count, "\(language): a document missing from a whole epoch")
                XCTAssertLessThanOrEqual(n, (Int(epochs) + 2) * info.count, language)
            }
        }
        XCTAssertGreaterThan(Set(order.prefix(order.count / 4)).count, 1, "the first quarter of the sequences mixes groups")
        let recorded = try out.deliveries()
        XCTAssertEqual(recorded.map(\.delivery.delivered), groups.map { Int64($0["delivered"] as! Int) })
        XCTAssertEqual(recorded.map(\.stage), ["general", "general", "general"])
        let report = try Command.run(Command.sieve, ["report", dir.file("stage/manifest.sqlite"), "-o", dir.file("report.html")])
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(try String(contentsOfFile: dir.file("report.html"), encoding: .utf8).contains("Mixture delivered"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("stage/.sieve/materialize")), "work files are removed")

        _ = try materialize("again")
        func files(_ root: String) throws -> [String: Data] {
            var result: [String: Data] = [:]
            for case let name as String in FileManager.default.enumerator(atPath: dir.file(root + "/shards")) ?? NSEnumerator() where name.contains(".") {
                result[name] = try Data(contentsOf: URL(fileURLWithPath: dir.file(root + "/shards/" + name)))
            }
            return result
        }
        XCTAssertEqual(try files("again"), try files("stage"), "same plan, same bytes")
        let missing = try Command.run(Command.sieve, ["mix", "materialize", dir.file("plan.toml"), "--stage", "nope", "--out", dir.file("x")])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("the plan has no stage nope (it has general)"), missing.stderr)
    }
}
