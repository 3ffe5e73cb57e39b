import ArgumentParser
import CMemory
import Foundation
import SieveCore
import SieveExecutor
import SieveFiles
import SieveIO
import SievePipeline

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline from a TOML configuration (see docs/pipeline.md).",
        discussion: """
            Rerunning the same command after an interruption finishes the job: work units \
            already written are skipped, and the outputs are byte-identical to an \
            uninterrupted run. --tasks N runs the pipeline as N tasks on this machine, \
            deduplicating across them (docs/scale.md).
            """)

    @OptionGroup var pipeline: PipelineOptions

    @OptionGroup var task: TaskOptions

    @Option(help: "The pass of this task: signatures (with a dedup stage and several tasks, the stages before it into MinHash signatures) or documents.")
    var pass: PipelineRun.Pass = .documents

    @Option(help: "Run the pipeline as this many tasks on this machine, every pass, with one merged manifest.")
    var tasks: Int?

    @Option(help: "With --tasks: tasks running at once (default: one per core).")
    var parallel: Int?

    @OptionGroup var processing: ProcessingOptions

    func validate() throws {
        if let threads = processing.threads, threads < 0 { throw ValidationError("--threads must not be negative") }
        if let tasks {
            guard tasks >= 1 else { throw ValidationError("--tasks must be at least 1") }
            guard task.taskCount == 1 && pass == .documents && !processing.json else {
                throw ValidationError("--tasks runs every task and pass itself: it does not take --task-index, --task-count, --pass or --json")
            }
        }
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1") }
    }

    func run() throws {
        let config = try pipeline.load()
        if let tasks {
            try checkStages(config, tasks: tasks)
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let parallel = min(self.parallel ?? cores, tasks)
            var executor = LocalExecutor(executable: try currentExecutable(), parallel: parallel,
                                         threadsPerTask: processing.threads ?? max(1, cores / parallel))
            executor.log = { FileHandle.standardError.write(Data("sieve run: \($0)\n".utf8)) }
            // Temporary files of an earlier run's killed tasks, wherever they were writing;
            // again at the end, for tasks that were still dying when this run began.
            AtomicFile.removeStale(under: config.outputDirectory)
            try executor.run(try pipeline.plan(config, tasks: tasks))
            AtomicFile.removeStale(under: config.outputDirectory)
            FileHandle.standardError.write(Data("sieve run: \(tasks) tasks done; manifest \(config.outputDirectory)/manifest.sqlite\n".utf8))
            return
        }
        var job = try built(config)
        job.pages = pageDecoder
        job.taskIndex = task.taskIndex
        job.showProgress = !processing.noProgress
        job.command = CommandLine.arguments.joined(separator: " ")
        let report = try job.run()
        try processing.printSummary(report)
    }

    /// With `--tasks`: every stage's settings and files, checked before any pass starts.
    /// Building a stage loads its models. The first pass's tasks build theirs as they
    /// start; the stages they do not build are built here, beside them, so that a broken
    /// model stops the run within the time it takes to load and the first pass does not
    /// wait for it. A failure ends this process, and the tasks with it (they die with their
    /// parent). Dropped once built, and the memory handed back: this process only waits.
    private func checkStages(_ config: PipelineConfig, tasks: Int) throws {
        for warning in try Self.stages(config, path: pipeline.pipeline, need: { _ in .describe }).warnings {
            FileHandle.standardError.write(Data("sieve run: \(warning)\n".utf8))
        }
        let later = PipelineRun.stagesAfterFirstPass(config, taskCount: tasks)
        guard !later.isEmpty else { return }
        let path = pipeline.pipeline
        Thread.detachNewThread {
            do {
                _ = try Self.stages(config, path: path, need: { later.contains($0) ? .run : .none })
                malloc_trim(0)
            } catch {
                SieveCommand.end(with: error)
            }
        }
    }

    /// `config`'s stages, built or described as `need` says; a stage that cannot be is a
    /// usage error naming the configuration (`path`).
    private static func stages(_ config: PipelineConfig, path: String, need: (Int) -> Pipeline.Need) throws -> Pipeline {
        try naming(path) { try Pipeline(config.stages, baseDirectory: config.baseDirectory, need: need) }
    }

    /// `body`, with a stage that cannot be built made a usage error naming the
    /// configuration (`path`).
    private static func naming<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SettingsError {
            throw CommandError(description: "\(path): \(error)", isUsage: true)
        }
    }

    /// The run's stages, built before anything runs, so that a bad setting or a missing
    /// model stops the run before it reads any input.
    private func built(_ config: PipelineConfig) throws -> PipelineRun {
        let job = try Self.naming(pipeline.pipeline) {
            try PipelineRun(config: config, threads: processing.resolvedThreads(configured: config.threads), pass: pass,
                            taskCount: task.taskCount)
        }
        for warning in job.warnings { FileHandle.standardError.write(Data("sieve run: \(warning)\n".utf8)) }
        return job
    }
}

