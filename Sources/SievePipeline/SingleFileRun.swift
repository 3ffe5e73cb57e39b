import Foundation
import SieveCore
import SieveIO

/// Stages over inputs into one output file in input order, and the documents they drop
/// into one rejected file: what `sieve cat`, `filter`, `langid`, `dedup`, `extract -o` and
/// `model score` run (`PipelineRun` is the same over an output folder, with resume and a
/// manifest). A stage that needs every document first gets its first pass.
public struct SingleFileRun {
    public var stages: [any Stage]
    public var options: ReadOptions
    public var threads: Int
    public var showProgress = true
    /// The command line, for the report.
    public var command = "sieve"

    public init(stages: [any Stage], options: ReadOptions, threads: Int) {
        self.stages = stages
        self.options = options
        self.threads = threads
    }

    /// The files of `inputs` (files, folders, `-` for standard input), in input order, with
    /// what discovery could not read.
    public static func discover(_ inputs: [String], include: [String], exclude: [String]) -> (files: [InputFile], stats: RunStats) {
        let discovery = CorpusDiscovery(include: include.isEmpty ? CorpusDiscovery.defaultInclude : include, exclude: exclude)
        var files: [InputFile] = []
        var stats = RunStats()
        for input in inputs {
            if input == "-" {
                files.append(InputFile(path: "-", relativePath: "stdin", size: 0))
            } else {
                let found = discovery.discover([input])
                files += found.files
                stats.merge(found.stats)
            }
        }
        return (files, stats)
    }

    /// Reads `inputs` and writes what the stages keep to `output` (`-`: standard output;
    /// the extension picks compression).
    public func run(_ inputs: [String], include: [String] = [], exclude: [String] = [], to output: String,
                    rejected: String? = nil) throws -> RunReport {
        let (files, stats) = Self.discover(inputs, include: include, exclude: exclude)
        let plan = WorkPlan(files: files, splitBytes: Int.max, taskCount: 1)
        return try run(plan.units, inputFiles: files.count, discovered: stats, to: output, rejected: rejected)
    }

    /// Runs the given work units (a task's share, as the sharded dedup's last pass does).
    public func run(_ units: [WorkUnit], inputFiles: Int, discovered: RunStats, to output: String,
                    rejected: String? = nil) throws -> RunReport {
        let started = Date()
        let bytes = units.reduce(0) { $0 + $1.bytes }
        func progress() -> SieveCore.Progress? { showProgress ? SieveCore.Progress(totalBytes: bytes) : nil }
        try Runner(stages: stages, threads: threads, progress: progress())
            .runFirstPass(source: CorpusSource(units: units, options: options))
        var stats = discovered
        let sink = try SingleFileSink(path: output, rejectedPath: rejected)
        stats.merge(try Runner(stages: stages, threads: threads, progress: progress())
            .run(source: CorpusSource(units: units, options: options), sink: sink))
        try sink.finish()
        return RunReport(command: command, startedAt: started, seconds: Date().timeIntervalSince(started), threads: threads,
                         inputFiles: inputFiles, inputBytes: bytes, units: units.count,
                         outputs: [output] + (rejected.map { [$0] } ?? []), stats: stats)
    }
}
