import ArgumentParser
import Foundation
import SieveCore
import SieveLangID
import SieveIO
import SievePipeline
import SieveShards

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline from a TOML configuration (see docs/pipeline.md).",
        discussion: """
            Rerunning the same command after an interruption finishes the job: work units \
            already written are skipped, and the outputs are byte-identical to an \
            uninterrupted run.
            """)

    @Argument(help: "The pipeline configuration.")
    var pipeline: String

    @Option(name: .customLong("input"), help: "Input file or directory, instead of the config's (repeatable).")
    var inputs: [String] = []

    @Option(name: .customLong("output"), help: "Output directory, instead of the config's.")
    var output: String?

    @Option(help: "A tokenizer.json for the tokenize stage, instead of the config's.")
    var tokenizer: String?

    @OptionGroup var task: TaskOptions

    @OptionGroup var processing: ProcessingOptions

    func validate() throws {
        if let threads = processing.threads, threads < 0 { throw ValidationError("--threads must not be negative") }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: pipeline) else {
            throw CommandError(description: "cannot read \(pipeline)", isUsage: true)
        }
        let base = (pipeline as NSString).deletingLastPathComponent
        var config: PipelineConfig
        do {
            config = try PipelineConfig(toml: String(decoding: data, as: UTF8.self), baseDirectory: base)
        } catch {
            throw CommandError(description: "\(pipeline): \(error)", isUsage: true)
        }
        if !inputs.isEmpty { config.inputPaths = inputs }
        if let output { config.outputDirectory = output }
        if let tokenizer {
            // Written into the stage's settings, so that the resume fingerprint sees it.
            let absolute = tokenizer.hasPrefix("/") ? tokenizer : FileManager.default.currentDirectoryPath + "/" + tokenizer
            var found = false
            for i in config.stages.indices where config.stages[i]["type"] == .string("tokenize") {
                config.stages[i]["tokenizer"] = .string(absolute)
                found = true
            }
            guard found else {
                throw CommandError(description: "--tokenizer given, but \(pipeline) has no tokenize stage", isUsage: true)
            }
        }
        let factory = StageFactory(baseDirectory: base)
        let stages = try factory.stages(config.stages)

        var job = PipelineRun(config: config, stages: stages, threads: processing.resolvedThreads(configured: config.threads))
        job.taskIndex = task.taskIndex
        job.taskCount = task.taskCount
        job.showProgress = !processing.noProgress
        job.command = CommandLine.arguments.joined(separator: " ")
        job.stageFiles = factory.files
        if let langid = stages.compactMap({ $0 as? LangIDStage }).first {
            job.languages = langid.detector.model.registry.languages.map {
                Manifest.Language(code: $0.code, name: $0.name, family: $0.family, script: $0.script, segmentation: $0.segmentation)
            }
        }
        let report = try job.run()
        try processing.printSummary(report)
    }
}
