import Foundation
import SieveShards
import SieveTestSupport
import XCTest

/// `sieve dedup`, online and sharded, on a generated corpus whose duplicates are known.
final class DedupCommandTests: XCTestCase {
    /// Pseudo-words from syllables, so that texts have no digits and few repeats.
    static func text(words: Int, random: inout SplitMix) -> String {
        let syllables = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "vo", "pe", "du", "an", "or", "el", "is", "um", "za"]
        return (0..<words).map { _ in
            (0..<(2 + Int(random.next() % 3))).map { _ in syllables[Int(random.next() % 16)] }.joined()
        }.joined(separator: " ")
    }

    struct Corpus {
        var files: [[(id: String, text: String)]] = []
        /// Expected: id -> (reason, id kept).
        var duplicates: [String: (String, String)] = [:]
    }

    /// Three files; base documents with exact copies (spacing changed), near copies (two
    /// words of 150 replaced: 5-gram Jaccard about 0.87), empty and short documents.
    static func corpus() -> Corpus {
        var random = SplitMix(seed: 42)
        var corpus = Corpus()
        var bases: [(String, String)] = []
        for f in 0..<3 {
            var file: [(id: String, text: String)] = []
            for i in 0..<60 {
                let id = "f\(f)-\(i)"
                let text = Self.text(words: 150, random: &random)
                file.append((id, text))
                bases.append((id, text))
                if i % 7 == 3, let (earlier, earlierText) = bases.dropLast().last {
                    file.append(("\(id)-copy", "  " + earlierText.replacingOccurrences(of: " ", with: "\n")))
                    corpus.duplicates["\(id)-copy"] = ("dedup:exact", earlier)
                }
                if i % 9 == 5 {
                    var words = bases[bases.count - 3].1.split(separator: " ").map(String.init)
                    words[40] = "zzzq"
                    words[110] = "qqqz"
                    file.append(("\(id)-near", words.joined(separator: " ")))
                    corpus.duplicates["\(id)-near"] = ("dedup:minhash", bases[bases.count - 3].0)
                }
            }
            corpus.files.append(file)
        }
        corpus.files[1] += [("empty-a", ""), ("short-a", "Hello, World!"), ("punct-a", "!!!")]
        corpus.files[2] += [("empty-b", " \n "), ("short-b", "hello world"), ("punct-b", "???")]
        corpus.duplicates["empty-b"] = ("dedup:exact", "empty-a")
        corpus.duplicates["short-b"] = ("dedup:minhash", "short-a")
        return corpus
    }

    /// Writes the corpus, with bad records in the middle of the second file: a line that
    /// is not JSON (skipped and counted by the reader, in both passes alike) and one with
    /// invalid UTF-8 (repaired, kept: its id is `bad-utf8`).
    static func write(_ corpus: Corpus, to dir: TemporaryDirectory) throws -> [String] {
        try corpus.files.enumerated().map { f, documents in
            var lines = Fixtures.jsonl(documents.map {
                "{\"id\":\(Fixtures.jsonString($0.id)),\"text\":\(Fixtures.jsonString($0.text))}"
            })
            if f == 1 {
                lines += Array("{\"id\": \"broken\", \"text\": \n".utf8)
                lines += Array("{\"id\":\"bad-utf8\",\"text\":\"caf".utf8) + [0xFF] + Array(" au lait\"}\n".utf8)
                lines += Fixtures.jsonl(["{\"id\":\"after-bad\",\"text\":\"a document after the bad lines\"}"])
            }
            return try dir.write("in/part-\(f).jsonl", lines)
        }
    }

    /// Ids in the order `write` puts them in the files.
    static func inputIDs(_ corpus: Corpus) -> [String] {
        corpus.files.enumerated().flatMap { f, documents in documents.map(\.id) + (f == 1 ? ["bad-utf8", "after-bad"] : []) }
    }

    func sieve(_ arguments: [String], cwd: String? = nil) throws -> Command.Result {
        // buckets and clusters read no documents: no progress to show.
        let quiet = ["buckets", "clusters"].contains(arguments[1]) ? [] : ["--no-progress"]
        let result = try Command.run(Command.sieve, arguments + quiet, cwd: cwd)
        XCTAssertEqual(result.status, 0, "sieve \(arguments.joined(separator: " ")): \(result.stderr)")
        return result
    }

    func ids(_ path: String) throws -> [String] {
        try Fixtures.objects(Fixtures.contents(path)).map { $0["id"] as! String }
    }

    /// The kept set is exactly the documents that are not known duplicates, in input
    /// order; each dropped one has the expected reason and the id of the one kept.
    func testOnlineDropsKnownDuplicatesAndKeepsFirstOccurrences() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let corpus = Self.corpus()
        _ = try Self.write(corpus, to: dir)
        let run = try sieve(["dedup", dir.file("in"), "-o", dir.file("out.jsonl"), "--rejected", dir.file("rejected.jsonl"),
                             "--threads", "2", "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        XCTAssertTrue("\(report)".contains("read:malformed_json"), run.stdout)
        let all = Self.inputIDs(corpus)
        XCTAssertEqual(try ids(dir.file("out.jsonl")), all.filter { corpus.duplicates[$0] == nil })
        let rejected = try Fixtures.objects(Fixtures.contents(dir.file("rejected.jsonl")))
        XCTAssertEqual(rejected.count, corpus.duplicates.count)
        for document in rejected {
            let id = document["id"] as! String
            let metadata = document["metadata"] as! [String: Any]
            XCTAssertEqual(metadata["drop_reason"] as? String, corpus.duplicates[id]?.0, id)
            XCTAssertEqual(metadata["dedup_cluster"] as? String, corpus.duplicates[id]?.1, id)
        }
        // Each kept document carries its cluster's size when it has duplicates.
        var sizes: [String: Int] = [:]
        for (_, duplicate) in corpus.duplicates { sizes[duplicate.1, default: 1] += 1 }
        XCTAssertGreaterThan(sizes.values.max() ?? 0, 2, "the corpus has a cluster of three or more")
        for document in try Fixtures.objects(Fixtures.contents(dir.file("out.jsonl"))) {
            let metadata = document["metadata"] as? [String: Any] ?? [:]
            XCTAssertEqual(metadata["dedup_cluster_size"] as? Int, sizes[document["id"] as! String], "\(document["id"]!)")
        }
        // The same bytes with one thread.
        _ = try sieve(["dedup", dir.file("in"), "-o", dir.file("one.jsonl"), "--threads", "1"])
        XCTAssertEqual(try Fixtures.contents(dir.file("one.jsonl")), try Fixtures.contents(dir.file("out.jsonl")))
        // Exact only: the near copies stay.
        _ = try sieve(["dedup", "--exact", dir.file("in"), "-o", dir.file("exact.jsonl")])
        XCTAssertEqual(try ids(dir.file("exact.jsonl")), all.filter { corpus.duplicates[$0]?.0 != "dedup:exact" })
    }

    /// 1, 2, 4 and 7 tasks through the four sharded passes keep exactly what the online
    /// mode keeps, byte for byte, and drop the same documents with the same reasons; with
    /// and without verification of candidates. With 2 and 7 tasks the clusters pass runs
    /// round by round, task by task, as `sieve run --tasks` and Slurm run it.
    func testShardedPassesEqualOnlineForAnyTaskCount() throws {
        for tasks in [1, 2, 4, 7] { try checkShardedEqualsOnline(extra: [], tasks: tasks, byRound: tasks % 2 == 1 || tasks == 2) }
    }

    func testShardedPassesWithVerificationEqualOnline() throws {
        try checkShardedEqualsOnline(extra: ["--verify", "--threshold", "0.9"], tasks: 4, byRound: false)
    }

    func checkShardedEqualsOnline(extra: [String], tasks count: Int, byRound: Bool) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try Self.write(Self.corpus(), to: dir)
        let input = dir.file("in")
        let online = try sieve(["dedup", input, "-o", dir.file("online.jsonl"), "--rejected", dir.file("online-rejected.jsonl")] + extra)
        let work = dir.file("work")
        let unitBytes = ["--unit-bytes", "30000"]
        let tasks = ["--task-count", "\(count)"]
        for task in 0..<count {
            _ = try sieve(["dedup", "signatures", input, "--work", work, "--task-index", "\(task)"] + tasks + unitBytes + extra)
        }
        let again = try sieve(["dedup", "signatures", input, "--work", work, "--task-index", "0"] + tasks + unitBytes + extra)
        XCTAssertTrue(again.stderr.contains("already done"), again.stderr)
        var verified = 0
        for task in 0..<count {
            let result = try sieve(["dedup", "buckets", "--work", work, "--task-index", "\(task)"] + tasks)
            if let range = result.stderr.range(of: " candidate pairs verified") {
                verified += Int(result.stderr[..<range.lowerBound].split(separator: " ").last!)!
            }
        }
        if byRound {
            var round = 1
            while !FileManager.default.fileExists(atPath: work + "/components/skip/round-\(round)") {
                XCTAssertLessThan(round, 40)
                for task in 0..<count {
                    _ = try sieve(["dedup", "clusters", "--work", work, "--round", "\(round)", "--task-index", "\(task)"] + tasks)
                }
                round += 1
            }
            let idle = try sieve(["dedup", "clusters", "--work", work, "--round", "\(round)", "--task-index", "0"] + tasks)
            XCTAssertTrue(idle.stderr.contains("nothing to do"), idle.stderr)
        } else {
            _ = try sieve(["dedup", "clusters", "--work", work, "--bucket-tasks", "\(count)"])
        }
        var kept: [UInt8] = []
        var rejected: [UInt8] = []
        for task in 0..<count {
            _ = try sieve(["dedup", "filter", input, "--work", work, "--task-index", "\(task)"] + tasks
                           + ["-o", dir.file("out-\(task).jsonl"), "--rejected", dir.file("rejected-\(task).jsonl")] + unitBytes)
            kept += try Fixtures.contents(dir.file("out-\(task).jsonl"))
            rejected += try Fixtures.contents(dir.file("rejected-\(task).jsonl"))
        }
        XCTAssertFalse(try Fixtures.contents(dir.file("out-\(count - 1).jsonl")).isEmpty, "every task has documents")
        XCTAssertEqual(kept, try Fixtures.contents(dir.file("online.jsonl")))
        XCTAssertEqual(rejected, try Fixtures.contents(dir.file("online-rejected.jsonl")))
        if extra.contains("--verify") {
            // The near copies (Jaccard about 0.87) fall below 0.9 and stay.
            XCTAssertGreaterThan(verified, 0)
            XCTAssertTrue(online.stderr.contains("verified \(verified) candidate pairs"), online.stderr)
            XCTAssertEqual(try Fixtures.objects(Fixtures.contents(dir.file("online-rejected.jsonl"))).filter {
                ($0["id"] as! String).hasSuffix("-near")
            }.count, 0)
        }
        // A filter task given other inputs than the signatures pass refuses to run.
        let wrong = try Command.run(Command.sieve, ["dedup", "filter", input, "--work", work, "--task-index", "0",
                                                    "--task-count", "\(count)", "-o", dir.file("x.jsonl"), "--no-progress"])
        XCTAssertEqual(wrong.status, 2, wrong.stderr)
    }
}