extension PipelineRun.Pass: ExpressibleByArgument {}

/// A pipeline configuration and the options that replace its paths; shared by `sieve run`
/// and `sieve slurm submit`.
struct PipelineOptions: ParsableArguments {
    @Argument(help: "The pipeline configuration.")
    var pipeline: String

    @Option(name: .customLong("input"), help: "Input file or directory, instead of the config's (repeatable).")
    var inputs: [String] = []

    @Option(name: .customLong("output"), help: "Output directory, instead of the config's.")
    var output: String?

    @Option(help: "A tokenizer.json for the tokenize stage, instead of the config's.")
    var tokenizer: String?

    @Option(name: .customLong("max-rounds"),
            help: "With a dedup stage and several tasks: rounds the clusters pass may take before the run stops with an error.")
    var maxRounds = PassPlan.clusterRounds

    func validate() throws {
        guard maxRounds >= 2 else { throw ValidationError("--max-rounds must be at least 2") }
    }

    /// The configuration with the options applied.
    func load() throws -> PipelineConfig {
        guard let data = FileManager.default.contents(atPath: pipeline) else {
            throw CommandError(description: "cannot read \(pipeline)", isUsage: true)
        }
        var config: PipelineConfig
        do {
            config = try PipelineConfig(toml: String(decoding: data, as: UTF8.self),
                                        baseDirectory: (pipeline as NSString).deletingLastPathComponent)
        } catch {
            throw CommandError(description: "\(pipeline): \(error)", isUsage: true)
        }
        if !inputs.isEmpty { config.inputPaths = inputs }
        if let output { config.outputDirectory = output }
        if let tokenizer {
            // Written into the stage's settings, so that the resume fingerprint sees it.
            var found = false
            for i in config.stages.indices where config.stages[i].update(TokenizeKind.self, { $0.tokenizer = absolutePath(tokenizer) }) {
                found = true
            }
            guard found else {
                throw CommandError(description: "--tokenizer given, but \(pipeline) has no tokenize stage", isUsage: true)
            }
        }
        return config
    }

    /// The passes of `config` as `tasks` tasks, every path absolute so that tasks may
    /// run from any directory.
    func plan(_ config: PipelineConfig, tasks: Int) throws -> PassPlan {
        let output = absolutePath(config.outputDirectory)
        var arguments = ["run", absolutePath(pipeline), "--output", output]
        for input in inputs { arguments += ["--input", absolutePath(input)] }
        if let tokenizer { arguments += ["--tokenizer", absolutePath(tokenizer)] }
        return PassPlan(runArguments: arguments, output: output, tasks: tasks,
                        dedup: config.stages.contains { $0.type == DedupKind.type }, clusterRounds: maxRounds)
    }
}

func absolutePath(_ path: String) -> String {
    path.hasPrefix("/") ? path : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path).standardized.path
}

/// This program's path, for running its own tasks.
func currentExecutable() throws -> String {
    do {
        return try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    } catch {
        throw CommandError(description: "cannot find this program's path (/proc/self/exe): \(error)")
    }
}
