import ArgumentParser
import Foundation
import SieveCore
import SievePipeline
import SieveTokenizer

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize documents into Megatron shards with a SQLite manifest (docs/shards.md).",
        discussion: """
            The same as `sieve run` with one tokenize stage: shards grouped by the documents' \
            `language` and `domain` metadata under OUT/shards, described by OUT/manifest.sqlite. \
            Rerunning after an interruption finishes the job with identical bytes.
            """)

    @Argument(help: "Input files or directories (.jsonl, .jsonl.zst, .jsonl.gz, .txt).")
    var inputs: [String]

    @Option(help: "The tokenizer.json.")
    var tokenizer: String

    @Option(name: .customLong("out"), help: "Output directory.")
    var output: String

    @Option(name: .customLong("shard-bytes"), help: "Largest .bin of a shard, in bytes.")
    var shardBytes = 1 << 30

    @Option(name: .customLong("end-of-text"), help: "The token that ends every document.")
    var endOfText = "<|endoftext|>"

    @Option(name: .customLong("added-tokens"), help: "Match added tokens in text: all, non-special or none.")
    var addedTokens = AddedTokenMatching.none.rawValue

    @Option(name: .customLong("text-field"), help: "JSON field holding the text.")
    var textField = "text"

    @Option(name: .customLong("id-field"), help: "JSON field holding the id.")
    var idField = "id"

    @OptionGroup var task: TaskOptions

    @OptionGroup var processing: ProcessingOptions

    func validate() throws {
        guard shardBytes > 0 else { throw ValidationError("--shard-bytes must be positive") }
    }

    func run() throws {
        var config = PipelineConfig(inputPaths: inputs, outputDirectory: output)
        config.textField = textField
        config.idField = idField
        config.shardBytes = shardBytes
        config.outputKind = .shards
        var settings = TokenizeStage.Settings(tokenizer: ConfigPath.resolve(tokenizer, against: FileManager.default.currentDirectoryPath))
        guard let matching = AddedTokenMatching(rawValue: addedTokens) else {
            throw ValidationError("--added-tokens must be all, non-special or none")
        }
        settings.addedTokens = matching
        settings.endOfText = endOfText
        config.stages = [StageConfiguration(TokenizeKind.self, settings)]
        var job = try PipelineRun(config: config, threads: processing.resolvedThreads())
        job.pages = pageDecoder
        job.taskIndex = task.taskIndex
        job.taskCount = task.taskCount
        job.showProgress = !processing.noProgress
        job.command = CommandLine.arguments.joined(separator: " ")
        try processing.printSummary(try job.run())
    }
}