/// The dedup stage of `sieve run`: the same decisions as `sieve dedup`, resumable.
final class DedupStageRunTests: XCTestCase {
    /// DedupCommandTests' corpus (known exact and near duplicates, a malformed line,
    /// invalid UTF-8) in a documents pipeline cut into about eight work units.
    static func pipeline(_ dir: TemporaryDirectory) throws -> String {
        _ = try DedupCommandTests.write(DedupCommandTests.corpus(), to: dir)
        return try dir.write("pipeline.toml", """
            [input]
            paths = ["in"]
            split_bytes = 30000
            [output]
            dir = "out"
            kind = "documents"
            rejected = true
            [run]
            batch_bytes = 20000
            [[stage]]
            type = "dedup"
            """)
    }

    func testPipelineStageKeepsWhatTheCommandKeepsAndResumesToTheSameBytes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let corpus = DedupCommandTests.corpus()
        let config = try Self.pipeline(dir)
        let run = try Command.run(Command.sieve, ["run", config, "--no-progress", "--threads", "2"])
        XCTAssertEqual(run.status, 0, run.stderr)
        func files(_ folder: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: dir.file("out/\(folder)")).filter { !$0.hasPrefix(".") }.sorted()
        }
        func ids(_ folder: String) throws -> [String] {
            try files(folder).flatMap { try Fixtures.objects(Fixtures.contents(dir.file("out/\(folder)/\($0)"))).map { $0["id"] as! String } }
        }
        XCTAssertGreaterThan(try files("documents").count, 3, "several work units")
        XCTAssertEqual(try ids("documents"), DedupCommandTests.inputIDs(corpus).filter { corpus.duplicates[$0] == nil })
        XCTAssertEqual(Set(try ids("rejected")), Set(corpus.duplicates.keys))
        // The manifest counts the clusters of two or more by size and language (here und).
        var sizes: [String: Int] = [:]
        for (_, duplicate) in corpus.duplicates { sizes[duplicate.1, default: 1] += 1 }
        var expected: [Int: Int] = [:]
        for size in sizes.values { expected[Int.bitWidth - (size - 1).leadingZeroBitCount - 1, default: 0] += 1 }
        let rows = try Manifest(readingFrom: dir.file("out/manifest.sqlite")).query("""
            SELECT bin, sum(count) FROM histograms WHERE stage = 'dedup' AND name = 'cluster_size' AND language = 'und' GROUP BY 1
            """).rows
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: rows.map { (Int($0[0].int!), Int($0[1].int!)) }), expected)
        XCTAssertGreaterThan(expected.count, 1, "pairs and larger clusters")

        // A lost unit output is redone; the first pass sees every unit again, so the
        // decisions and the bytes are the same.
        let before = try files("documents").map { try Fixtures.contents(dir.file("out/documents/\($0)")) }
        try FileManager.default.removeItem(atPath: dir.file("out/documents/" + files("documents")[1]))
        let again = try Command.run(Command.sieve, ["run", config, "--no-progress", "--threads", "1"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try files("documents").map { try Fixtures.contents(dir.file("out/documents/\($0)")) }, before)

        // A task of several cannot see every document: without the sharded passes'
        // duplicates it is refused, pointing to them (ScaleTests runs them).
        let tasks = try Command.run(Command.sieve, ["run", config, "--no-progress", "--task-index", "0", "--task-count", "2",
                                                    "--output", dir.file("tasks")])
        XCTAssertNotEqual(tasks.status, 0)
        XCTAssertTrue(tasks.stderr.contains("task 0 has no signatures") && tasks.stderr.contains("--pass signatures"), tasks.stderr)
    }
}

