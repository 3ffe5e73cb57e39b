import Foundation
import SieveExecutor
import SieveShards
import SieveTestSupport
import XCTest

/// A pipeline with a dedup stage run as N tasks, by `sieve run --tasks` or by
/// `sieve slurm`, keeps exactly what one task keeps: the same documents in the same
/// order, the same drops, the same merged manifest totals.
final class ScaleTests: XCTestCase {
    static func sieve(_ arguments: [String]) throws -> Command.Result { try Command.run(Command.sieve, arguments) }

    /// The decompressed files of `out/folder`, concatenated in name order.
    static func concatenated(_ out: String, _ folder: String) throws -> [UInt8] {
        let dir = out + "/" + folder
        return try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") }.sorted()
            .flatMap { try Fixtures.contents(dir + "/" + $0) }
    }

    /// What the manifest says happened, summed over tasks.
    static func totals(_ manifest: String) throws -> String {
        let queries = [
            "SELECT stage, rule, language, sum(documents) FROM rejections GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            "SELECT stage, sum(documents_in), sum(documents_out), sum(bytes_in), sum(bytes_out) FROM stages GROUP BY 1 ORDER BY 1",
            "SELECT sum(documents_read), sum(documents_failed) FROM inputs WHERE status = 'done'",
            "SELECT stage, name, language, bin, sum(count) FROM histograms GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
        ]
        return try queries.map { query in
            let result = try sieve(["manifest", "query", manifest, query])
            XCTAssertEqual(result.status, 0, result.stderr)
            return result.stdout
        }.joined()
    }

    /// Documents, rejected documents and manifest totals are those of one task.
    static func assertSameOutput(_ out: String, as one: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let documents = try concatenated(one, "documents")
        XCTAssertGreaterThan(documents.count, 100_000, file: file, line: line)
        XCTAssertEqual(try concatenated(out, "documents"), documents, "kept documents", file: file, line: line)
        XCTAssertEqual(try concatenated(out, "rejected"), try concatenated(one, "rejected"), "rejected documents", file: file, line: line)
        let totals = try totals(one + "/manifest.sqlite")
        XCTAssertTrue(totals.contains("exact") && totals.contains("minhash") && totals.contains("cluster_size"), totals,
                      file: file, line: line)
        XCTAssertEqual(try Self.totals(out + "/manifest.sqlite"), totals, file: file, line: line)
    }

