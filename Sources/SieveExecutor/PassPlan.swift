import Foundation
import SieveFiles

/// The passes of a pipeline run as N tasks, in the order they must run: every task of a
/// pass must succeed before the next pass starts. Each pass is one `sieve` command run
/// once per task; executors (`LocalExecutor`, `SlurmExecutor`) only decide where.
///
/// A pipeline with a dedup stage, run as N > 1 tasks:
///
/// | pass | tasks | command |
/// |---|---|---|
/// | `signatures` | N | `sieve run P --pass signatures --task-index T --task-count N` |
/// | `buckets` | N | `sieve dedup buckets --work OUT/.sieve/dedup --task-index T --task-count N` |
/// | `clusters` | 1 | `sieve dedup clusters --work OUT/.sieve/dedup --bucket-tasks N` |
/// | `documents` | N | `sieve run P --task-index T --task-count N` |
/// | `merge` | 1 | `sieve manifest merge --replace OUT/manifest.sqlite OUT/manifest-task-*-of-N.sqlite` |
/// | `report` | 1 | `sieve report OUT/manifest.sqlite` (writes `OUT/report.html`) |
///
/// Without a dedup stage the first three are left out; with one task only `documents`
/// runs, and writes `manifest.sqlite` and `report.html` itself.
public struct PassPlan: Codable, Equatable, Sendable {
    /// Stands for the task's index in `Pass.arguments`.
    public static let task = "{task}"
    /// Stands for the task's thread count in `Pass.arguments`.
    public static let threads = "{threads}"

    public struct Pass: Codable, Equatable, Sendable {
        public var name: String
        public var tasks: Int
        /// Arguments after the `sieve` executable, with `PassPlan.task` and
        /// `PassPlan.threads` where the task's values go.
        public var arguments: [String]

        /// Task `task`'s arguments, with `threads` worker threads.
        public func arguments(task: Int, threads: Int) -> [String] {
            arguments.map {
                $0.replacingOccurrences(of: PassPlan.task, with: String(task))
                    .replacingOccurrences(of: PassPlan.threads, with: String(threads))
            }
        }
    }

    public var tasks: Int
    /// The pipeline's output directory (absolute).
    public var output: String
    public var passes: [Pass]

    /// - Parameters:
    ///   - runArguments: `run PIPELINE` and the options every `sieve run` task repeats
    ///     (`--input`, `--output`, `--tokenizer`), paths absolute.
    ///   - dedup: whether the pipeline has a dedup stage.
    public init(runArguments: [String], output: String, tasks: Int, dedup: Bool) {
        precondition(tasks >= 1)
        self.tasks = tasks
        self.output = output
        let layout = OutputLayout(output)
        let work = layout.dedup
        let task = ["--task-index", Self.task, "--task-count", String(tasks)]
        let run = runArguments + task + ["--threads", Self.threads, "--no-progress"]
        var passes: [Pass] = []
        if dedup && tasks > 1 {
            passes.append(Pass(name: "signatures", tasks: tasks, arguments: run + ["--pass", "signatures"]))
            passes.append(Pass(name: "buckets", tasks: tasks, arguments: ["dedup", "buckets", "--work", work] + task))
            passes.append(Pass(name: "clusters", tasks: 1, arguments: ["dedup", "clusters", "--work", work, "--bucket-tasks", String(tasks)]))
        }
        passes.append(Pass(name: "documents", tasks: tasks, arguments: run))
        if tasks > 1 {
            let manifests = (0..<tasks).map { layout.manifest(task: $0, of: tasks) }
            passes.append(Pass(name: "merge", tasks: 1, arguments: ["manifest", "merge", "--replace", layout.manifest] + manifests))
            passes.append(Pass(name: "report", tasks: 1, arguments: ["report", layout.manifest]))
        }
        self.passes = passes
    }
}