/// Damaged or missing files between the sharded passes, and input that cannot be read
/// twice: each refused with a message that names the problem, never a crash or a
/// silently smaller output.
final class DedupDamageTests: XCTestCase {
    func testDamagedWorkFilesAndUnfinishedPassesAreRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try DedupCommandTests.write(DedupCommandTests.corpus(), to: dir)
        let input = dir.file("in"), work = dir.file("work")
        func sieve(_ arguments: [String]) throws -> Command.Result { try Command.run(Command.sieve, arguments) }

        // Standard input cannot be read twice.
        let stdin = try sieve(["dedup", "-", "-o", dir.file("x.jsonl"), "--no-progress"])
        XCTAssertEqual(stdin.status, 2, stdin.stderr)
        XCTAssertTrue(stdin.stderr.contains("reads its input twice"), stdin.stderr)

        // Pass 2 before pass 1 has finished on every task: names the missing task.
        for task in [0, 2] {
            XCTAssertEqual(try sieve(["dedup", "signatures", input, "--work", work, "--task-index", "\(task)",
                                      "--task-count", "3", "--no-progress"]).status, 0)
        }
        let early = try sieve(["dedup", "buckets", "--work", work, "--task-index", "0", "--task-count", "2"])
        XCTAssertEqual(early.status, 1, early.stderr)
        XCTAssertTrue(early.stderr.contains("signatures pass not finished: task 1 of 3 missing"), early.stderr)
        XCTAssertEqual(try sieve(["dedup", "signatures", input, "--work", work, "--task-index", "1",
                                  "--task-count", "3", "--no-progress"]).status, 0)

