import Foundation
import SieveCore

/// One task of a pipeline over a corpus: discovers the inputs, plans work units, takes
/// this task's share, skips units an interrupted run already finished, and streams the
/// rest through the stages into `OUTPUT/documents/`, then writes the report.
///
/// Output layout (see `docs/pipeline.md`):
/// - `documents/NNNNN.jsonl.zst`: one file per work unit, renamed into place when complete;
/// - `.sieve/resume-task-I-of-N.jsonl`: finished units, for resuming;
/// - `report.json` (one task) or `report-task-I-of-N.json`.
public struct PipelineRun {
    public var config: PipelineConfig
    public var stages: [any Stage]
    public var threads: Int
    public var taskIndex = 0
    public var taskCount = 1
    public var showProgress = true
    /// The command line, for the report.
    public var command = "sieve run"

    public init(config: PipelineConfig, stages: [any Stage], threads: Int) {
        self.config = config
        self.stages = stages
        self.threads = threads
    }

    public var readOptions: ReadOptions {
        var options = ReadOptions()
        options.fields = FieldNames(text: config.textField, id: config.idField)
        options.maxDocumentBytes = config.maxDocumentBytes
        options.batchBytes = config.batchBytes
        return options
    }

    public var format: OutputFormat {
        OutputFormat(compression: Compression(rawValue: config.compression) ?? .zstd)
    }

    var taskSuffix: String { taskCount == 1 ? "" : "-task-\(taskIndex)-of-\(taskCount)" }

    public func run() throws -> RunReport {
        let started = Date()
        let discovery = CorpusDiscovery(include: config.include ?? CorpusDiscovery.defaultInclude,
                                        exclude: config.exclude)
        let (files, discoveryStats) = discovery.discover(config.inputPaths)
        let plan = WorkPlan(files: files, splitBytes: config.splitBytes, taskCount: taskCount)
        let mine = plan.units(task: taskIndex, of: taskCount)

        let out = config.outputDirectory
        try makeDirectories(out + "/.sieve")
        let log = try ResumeLog(path: "\(out)/.sieve/resume\(taskSuffix).jsonl",
                                fingerprint: try fingerprint(units: mine))
        let todo = mine.filter { log.finished[$0.index] == nil }

        let sink = try UnitFilesSink(directory: out + "/documents", format: format) { unit, stats in
            try log.markFinished(unit: unit, stats: stats)
        }
        let todoBytes = todo.reduce(0) { $0 + $1.bytes }
        let runner = Runner(stages: stages, threads: threads, progress: showProgress ? Progress(totalBytes: todoBytes) : nil)
        _ = try runner.run(source: CorpusSource(units: todo, options: readOptions), sink: sink)

        // Totals in unit order, whether a unit was done now or by an earlier run.
        var stats = discoveryStats
        for unit in mine { stats.merge(log.finished[unit.index]!) }
        let report = RunReport(
            command: command, startedAt: started, seconds: Date().timeIntervalSince(started), threads: threads,
            taskIndex: taskIndex, taskCount: taskCount, inputFiles: Set(mine.flatMap { $0.segments.map(\.file.path) }).count,
            inputBytes: mine.reduce(0) { $0 + $1.bytes }, units: mine.count, unitsResumed: mine.count - todo.count,
            outputs: mine.map { UnitFilesSink.path(directory: "documents", unit: $0.index, format: format) },
            stats: stats)
        try AtomicFile.write(Array(try report.json()) + [0x0A], to: "\(out)/report\(taskSuffix).json")
        return report
    }

    /// Identifies the inputs and every setting that changes output bytes, so that a
    /// resumed run never mixes outputs of different settings.
    func fingerprint(units: [WorkUnit]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var text = String(decoding: try encoder.encode(units), as: UTF8.self)
        text += "|\(config.textField)|\(config.idField)|\(config.maxDocumentBytes)|\(config.batchBytes)"
        text += "|\(config.compression)|\(taskIndex)/\(taskCount)"
        for stage in config.stages { text += "|\(stage)" }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }
}
