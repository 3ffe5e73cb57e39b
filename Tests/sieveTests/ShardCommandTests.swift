import Foundation
import XCTest
import SieveShards
import SieveTestSupport

/// `sieve tokenize`, `sieve manifest …` and `sieve shards pack` as users run them.
final class ShardCommandTests: XCTestCase {
    var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory() }
    override func tearDown() { dir.remove() }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized.path
    static let tokenizer = repository + "/examples/tokenizer.json"

    /// The example corpus as JSONL with a `language` (and for some a `domain`) on every
    /// document, so shards group; returns the records in order.
    func labelledCorpus(copies: Int = 1) throws -> [[String: Any]] {
        let cat = try Command.run(Command.sieve, ["cat", Self.repository + "/examples/corpus", "-o", "-", "--no-progress"])
        XCTAssertEqual(cat.status, 0, cat.stderr)
        var records: [[String: Any]] = []
        for copy in 0..<copies {
            for (i, var doc) in try Fixtures.objects(Array(cat.stdout.utf8)).enumerated() {
                doc["id"] = "\(copy)-\(doc["id"]!)"
                doc["language"] = ["eng_Latn", "swh_Latn", "yue_Hant"][i % 3]
                if i % 5 == 0 { doc["domain"] = "math" }
                records.append(doc)
            }
        }
        let lines = try records.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        try dir.write("corpus/docs.jsonl", Fixtures.jsonl(lines))
        return records
    }

    /// `sieve encode` of the texts, with added tokens left as text (as the tokenize stage does).
    func encode(_ texts: [String], tokenizer: String) throws -> [[Int]] {
        let input = texts.map { "{\"text\":\(Fixtures.jsonString($0))}\n" }.joined()
        let r = try Command.run(Command.sieve, ["encode", "--tokenizer", tokenizer, "--added-tokens", "none"], stdin: Array(input.utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        return try Fixtures.objects(Array(r.stdout.utf8)).map { $0["ids"] as! [Int] }
    }

    func shardPaths(_ manifest: String, _ filter: String = "1") throws -> [String] {
        try Manifest(readingFrom: manifest).query("SELECT path FROM shards WHERE \(filter) ORDER BY path").rows.compactMap { $0[0].string }
    }

    func testIndependentMegatronReaderGetsBackTheIdsOfSieveEncode() throws {
        let qwen = try SharedData.path("tokenizers/qwen2/tokenizer.json")
        let records = try labelledCorpus()
        let r = try Command.run(Command.sieve, ["tokenize", dir.file("corpus"), "--tokenizer", qwen, "--out", dir.file("out"),
                                                "--no-progress", "--threads", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let manifest = dir.file("out/manifest.sqlite")
        XCTAssertEqual(try shardPaths(manifest), [
            "shards/eng_Latn/math/00000-00000", "shards/eng_Latn/unlabeled/00000-00000",
            "shards/swh_Latn/math/00000-00000", "shards/swh_Latn/unlabeled/00000-00000",
            "shards/yue_Hant/math/00000-00000", "shards/yue_Hant/unlabeled/00000-00000",
        ])
        // The documents of each group in input order, encoded by `sieve encode` in one call.
        var order: [Int] = []
        var prefixes: [String] = []
        for language in ["eng_Latn", "swh_Latn", "yue_Hant"] {
            for domain in ["math", "unlabeled"] {
                order += records.indices.filter {
                    records[$0]["language"] as? String == language && (records[$0]["domain"] as? String ?? "unlabeled") == domain
                }
                prefixes.append(dir.file("out/shards/\(language)/\(domain)/00000-00000"))
            }
        }
        let encoded = try encode(records.map { $0["text"] as! String }, tokenizer: qwen)
        let expected = order.map { encoded[$0] + [151643] }
        // Megatron-LM's megatron-core reads them too when it is installed (it needs torch).
        let megatron = try Command.run("/usr/bin/env", ["python3", "-c", "import megatron.core.datasets.indexed_dataset"]).status == 0
        let read = try Command.run("/usr/bin/env", ["python3", Self.repository + "/scripts/read-megatron-shard.py"]
                                   + (megatron ? ["--megatron"] : []) + prefixes)
        XCTAssertEqual(read.status, 0, read.stderr)
        let ids = try Fixtures.objects(Array(read.stdout.utf8)).map { $0["ids"] as! [Int] }
        XCTAssertEqual(ids.count, records.count)
        XCTAssertEqual(ids, expected)
        let verify = try Command.run(Command.sieve, ["manifest", "verify", manifest])
        XCTAssertEqual(verify.status, 0, verify.stderr)
        XCTAssertTrue(verify.stdout.hasPrefix("ok: 18 files"), verify.stdout)
    }

    /// Every shard file's bytes, by path relative to the output directory.
    func shardFiles(_ out: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let root = out + "/shards"
        for case let name as String in FileManager.default.enumerator(atPath: root) ?? NSEnumerator() {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + name))
            }
        }
        return files
    }

    func testKilledTokenizeResumesToTheSameShards() throws {
        _ = try labelledCorpus(copies: 6)
        // Small work units, so there is something to resume.
        try dir.write("pipeline.toml", """
            [input]
            paths = ["corpus"]
            split_bytes = 200000
            [output]
            dir = "out"
            shard_bytes = 60000
            [[stage]]
            type = "tokenize"
            tokenizer = "\(Self.tokenizer)"
            """)
        let reference = try Command.run(Command.sieve, ["run", dir.file("pipeline.toml"), "--output", dir.file("ref"), "--no-progress"])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let expected = try shardFiles(dir.file("ref"))
        XCTAssertGreaterThan(expected.count, 20)
        XCTAssertGreaterThan(try Manifest(readingFrom: dir.file("ref/manifest.sqlite")).query("SELECT count(*) FROM units").rows[0][0].int!, 5)
        for (attempt, unitsBeforeKill) in [0, 2, 5].enumerated() {
            let out = dir.file("killed\(attempt)")
            let process = try Command.start(Command.sieve, ["run", dir.file("pipeline.toml"), "--output", out, "--threads", "2", "--no-progress"])
            Command.kill(process, when: { unitsRecorded(in: out + "/manifest.sqlite") >= unitsBeforeKill })
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the run ended before the kill")
            let resumed = try Command.run(Command.sieve, ["run", dir.file("pipeline.toml"), "--output", out, "--no-progress", "--json"])
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            XCTAssertEqual(try shardFiles(out), expected, "killed after \(unitsBeforeKill) units")
            // The killed run's half-written files are gone (its writer is).
            let leftovers = (FileManager.default.enumerator(atPath: out)?.allObjects as? [String] ?? []).filter { $0.contains(".tmp-") }
            XCTAssertEqual(leftovers, [], "killed after \(unitsBeforeKill) units")
            XCTAssertEqual(try Manifest(readingFrom: out + "/manifest.sqlite").verify(), [])
            let report = try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as! [String: Any]
            let stages = (report["stats"] as! [String: Any])["stages"] as! [[String: Any]]
            XCTAssertEqual(stages.first?["documents_out"] as? Int, 515 * 6, "totals include the units of the killed run")
        }
        // A finished run has nothing left to do; a changed input is read again.
        let again = try Command.run(Command.sieve, ["run", dir.file("pipeline.toml"), "--output", dir.file("ref"), "--no-progress", "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["units_resumed"] as? Int, report["units"] as? Int)
        XCTAssertEqual(try shardFiles(dir.file("ref")), expected)
        try dir.write("corpus/more.jsonl", "{\"text\":\"one more\",\"language\":\"eng_Latn\"}\n")
        let changed = try Command.run(Command.sieve, ["run", dir.file("pipeline.toml"), "--output", dir.file("ref"), "--no-progress"])
        XCTAssertEqual(changed.status, 0, changed.stderr)
        XCTAssertEqual(try Manifest(readingFrom: dir.file("ref/manifest.sqlite")).query("SELECT sum(documents) FROM shards").rows,
                       [[.int(515 * 6 + 1)]])
        XCTAssertEqual(try Manifest(readingFrom: dir.file("ref/manifest.sqlite")).query("SELECT count(*) FROM inputs WHERE status = 'done'").rows,
                       [[.int(2)]])
        // A smaller input makes fewer shards; the ones not written again are removed.
        let lines = try Fixtures.contents(dir.file("corpus/docs.jsonl")).split(separator: UInt8(ascii: "\n"))
        try dir.write("corpus/docs.jsonl", Array(lines.prefix(100).joined(separator: [UInt8(ascii: "\n")])) + [UInt8(ascii: "\n")])
        let smaller = try Command.run(Command.sieve, ["run", dir.file("pipeline.toml"), "--output", dir.file("ref"), "--no-progress"])
        XCTAssertEqual(smaller.status, 0, smaller.stderr)
        let final = try Manifest(readingFrom: dir.file("ref/manifest.sqlite"))
        XCTAssertEqual(try final.verify(), [])
        XCTAssertEqual(try final.query("SELECT sum(documents) FROM shards").rows, [[.int(101)]])
        XCTAssertEqual(try final.query("SELECT count(*) FROM shard_files").rows[0][0].int, try shardFiles(dir.file("ref")).count)
        XCTAssertLessThan(try shardFiles(dir.file("ref")).count, expected.count)
    }

    func testManifestCommandsQueryVerifyAndMergeTasks() throws {
        _ = try labelledCorpus(copies: 2)
        let single = try Command.run(Command.sieve, ["tokenize", dir.file("corpus"), "--tokenizer", Self.tokenizer, "--out", dir.file("one"),
                                                     "--no-progress"])
        XCTAssertEqual(single.status, 0, single.stderr)
        for task in 0..<2 {
            let r = try Command.run(Command.sieve, ["tokenize", dir.file("corpus"), "--tokenizer", Self.tokenizer, "--out", dir.file("two"),
                                                    "--task-index", "\(task)", "--task-count", "2", "--no-progress"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let merge = try Command.run(Command.sieve, ["manifest", "merge", dir.file("merged.sqlite"),
                                                    dir.file("two/manifest-task-0-of-2.sqlite"), dir.file("two/manifest-task-1-of-2.sqlite")])
        XCTAssertEqual(merge.status, 0, merge.stderr)
        let byLanguage = ["manifest", "stats", "--by", "language", "--csv"]
        let one = try Command.run(Command.sieve, byLanguage + [dir.file("one/manifest.sqlite")])
        let merged = try Command.run(Command.sieve, byLanguage + [dir.file("merged.sqlite")])
        XCTAssertEqual(one.status, 0, one.stderr)
        // Tokens and documents per language agree (shards and bytes differ: two tasks, two sets).
        func tokensAndDocuments(_ csv: String) -> [String] {
            csv.split(separator: "\r\n").map { $0.split(separator: ",").prefix(3).joined(separator: ",") }
        }
        XCTAssertEqual(tokensAndDocuments(merged.stdout), tokensAndDocuments(one.stdout))
        XCTAssertEqual(tokensAndDocuments(one.stdout).count, 4)

        let table = try Command.run(Command.sieve, ["manifest", "stats", dir.file("one/manifest.sqlite"), "--by", "language,domain",
                                                    "--where", "language = 'swh_Latn' AND domain = 'math'"])
        let lines = table.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, table.stdout)
        XCTAssertTrue(lines[0].hasPrefix("language  domain  tokens  documents  shards"), table.stdout)
        XCTAssertTrue(lines[2].hasPrefix("swh_Latn  math"), table.stdout)
        let json = try Command.run(Command.sieve, ["manifest", "query", dir.file("one/manifest.sqlite"),
                                                   "SELECT language, sum(documents) AS n FROM shards GROUP BY language ORDER BY language", "--json"])
        XCTAssertEqual(json.stdout, "[{\"language\":\"eng_Latn\",\"n\":344},{\"language\":\"swh_Latn\",\"n\":344},{\"language\":\"yue_Hant\",\"n\":342}]\n")
        let write = try Command.run(Command.sieve, ["manifest", "query", dir.file("one/manifest.sqlite"), "DELETE FROM shards"])
        XCTAssertEqual(write.status, 1)
        XCTAssertTrue(write.stderr.contains("read-only"), write.stderr)

        // verify lists every problem and fails.
        let shards = try shardPaths(dir.file("one/manifest.sqlite"))
        try FileManager.default.removeItem(atPath: dir.file("one/" + shards[0] + ".bin"))
        let bin = try Fixtures.contents(dir.file("one/" + shards[1] + ".bin"))
        try dir.write("one/" + shards[1] + ".bin", Array(bin.prefix(bin.count / 2)))
        let verify = try Command.run(Command.sieve, ["manifest", "verify", dir.file("one/manifest.sqlite")])
        XCTAssertEqual(verify.status, 1)
        XCTAssertTrue(verify.stderr.contains(shards[0] + ".bin: missing"), verify.stderr)
        XCTAssertTrue(verify.stderr.contains(shards[1] + ".bin: size"), verify.stderr)
        XCTAssertTrue(verify.stderr.contains("2 of \(shards.count * 3) files missing or changed"), verify.stderr)
        let notManifest = try Command.run(Command.sieve, ["manifest", "stats", dir.file("corpus/docs.jsonl")])
        XCTAssertEqual(notManifest.status, 1)
        XCTAssertTrue(notManifest.stderr.contains("not a Sieve manifest"), notManifest.stderr)
    }

    func testEmptyDocumentsAreDroppedWithAReason() throws {
        try dir.write("c/a.jsonl", "{\"text\":\"one\"}\n{\"text\":\"\",\"language\":\"eng_Latn\"}\n{\"text\":\" \"}\n")
        let r = try Command.run(Command.sieve, ["tokenize", dir.file("c"), "--tokenizer", Self.tokenizer, "--out", dir.file("out"),
                                                "--no-progress"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let manifest = try Manifest(readingFrom: dir.file("out/manifest.sqlite"))
        XCTAssertEqual(try manifest.query("SELECT stage, rule, language, documents FROM rejections").rows,
                       [[.text("tokenize"), .text("empty"), .text("eng_Latn"), .int(1)]])
        let reader = try IndexedDatasetReader(prefix: dir.file("out/shards/und/unlabeled/00000-00000"))
        XCTAssertEqual(reader.sequenceCount, 2, "a text of one space still has a token")
    }

    func testPackBuildsFullSequencesWithDocumentBoundaries() throws {
        _ = try labelledCorpus()
        XCTAssertEqual(try Command.run(Command.sieve, ["tokenize", dir.file("corpus"), "--tokenizer", Self.tokenizer, "--out", dir.file("docs"),
                                                       "--no-progress"]).status, 0)
        let pack = try Command.run(Command.sieve, ["shards", "pack", dir.file("docs/manifest.sqlite"), "--seq-len", "256",
                                                   "--min-doc-tokens", "300", "--where", "language = 'eng_Latn'", "--out", dir.file("packed")])
        XCTAssertEqual(pack.status, 0, pack.stderr)
        // The source documents that qualify, in order, as one stream per group.
        var expected: [String: [Int32]] = [:]
        for shard in try shardPaths(dir.file("docs/manifest.sqlite"), "language = 'eng_Latn'") {
            let reader = try IndexedDatasetReader(prefix: dir.file("docs/" + shard))
            let domain = shard.split(separator: "/")[2]
            for i in 0..<reader.sequenceCount where reader.sequenceLengths[i] >= 300 {
                expected[String(domain), default: []] += reader.sequence(i)
            }
        }
        let packed = try shardPaths(dir.file("packed/manifest.sqlite"))
        XCTAssertEqual(packed, ["shards/eng_Latn/math/packed-256-00000", "shards/eng_Latn/unlabeled/packed-256-00000"])
        XCTAssertEqual(try Manifest(readingFrom: dir.file("packed/manifest.sqlite")).verify(), [])
        for path in packed {
            let tokens = try IndexedDatasetReader(prefix: dir.file("packed/" + path))
            let bounds = try IndexedDatasetReader(prefix: dir.file("packed/" + path + ".cu_seqlens"))
            XCTAssertEqual(tokens.sequenceCount, bounds.sequenceCount)
            XCTAssertTrue(tokens.sequenceLengths.allSatisfy { $0 == 256 })
            var stream: [Int32] = []
            for i in 0..<tokens.sequenceCount {
                let sequence = tokens.sequence(i), cu = bounds.sequence(i)
                stream += sequence
                XCTAssertEqual(cu.first, 0)
                XCTAssertEqual(cu.last, 256)
                XCTAssertEqual(cu, cu.sorted())
                // Every boundary but the last falls right after an end-of-text id.
                for b in cu.dropFirst().dropLast() { XCTAssertEqual(sequence[Int(b) - 1], 0, "\(path) sequence \(i)") }
            }
            let domain = String(path.split(separator: "/")[2])
            let source = expected[domain]!
            XCTAssertEqual(stream, Array(source.prefix(stream.count)))
            XCTAssertLessThan(source.count - stream.count, 256, "only the incomplete last sequence is dropped")
        }
        let bad = try Command.run(Command.sieve, ["shards", "pack", dir.file("docs/manifest.sqlite"), "--seq-len", "0", "--out", dir.file("x")])
        XCTAssertEqual(bad.status, 2)
    }

    /// `--strategy best-fit`, read back by an independent Megatron reader
    /// (scripts/read-megatron-shard.py): every document's tokens appear once, whole and in
    /// order (one longer than SEQ-LEN as SEQ-LEN-token pieces and then its remainder);
    /// sequences hold at most SEQ-LEN tokens; the JSON summary adds up; a second run gives
    /// the same bytes.
    func testBestFitPackKeepsDocumentsWholeForAnIndependentReader() throws {
        _ = try labelledCorpus()
        XCTAssertEqual(try Command.run(Command.sieve, ["tokenize", dir.file("corpus"), "--tokenizer", Self.tokenizer, "--out", dir.file("docs"),
                                                       "--no-progress"]).status, 0)
        let seqLen = 256
        func pack(_ out: String) throws -> [String: Any] {
            let r = try Command.run(Command.sieve, ["shards", "pack", dir.file("docs/manifest.sqlite"), "--seq-len", "\(seqLen)",
                                                    "--strategy", "best-fit", "--chunk-tokens", "3000", "--json", "--out", dir.file(out)])
            XCTAssertEqual(r.status, 0, r.stderr)
            return try JSONSerialization.jsonObject(with: Data(r.stdout.split(separator: "\n").last!.utf8)) as! [String: Any]
        }
        let summary = try pack("packed")
        // The source documents per group, in order.
        var source: [String: [[Int32]]] = [:]
        for shard in try shardPaths(dir.file("docs/manifest.sqlite")) {
            let reader = try IndexedDatasetReader(prefix: dir.file("docs/" + shard))
            let group = shard.split(separator: "/")[1...2].joined(separator: "/")
            for i in 0..<reader.sequenceCount { source[group, default: []].append(reader.sequence(i)) }
        }
        let packed = try shardPaths(dir.file("packed/manifest.sqlite"))
        XCTAssertEqual(Set(packed.map { $0.split(separator: "/")[1...2].joined(separator: "/") }), Set(source.keys))
        XCTAssertEqual(try Manifest(readingFrom: dir.file("packed/manifest.sqlite")).verify(), [])
        let read = try Command.run("/usr/bin/env", ["python3", Self.repository + "/scripts/read-megatron-shard.py"]
                                   + packed.flatMap { [dir.file("packed/" + $0), dir.file("packed/" + $0 + ".cu_seqlens")] })
        guard read.status == 0 else { throw XCTSkip("needs python3 with numpy (.ci/run installs it): \(read.stderr.suffix(300))") }
        let pairs = try Fixtures.objects(Array(read.stdout.utf8)).map { ($0["ids"] as! [Int]).map { Int32($0) } }
        // The reader prints each prefix's sequences in turn: tokens, then boundaries.
        var at = 0, sequences = 0, tokens = 0
        for path in packed {
            let count = try IndexedDatasetReader(prefix: dir.file("packed/" + path)).sequenceCount
            let rows = pairs[at..<at + count], cus = pairs[at + count..<at + 2 * count]
            at += 2 * count
            sequences += count
            var segments: [[Int32]] = []
            for (row, cu) in zip(rows, cus) {
                XCTAssertLessThanOrEqual(row.count, seqLen)
                XCTAssertEqual(cu.first, 0)
                XCTAssertEqual(Int(cu.last!), row.count)
                tokens += row.count
                for j in 0..<(cu.count - 1) { segments.append(Array(row[Int(cu[j])..<Int(cu[j + 1])])) }
            }
            // Each document once, in order of its pieces: removed from the segments as found.
            let group = path.split(separator: "/")[1...2].joined(separator: "/")
            var unused = segments
            for document in source[group]! {
                var pieces: [[Int32]] = []
                var start = 0
                while document.count - start > seqLen {
                    pieces.append(Array(document[start..<start + seqLen]))
                    start += seqLen
                }
                pieces.append(Array(document[start...]))
                var last = -1
                for piece in pieces {
                    guard let i = unused.indices.first(where: { unused[$0] == piece }) else {
                        return XCTFail("\(path): a piece of a \(document.count)-token document is missing")
                    }
                    XCTAssertGreaterThan(i, last, "\(path): pieces out of order")
                    unused[i] = []
                    last = i
                }
            }
            XCTAssertTrue(unused.allSatisfy(\.isEmpty), "\(path): segments that are no document's")
        }
        XCTAssertEqual(at, pairs.count)
        let all = source.values.flatMap { $0 }
        XCTAssertEqual(summary["sequences"] as? Int, sequences)
        XCTAssertEqual(summary["tokens"] as? Int, tokens)
        XCTAssertEqual(tokens, all.reduce(0) { $0 + $1.count }, "nothing dropped")
        XCTAssertEqual(summary["padding_tokens"] as? Int, sequences * seqLen - tokens)
        XCTAssertEqual(summary["documents"] as? Int, all.count)
        XCTAssertEqual(summary["documents_split"] as? Int, all.filter { $0.count > seqLen }.count)
        XCTAssertGreaterThan(all.filter { $0.count > seqLen }.count, 0, "the corpus should have documents longer than the sequences")
        let totals = try Manifest(readingFrom: dir.file("packed/manifest.sqlite")).query("SELECT SUM(documents), SUM(sequences), SUM(tokens) FROM shards").rows
        XCTAssertEqual(totals, [[.int(Int64(all.count)), .int(Int64(sequences)), .int(Int64(tokens))]])
        _ = try pack("again")
        XCTAssertEqual(try shardFiles(dir.file("again")), try shardFiles(dir.file("packed")), "same input, same bytes")
    }
}