        // A band file cut short (a torn copy): refused, naming the file.
        let band = work + "/signatures/task-00001/band-3.bin"
        let bytes = try Fixtures.contents(band)
        try Data(bytes.prefix(bytes.count - 5)).write(to: URL(fileURLWithPath: band))
        let torn = try sieve(["dedup", "buckets", "--work", work, "--task-index", "0", "--task-count", "2"])
        XCTAssertEqual(torn.status, 1, torn.stderr)
        XCTAssertTrue(torn.stderr.contains("band-3.bin"), torn.stderr)
        // Not a record file at all.
        try Data("not records".utf8).write(to: URL(fileURLWithPath: band))
        let garbage = try sieve(["dedup", "buckets", "--work", work, "--task-index", "0", "--task-count", "2"])
        XCTAssertEqual(garbage.status, 1, garbage.stderr)
        XCTAssertTrue(garbage.stderr.contains("not a sieve dedup record file"), garbage.stderr)

        // Pass 3 and 4 before pass 2 / 3: refused.
        let clusters = try sieve(["dedup", "clusters", "--work", work, "--bucket-tasks", "2"])
        XCTAssertEqual(clusters.status, 1, clusters.stderr)
        XCTAssertTrue(clusters.stderr.contains("buckets pass not finished"), clusters.stderr)
        let filter = try sieve(["dedup", "filter", input, "--work", work, "--task-index", "0", "--task-count", "3",
                                "-o", dir.file("out.jsonl"), "--no-progress"])
        XCTAssertEqual(filter.status, 1, filter.stderr)
        XCTAssertTrue(filter.stderr.contains("clusters pass not finished"), filter.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out.jsonl")), "no partial output")
    }

