/// Every path under a run's output folder, in one place: the pipeline's tasks, the
/// executors and the report all find files through it (docs/pipeline.md lists them).
public struct OutputLayout: Sendable, Equatable {
    /// The output folder.
    public let root: String

    public init(_ root: String) { self.root = root }

    /// `manifest.sqlite` for one task, `manifest-task-I-of-N.sqlite` for each of several
    /// (merged into `manifest.sqlite` at the end).
    public func manifest(task: Int, of count: Int) -> String { "\(root)/manifest\(Self.suffix(task, count)).sqlite" }
    public var manifest: String { "\(root)/manifest.sqlite" }
    /// `report.json`, or `report-task-I-of-N.json` per task.
    public func report(task: Int, of count: Int) -> String { "\(root)/report\(Self.suffix(task, count)).json" }
    /// The run report page.
    public var reportPage: String { "\(root)/report.html" }
    /// Documents, one file per work unit.
    public var documents: String { "\(root)/documents" }
    /// Dropped documents, one file per work unit (`output.rejected = true`).
    public var rejected: String { "\(root)/rejected" }
    /// Megatron shards, `LANGUAGE/DOMAIN/TTTTT-KKKKK.{bin,idx,docs}`.
    public var shards: String { "\(root)/shards" }
    /// Work files of a run, not outputs.
    public var work: String { "\(root)/.sieve" }
    /// The token part of each unit, until the task's shards are assembled.
    public var parts: String { "\(work)/parts" }
    /// The documents that reach the dedup stage, one file per work unit, from the first
    /// pass to the second (deleted when the run completes, unless `[run] keep_spill`).
    public var spill: String { "\(work)/spill" }
    /// The sharded dedup passes' files.
    public var dedup: String { "\(work)/dedup" }
    /// Each task's log of `sieve run --tasks`.
    public var logs: String { "\(work)/logs" }
    public func log(pass: String, task: Int) -> String { "\(logs)/\(pass)-\(Self.number(task)).log" }
    /// Batch scripts and job ids of `sieve slurm submit`.
    public var slurm: String { "\(work)/slurm" }

    /// The file of work unit `unit` in `directory`: `NNNNN.EXT`.
    public static func unitFile(_ directory: String, unit: Int, fileExtension: String) -> String {
        "\(directory)/\(number(unit)).\(fileExtension)"
    }

    static func suffix(_ task: Int, _ count: Int) -> String { count == 1 ? "" : "-task-\(task)-of-\(count)" }

    static func number(_ n: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }
}
