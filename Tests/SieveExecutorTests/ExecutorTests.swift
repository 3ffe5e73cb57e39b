import Foundation
import SieveExecutor
import SieveTestSupport
import XCTest

/// The pass table and the executors, with a stand-in program in place of `sieve`: what an
/// executor runs, in which order, and what it does when a task fails.
final class ExecutorTests: XCTestCase {
    func testPassTableWithAndWithoutDedup() {
        let run = ["run", "/p.toml", "--output", "/out"]
        let plan = PassPlan(runArguments: run, output: "/out", tasks: 3, dedup: true)
        XCTAssertEqual(plan.passes.map(\.name), ["signatures", "buckets", "clusters", "documents", "merge", "report"])
        XCTAssertEqual(plan.passes.map(\.tasks), [3, 3, 3, 3, 1, 1])
        // The clusters pass is a pass of rounds: one step each, skipped once the clusters are found.
        let steps = plan.steps
        XCTAssertEqual(steps.count, 5 + PassPlan.clusterRounds)
        XCTAssertEqual(steps[3].name, "clusters-2")
        XCTAssertEqual(steps[3].arguments(task: 1, threads: 1),
                       ["dedup", "clusters", "--work", "/out/.sieve/dedup", "--round", "2", "--task-index", "1", "--task-count", "3",
                        "--max-rounds", String(PassPlan.clusterRounds)])
        XCTAssertEqual(steps[3].skipWhen, "/out/.sieve/dedup/components/skip/round-2")
        XCTAssertEqual(plan.passes[1].arguments(task: 2, threads: 4),
                       ["dedup", "buckets", "--work", "/out/.sieve/dedup", "--task-index", "2", "--task-count", "3"])
        XCTAssertEqual(plan.passes[3].arguments(task: 1, threads: 4),
                       run + ["--task-index", "1", "--task-count", "3", "--threads", "4", "--no-progress"])
        XCTAssertEqual(plan.passes[4].arguments(task: 0, threads: 1),
                       ["manifest", "merge", "--replace", "/out/manifest.sqlite", "/out/manifest-task-0-of-3.sqlite",
                        "/out/manifest-task-1-of-3.sqlite", "/out/manifest-task-2-of-3.sqlite"])
        XCTAssertEqual(PassPlan(runArguments: run, output: "/out", tasks: 3, dedup: false).passes.map(\.name),
                       ["documents", "merge", "report"])
        XCTAssertEqual(PassPlan(runArguments: run, output: "/out", tasks: 1, dedup: true).passes.map(\.name), ["documents"])
    }

    /// A program that appends its arguments to a file, and fails for `fail`; its clusters
    /// rounds find the answer in round 2, and say so as `sieve dedup clusters` does.
    func standIn(_ dir: TemporaryDirectory) throws -> String {
        let skip = dir.file("out/.sieve/dedup/components/skip")
        let path = try dir.write("stand-in.sh", """
            #!/bin/sh
            echo "$*" >> \(dir.file("calls.txt"))
            case "$*" in *fail*) echo "task failed on purpose" >&2; exit 3;; esac
            case "$*" in *"--round 2 "*) mkdir -p \(skip); for r in $(seq 3 \(PassPlan.clusterRounds)); do touch \(skip)/round-$r; done;; esac
            """)
        chmod(path, 0o755)
        return path
    }

    func testLocalExecutorRunsEveryTaskOfAPassBeforeTheNext() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let plan = PassPlan(runArguments: ["run", "p.toml"], output: dir.file("out"), tasks: 3, dedup: true)
        try LocalExecutor(executable: try standIn(dir), parallel: 2, threadsPerTask: 1).run(plan)
        let calls = String(decoding: try Fixtures.contents(dir.file("calls.txt")), as: UTF8.self).split(separator: "\n")
        let passOf: (Substring) -> String = { call in
            call.contains("--pass signatures") ? "signatures" : call.hasPrefix("dedup buckets") ? "buckets"
                : call.hasPrefix("dedup clusters") ? "clusters" : call.hasPrefix("run") ? "documents"
                : call.hasPrefix("manifest") ? "merge" : "report"
        }
        // Each pass's tasks, in any order among themselves, all before the next pass.
        XCTAssertEqual(calls.map(passOf), ["signatures", "signatures", "signatures", "buckets", "buckets", "buckets",
                                           "clusters", "clusters", "clusters", "clusters", "clusters", "clusters",
                                           "documents", "documents", "documents", "merge", "report"])
        XCTAssertEqual(Set(calls.prefix(3).map { $0.split(separator: " ").drop { $0 != "--task-index" }.dropFirst().first! }),
                       ["0", "1", "2"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: LocalExecutor.logPath(output: plan.output, pass: "buckets", task: 2)))
    }

    func testAFailedTaskStopsTheRunAndNamesItsLog() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let plan = PassPlan(runArguments: ["run", "fail.toml"], output: dir.file("out"), tasks: 2, dedup: false)
        XCTAssertThrowsError(try LocalExecutor(executable: try standIn(dir), parallel: 2, threadsPerTask: 1).run(plan)) { error in
            let log = LocalExecutor.logPath(output: plan.output, pass: "documents", task: 0)
            XCTAssertEqual("\(error)", "pass documents: task 0 exited with 3 (\(log): task failed on purpose); "
                           + "task 1 exited with 3 (\(LocalExecutor.logPath(output: plan.output, pass: "documents", task: 1)): task failed on purpose)")
        }
        // The passes after the failed one never ran.
        let calls = String(decoding: try Fixtures.contents(dir.file("calls.txt")), as: UTF8.self)
        XCTAssertFalse(calls.contains("manifest merge"), calls)
    }

    func testSlurmScriptRunsTheTaskOfItsArrayIndex() throws {
        let plan = PassPlan(runArguments: ["run", "/p.toml"], output: "/out", tasks: 4, dedup: false)
        var settings = SlurmExecutor.Settings()
        settings.partition = "cpu"
        settings.time = "1:00:00"
        let script = SlurmExecutor(output: "/out").script(plan.passes[0], plan: plan, executable: "/bin/sieve", settings: settings)
        XCTAssertTrue(script.contains("#SBATCH --partition=cpu\n#SBATCH --time=1:00:00\n"), script)
        XCTAssertTrue(script.contains("task=$(( ${SIEVE_TASK_OFFSET:-0} + ${SLURM_ARRAY_TASK_ID:-0} ))"), script)
        XCTAssertTrue(script.contains("'/bin/sieve' 'run' '/p.toml' '--task-index' \"$task\" '--task-count' '4' '--threads' \"$threads\""), script)
    }
}
