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
/// | `clusters` | N, rounds 1…R | `sieve dedup clusters --work OUT/.sieve/dedup --round R --task-index T --task-count N` |
/// | `documents` | N | `sieve run P --task-index T --task-count N` |
/// | `merge` | 1 | `sieve manifest merge --replace OUT/manifest.sqlite OUT/manifest-task-*-of-N.sqlite` |
/// | `report` | 1 | `sieve report OUT/manifest.sqlite` (writes `OUT/report.html`) |
///
/// `clusters` is a pass of rounds: R passes of N tasks, of which those after the round
/// that finds the clusters are skipped (`Pass.skipWhen`: that round writes their files).
/// Without a dedup stage the first three are left out; with one task only `documents`
/// runs, and writes `manifest.sqlite` and `report.html` itself.
public struct PassPlan: Codable, Equatable, Sendable {
    /// Stands for the task's index in `Pass.arguments`.
    public static let task = "{task}"
    /// Stands for the task's thread count in `Pass.arguments`.
    public static let threads = "{threads}"
    /// Stands for the round in the arguments of a pass of rounds.
    public static let round = "{round}"
    /// Rounds of the `clusters` pass before a run stops with an error (`--max-rounds`):
    /// rounds grow by about one each time the largest cluster doubles (docs/dedup.md).
    public static let clusterRounds = 32

    public struct Pass: Codable, Equatable, Sendable {
        public var name: String
        public var tasks: Int
        /// Arguments after the `sieve` executable, with `PassPlan.task` and
        /// `PassPlan.threads` where the task's values go.
        public var arguments: [String]
        /// A pass of rounds runs as this many passes, `name-1` … `name-R`, with
        /// `PassPlan.round` replaced; nil for one.
        public var rounds: Int?
        /// A pass whose tasks have nothing to do once this file exists: executors skip it.
        public var skipWhen: String?

        public init(name: String, tasks: Int, arguments: [String], rounds: Int? = nil, skipWhen: String? = nil) {
            self.name = name
            self.tasks = tasks
            self.arguments = arguments
            self.rounds = rounds
            self.skipWhen = skipWhen
        }

        /// Whether its tasks have nothing to do.
        public var skippable: Bool { skipWhen.map { FileManager.default.fileExists(atPath: $0) } ?? false }

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
    ///   - clusterRounds: the rounds the `clusters` pass may take.
    public init(runArguments: [String], output: String, tasks: Int, dedup: Bool, clusterRounds: Int = Self.clusterRounds) {
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
            passes.append(Pass(name: "clusters", tasks: tasks,
                               arguments: ["dedup", "clusters", "--work", work, "--round", Self.round] + task
                                   + ["--max-rounds", String(clusterRounds)],
                               rounds: clusterRounds, skipWhen: "\(work)/components/skip/round-\(Self.round)"))
        }
        passes.append(Pass(name: "documents", tasks: tasks, arguments: run))
        if tasks > 1 {
            let manifests = (0..<tasks).map { layout.manifest(task: $0, of: tasks) }
            passes.append(Pass(name: "merge", tasks: 1, arguments: ["manifest", "merge", "--replace", layout.manifest] + manifests))
            passes.append(Pass(name: "report", tasks: 1, arguments: ["report", layout.manifest]))
        }
        self.passes = passes
    }

    /// The passes as executors run them: a pass of rounds as one pass per round.
    public var steps: [Pass] {
        passes.flatMap { pass -> [Pass] in
            guard let rounds = pass.rounds else { return [pass] }
            return (1...rounds).map { round in
                Pass(name: "\(pass.name)-\(round)", tasks: pass.tasks,
                     arguments: pass.arguments.map { $0 == Self.round ? String(round) : $0 },
                     skipWhen: pass.skipWhen?.replacingOccurrences(of: Self.round, with: String(round)))
            }
        }
    }
}