    static func report(_ out: String, task: Int, of count: Int) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(Fixtures.contents("\(out)/report-task-\(task)-of-\(count).json"))) as! [String: Any]
    }

    func testLocalTasksKeepWhatOneTaskKeepsAndOnlyAFailedTaskIsRedone() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = try DedupStageRunTests.pipeline(dir)
        let one = try Self.sieve(["run", config, "--output", dir.file("one"), "--no-progress"])
        XCTAssertEqual(one.status, 0, one.stderr)

        // The pipeline with a tokenize stage after dedup, which the first pass does not
        // build, run as 2 tasks into OUT.
        func withTokenizer(_ tokenizer: String, into out: String) throws -> Command.Result {
            let toml = try dir.write("\(out).toml", String(decoding: try Fixtures.contents(config), as: UTF8.self)
                                     + "\n[[stage]]\ntype = \"tokenize\"\ntokenizer = \"\(tokenizer)\"\n")
            return try Self.sieve(["run", toml, "--output", dir.file(out), "--tasks", "2", "--threads", "1"])
        }
        // A missing tokenizer.json: the run stops with the setting's error before any pass
        // starts.
        let refused = try withTokenizer("missing-tokenizer.json", into: "broken")
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("missing-tokenizer.json"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("broken/.sieve/logs/signatures-00000.log")), refused.stderr)

        // A tokenizer.json that is there but broken is found while the first pass runs
        // (this process builds the stages after dedup beside it): the run stops with its
        // error, and the documents pass never starts.
        let damaged = try dir.write("damaged-tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [")
        let stopped = try withTokenizer(damaged, into: "damaged")
        XCTAssertEqual(stopped.status, 2, stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("damaged-tokenizer.json"), stopped.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("damaged/.sieve/logs/documents-00000.log")), stopped.stderr)

        // Task 1's manifest path is taken by a folder: its documents pass fails, the other
        // tasks finish, and the merge pass does not start.
        let three = dir.file("three")
        try FileManager.default.createDirectory(atPath: three + "/manifest-task-1-of-3.sqlite", withIntermediateDirectories: true)
        let failed = try Self.sieve(["run", config, "--output", three, "--tasks", "3", "--parallel", "2", "--threads", "1"])
        XCTAssertEqual(failed.status, 1, failed.stderr)
        XCTAssertTrue(failed.stderr.contains("pass documents: task 1 exited with 1"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("documents-00001.log"), failed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: three + "/manifest.sqlite"))

        // The merge pass alone refuses while a task's manifest is missing, naming it.
        try FileManager.default.removeItem(atPath: three + "/manifest-task-1-of-3.sqlite")
        let manifests = (0..<3).map { "\(three)/manifest-task-\($0)-of-3.sqlite" }
        let merge = try Self.sieve(["manifest", "merge", "--replace", three + "/manifest.sqlite"] + manifests)
        XCTAssertEqual(merge.status, 1, merge.stderr)
        XCTAssertTrue(merge.stderr.contains("manifest-task-1-of-3.sqlite is missing"), merge.stderr)

        // Run again: the finished tasks skip their work units; task 1 does its own.
        let again = try Self.sieve(["run", config, "--output", three, "--tasks", "3", "--parallel", "2", "--threads", "1"])
        XCTAssertEqual(again.status, 0, again.stderr)
        for task in [0, 2] {
            let report = try Self.report(three, task: task, of: 3)
            XCTAssertEqual(report["units_resumed"] as? Int, report["units"] as? Int, "task \(task) redid nothing")
            XCTAssertGreaterThan(report["units"] as! Int, 1)
        }
        XCTAssertEqual(try Self.report(three, task: 1, of: 3)["units_resumed"] as? Int, 0)
        // Its documents pass read what its signatures pass spilled, every unit of it.
        XCTAssertEqual(try Self.report(three, task: 1, of: 3)["units_from_spill"] as? Int,
                       try Self.report(three, task: 1, of: 3)["units"] as? Int)
        XCTAssertFalse(FileManager.default.fileExists(atPath: three + "/.sieve/spill"), "deleted as each task completes")
        try Self.assertSameOutput(three, as: dir.file("one"))
        // The report page of the run as tasks shows the clusters all tasks kept, as one task's does.
        func clusterSection(_ out: String) throws -> String {
            let page = String(decoding: try Fixtures.contents(out + "/report.html"), as: UTF8.self)
            let start = try XCTUnwrap(page.range(of: "<h3>Cluster sizes</h3>"))
            return String(page[start.lowerBound...].prefix(600))
        }
        XCTAssertEqual(try clusterSection(three), try clusterSection(dir.file("one")))
    }

    /// A `documents` task only describes the stages before dedup, whose work its units'
    /// spill files hold; for a unit whose spill file is gone it builds them and reads the
    /// unit from its inputs, and the outputs are still one task's.
    func testADocumentsTaskBuildsTheStagesBeforeDedupForAUnitWithoutItsSpill() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let dedup = String(decoding: try Fixtures.contents(try DedupStageRunTests.pipeline(dir)), as: UTF8.self)
        XCTAssertTrue(dedup.contains("[[stage]]\ntype = \"dedup\""))
        let config = try dir.write("langid.toml", dedup.replacingOccurrences(
            of: "[[stage]]\ntype = \"dedup\"",
            with: "[[stage]]\ntype = \"langid\"\nmodel = \"\(MixCommandTests.repository)/languages/langid.model\"\n[[stage]]\ntype = \"dedup\""))
        let one = try Self.sieve(["run", config, "--output", dir.file("one"), "--no-progress"])
        XCTAssertEqual(one.status, 0, one.stderr)

        let out = dir.file("two")
        let plan = PassPlan(runArguments: ["run", config, "--output", out], output: out, tasks: 2, dedup: true, clusterRounds: 8)
        for pass in plan.steps where !pass.skippable {
            if pass.name == "documents" {
                // Task 1's last unit loses its spill file.
                let spill = out + "/.sieve/spill"
                let files = try FileManager.default.contentsOfDirectory(atPath: spill).filter { $0.hasSuffix(".spill") }.sorted()
                XCTAssertGreaterThan(files.count, 3)
                try FileManager.default.removeItem(atPath: spill + "/" + files.last!)
            }
            for task in 0..<pass.tasks {
                let result = try Self.sieve(pass.arguments(task: task, threads: 1))
                XCTAssertEqual(result.status, 0, "\(pass.name) \(task): \(result.stderr)")
            }
        }
        let zero = try Self.report(out, task: 0, of: 2), first = try Self.report(out, task: 1, of: 2)
        XCTAssertEqual(zero["units_from_spill"] as? Int, zero["units"] as? Int)
        XCTAssertEqual(first["units_from_spill"] as? Int, (first["units"] as! Int) - 1)
        try Self.assertSameOutput(out, as: dir.file("one"))
        let languages = "SELECT count(*) FROM languages"
        XCTAssertEqual(try Self.sieve(["manifest", "query", out + "/manifest.sqlite", languages]).stdout,
                       try Self.sieve(["manifest", "query", dir.file("one/manifest.sqlite"), languages]).stdout)
    }

    /// The batch scripts `sieve slurm submit` writes, run one task at a time by bash as
    /// Slurm would run them (no Slurm needed), do the whole job.
    func testSlurmScriptsDoTheJobRunByHand() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = try DedupStageRunTests.pipeline(dir)
        let out = dir.file("slurm")
        let submit = try Self.sieve(["slurm", "submit", config, "--output", out, "--tasks", "3", "--partition", "cpu",
                                     "--cpus-per-task", "2", "--mem", "4G", "--time", "1:00:00", "--max-parallel", "2", "--dry-run"])
        XCTAssertEqual(submit.status, 0, submit.stderr)
        let state = out + "/.sieve/slurm"
        let lines = submit.stdout.split(separator: "\n").map(String.init)
        let rounds = PassPlan.clusterRounds
        XCTAssertEqual(lines, [
            "'sbatch' '--parsable' '--array=0-2%2' '--output=\(state)/logs/signatures-%a.log' '\(state)/signatures.sbatch'",
            "'sbatch' '--parsable' '--array=0-2%2' '--dependency=afterok:$SIGNATURES_JOB' '--output=\(state)/logs/buckets-%a.log' '\(state)/buckets.sbatch'",
        ] + (1...rounds).map { round in
            "'sbatch' '--parsable' '--array=0-2%2' '--dependency=afterok:$\(round == 1 ? "BUCKETS" : "CLUSTERS-\(round - 1)")_JOB' '--output=\(state)/logs/clusters-\(round)-%a.log' '\(state)/clusters-\(round).sbatch'"
        } + [
            "'sbatch' '--parsable' '--array=0-2%2' '--dependency=afterok:$CLUSTERS-\(rounds)_JOB' '--output=\(state)/logs/documents-%a.log' '\(state)/documents.sbatch'",
            "'sbatch' '--parsable' '--array=0%2' '--dependency=afterok:$DOCUMENTS_JOB' '--output=\(state)/logs/merge-%a.log' '\(state)/merge.sbatch'",
            "'sbatch' '--parsable' '--array=0%2' '--dependency=afterok:$MERGE_JOB' '--output=\(state)/logs/report-%a.log' '\(state)/report.sbatch'",
        ])
        XCTAssertFalse(FileManager.default.fileExists(atPath: state + "/state.json"), "a dry run submits nothing")
        // Passes of more tasks than the cluster's MaxArraySize go as several arrays, the
        // later ones offset; the next pass waits for all of them.
        let split = dir.file("split")
        let small = try Self.sieve(["slurm", "submit", config, "--output", split, "--tasks", "3", "--max-array-size", "2", "--dry-run"])
        XCTAssertEqual(small.status, 0, small.stderr)
        let splitState = split + "/.sieve/slurm"
        XCTAssertEqual(Array(small.stdout.split(separator: "\n").map(String.init).prefix(3)), [
            "'sbatch' '--parsable' '--array=0-1' '--output=\(splitState)/logs/signatures-%a.log' '\(splitState)/signatures.sbatch'",
            "'sbatch' '--parsable' '--array=0' '--export=ALL,SIEVE_TASK_OFFSET=2' '--output=\(splitState)/logs/signatures-2+%a.log' '\(splitState)/signatures.sbatch'",
            "'sbatch' '--parsable' '--array=0-1' '--dependency=afterok:$SIGNATURES_JOB_0:$SIGNATURES_JOB_1' '--output=\(splitState)/logs/buckets-%a.log' '\(splitState)/buckets.sbatch'",
        ])
        let offset = try Command.run("/usr/bin/env", ["SIEVE_TASK_OFFSET=2", "SLURM_ARRAY_TASK_ID=0", "/bin/bash", "-c",
                                                      "grep '^task=' \(splitState)/signatures.sbatch > \(dir.file("t.sh")); echo 'echo $task' >> \(dir.file("t.sh")); bash \(dir.file("t.sh"))"])
        XCTAssertEqual(offset.stdout, "2\n", offset.stderr)
        let script = String(decoding: try Fixtures.contents(state + "/documents.sbatch"), as: UTF8.self)
        for directive in ["#SBATCH --partition=cpu", "#SBATCH --cpus-per-task=2", "#SBATCH --mem=4G", "#SBATCH --time=1:00:00"] {
            XCTAssertTrue(script.contains(directive + "\n"), script)
        }
        XCTAssertTrue(script.contains("'--task-index' \"$task\" '--task-count' '3' '--threads' \"$threads\""), script)

        func runScript(_ pass: String, task: Int) throws -> Command.Result {
            try Command.run("/usr/bin/env", ["SLURM_ARRAY_TASK_ID=\(task)", "SLURM_CPUS_PER_TASK=1", "/bin/bash", "\(state)/\(pass).sbatch"])
        }
        for task in [0, 2] { XCTAssertEqual(try runScript("signatures", task: task).status, 0) }
        // A pass whose inputs are incomplete refuses to start and names the missing task.
        let early = try runScript("buckets", task: 0)
        XCTAssertNotEqual(early.status, 0)
        XCTAssertTrue(early.stderr.contains("signatures pass not finished: task 1 of 3 missing"), early.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: state + "/done/buckets-0"))

        let clusters = (1...rounds).map { ("clusters-\($0)", [0, 1, 2]) }
        for (pass, tasks) in [("signatures", [1]), ("buckets", [0, 1, 2])] + clusters + [("documents", [0, 1, 2]), ("merge", [0]), ("report", [0])] {
            for task in tasks {
                let result = try runScript(pass, task: task)
                XCTAssertEqual(result.status, 0, "\(pass) \(task): \(result.stderr)")
                XCTAssertTrue(FileManager.default.fileExists(atPath: "\(state)/done/\(pass)-\(task)"))
            }
        }
        let one = try Self.sieve(["run", config, "--output", dir.file("one"), "--no-progress"])
        XCTAssertEqual(one.status, 0, one.stderr)
        try Self.assertSameOutput(out, as: dir.file("one"))
    }

    /// A real single-node Slurm from Debian's packages (scripts/slurm-local.sh), started
    /// and stopped by this test: the example pipeline as 4 tasks equals one local task; a
    /// task cancelled before it ran, and one killed mid-way, are resubmitted alone.
    func testRealSlurm() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/slurmctld"), getuid() == 0 else {
            throw XCTSkip("needs root and Debian's slurmctld, slurmd, slurm-client and munge (.ci/run installs them)")
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let repository = MixCommandTests.repository
        let cluster = dir.file("cluster")
        let start = try Command.run("/bin/bash", [repository + "/scripts/slurm-local.sh", "start", cluster])
        XCTAssertEqual(start.status, 0, start.stderr)
        defer { _ = try? Command.run("/bin/bash", [repository + "/scripts/slurm-local.sh", "stop", cluster]) }
        setenv("SLURM_CONF", start.stdout.trimmingCharacters(in: .whitespacesAndNewlines), 1)
        defer { unsetenv("SLURM_CONF") }

        // The example pipeline (language ID, filters, dedup, tokenizer, shards) as 4 tasks.
        let example = repository + "/examples/pipeline.toml"
        let out = dir.file("example-4")
        let submit = try Self.sieve(["slurm", "submit", example, "--tasks", "4", "--output", out])
        XCTAssertEqual(submit.status, 0, submit.stderr)
        let status = try Self.sieve(["slurm", "status", out, "--wait", "--timeout", "600"])
        XCTAssertEqual(status.status, 0, status.stdout + status.stderr)
        XCTAssertTrue(status.stdout.contains("documents: 4/4 done") && status.stdout.contains("report: 1/1 done"), status.stdout)
        // The rounds after the last are one line.
        XCTAssertTrue(status.stdout.contains(" … clusters-\(PassPlan.clusterRounds): skipped, an earlier round found the clusters\n"),
                      status.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/report.html"), "the last pass writes the report")
        let local = dir.file("example-1")
        let one = try Self.sieve(["run", example, "--output", local, "--no-progress"])
        XCTAssertEqual(one.status, 0, one.stderr)
        let byLanguage = "SELECT language, domain, sum(documents), sum(tokens) FROM shards GROUP BY 1, 2 ORDER BY 1, 2"
        XCTAssertEqual(try Self.sieve(["manifest", "query", out + "/manifest.sqlite", byLanguage]).stdout,
                       try Self.sieve(["manifest", "query", local + "/manifest.sqlite", byLanguage]).stdout)
        XCTAssertEqual(try Self.totals(out + "/manifest.sqlite"), try Self.totals(local + "/manifest.sqlite"))
        XCTAssertTrue(try Self.totals(local + "/manifest.sqlite").contains("minhash"), "the sample's near duplicates are dropped")

        // A task cancelled before it ran: the passes after it are cancelled too
        // (kill_invalid_depend); resume submits that task alone, then the later passes.
        let config = try DedupStageRunTests.pipeline(dir)
        let small = dir.file("small-3")
        XCTAssertEqual(try Command.run("/usr/bin/scontrol", ["update", "nodename=localhost", "state=drain", "reason=test"]).status, 0)
        // Few rounds: each is a job array, and this corpus's clusters need three.
        let held = try Self.sieve(["slurm", "submit", config, "--tasks", "3", "--output", small, "--max-rounds", "6"])
        XCTAssertEqual(held.status, 0, held.stderr)
        let job = try XCTUnwrap(held.stdout.split(separator: "\n").first { $0.hasPrefix("signatures: job ") }?
            .split(separator: " ")[2].trimmingCharacters(in: .punctuationCharacters))
        XCTAssertEqual(try Command.run("/usr/bin/scancel", ["\(job)_1"]).status, 0)
        XCTAssertEqual(try Command.run("/usr/bin/scontrol", ["update", "nodename=localhost", "state=resume"]).status, 0)
        let broken = try Self.sieve(["slurm", "status", small, "--wait", "--timeout", "600"])
        XCTAssertEqual(broken.status, 1, broken.stdout + broken.stderr)
        XCTAssertTrue(broken.stdout.contains("signatures: 2/3 done; missing: 1"), broken.stdout)
        let resume = try Self.sieve(["slurm", "resume", small])
        XCTAssertEqual(resume.status, 0, resume.stderr)
        let resubmitted = resume.stdout.split(separator: "\n").map { $0.split(separator: ",").last.map(String.init) ?? "" }
        XCTAssertEqual(resubmitted, [" tasks 1", " tasks 0-2"] + Array(repeating: " tasks 0-2", count: 6) + [" tasks 0-2", " tasks 0", " tasks 0"],
                       resume.stdout)
        let finished = try Self.sieve(["slurm", "status", small, "--wait", "--timeout", "600"])
        XCTAssertEqual(finished.status, 0, finished.stdout + finished.stderr)
        let reference = try Self.sieve(["run", config, "--output", dir.file("small-1"), "--no-progress"])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        try Self.assertSameOutput(small, as: dir.file("small-1"))

        // A task killed mid-way: task 1 of the documents pass is cancelled once its manifest
        // records a finished work unit. Resume runs it alone, then the merge.
        _ = try dir.write("mid/in/a.jsonl", Fixtures.jsonl(Fixtures.records(12000, seed: 1, prefix: "a")))
        _ = try dir.write("mid/in/b.jsonl", Fixtures.jsonl(Fixtures.records(12000, seed: 2, prefix: "b") + Fixtures.records(300, seed: 1, prefix: "a")))
        let mid = try dir.write("mid/pipeline.toml", """
            [input]
            paths = ["in"]
            split_bytes = 150000
            [output]
            dir = "out"
            kind = "documents"
            rejected = true
            [[stage]]
            type = "dedup"
            """)
        let midOut = dir.file("mid-2")
        let running = try Self.sieve(["slurm", "submit", mid, "--tasks", "2", "--output", midOut, "--max-rounds", "6"])
        XCTAssertEqual(running.status, 0, running.stderr)
        let documentsJob = try XCTUnwrap(running.stdout.split(separator: "\n").first { $0.hasPrefix("documents: job ") }?
            .split(separator: " ")[2].trimmingCharacters(in: .punctuationCharacters))
        let taskManifest = midOut + "/manifest-task-1-of-2.sqlite"
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline,
              ((try? Manifest(readingFrom: taskManifest).query("SELECT count(*) FROM units").rows[0][0].int) ?? 0) < 1 {
            usleep(2000)
        }
        XCTAssertEqual(try Command.run("/usr/bin/scancel", ["\(documentsJob)_1"]).status, 0)
        let killed = try Self.sieve(["slurm", "status", midOut, "--wait", "--timeout", "600"])
        XCTAssertEqual(killed.status, 1, killed.stdout + killed.stderr)
        XCTAssertTrue(killed.stdout.contains("documents: 1/2 done; missing: 1"), killed.stdout)
        XCTAssertEqual(try Manifest(readingFrom: taskManifest).query("SELECT status FROM runs ORDER BY run_id DESC LIMIT 1").rows,
                       [[.text("running")]], "the task was stopped mid-way")
        let again = try Self.sieve(["slurm", "resume", midOut])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stdout.split(separator: "\n").map { $0.split(separator: ":").first.map(String.init) ?? "" }, ["documents", "merge", "report"])
        XCTAssertTrue(again.stdout.hasSuffix(", tasks 0\n") && again.stdout.contains(", tasks 1\n"), again.stdout)
        let done = try Self.sieve(["slurm", "status", midOut, "--wait", "--timeout", "600"])
        XCTAssertEqual(done.status, 0, done.stdout + done.stderr)
        let midOne = try Self.sieve(["run", mid, "--output", dir.file("mid-1"), "--no-progress"])
        XCTAssertEqual(midOne.status, 0, midOne.stderr)
        try Self.assertSameOutput(midOut, as: dir.file("mid-1"))
    }
}