    /// A damaged answer file of the last clusters round: the documents pass refuses, naming
    /// the round and the task that wrote it, and writes nothing. New signatures clear what
    /// the later passes found from the old ones.
    func testDamagedLastRoundIsRefusedAndNewSignaturesClearStaleResults() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try DedupCommandTests.write(DedupCommandTests.corpus(), to: dir)
        let input = dir.file("in"), work = dir.file("work")
        func sieve(_ arguments: [String]) throws -> Command.Result { try Command.run(Command.sieve, arguments) }
        for task in 0..<2 {
            XCTAssertEqual(try sieve(["dedup", "signatures", input, "--work", work, "--task-index", "\(task)", "--task-count", "2",
                                      "--no-progress"]).status, 0)
        }
        for task in 0..<2 {
            XCTAssertEqual(try sieve(["dedup", "buckets", "--work", work, "--task-index", "\(task)", "--task-count", "2"]).status, 0)
        }
        let clusters = try sieve(["dedup", "clusters", "--work", work, "--bucket-tasks", "2"])
        XCTAssertEqual(clusters.status, 0, clusters.stderr)
        let converged = try JSONSerialization.jsonObject(with: Data(Fixtures.contents(work + "/components/converged.json"))) as! [String: Any]
        let round = converged["round"] as! Int
        let members = work + "/components/round-" + String(format: "%04d", round) + "/members-00001.bin"
        let bytes = try Fixtures.contents(members)
        XCTAssertGreaterThan(bytes.count, 24 + 24, "task 1 has members")
        try Data(bytes.dropLast(8)).write(to: URL(fileURLWithPath: members))
        let filter = try sieve(["dedup", "filter", input, "--work", work, "--task-index", "0", "--task-count", "2",
                                "-o", dir.file("out.jsonl"), "--no-progress"])
        XCTAssertEqual(filter.status, 1, filter.stderr)
        XCTAssertTrue(filter.stderr.contains("round \(round), task 1"), filter.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out.jsonl")), "no partial output")

        // Task 0's signatures again, with other settings: the buckets and rounds go.
        XCTAssertEqual(try sieve(["dedup", "signatures", input, "--work", work, "--task-index", "0", "--task-count", "2",
                                  "--exact", "--no-progress"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/components"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/buckets"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: work + "/signatures/task-00001/done.json"))
    }
}
