import ArgumentParser
import Foundation
import SieveCore
import SieveFiles
import SieveIO
import SieveTokenizer

struct BPECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bpe",
        abstract: "Byte-level BPE vocabularies.",
        subcommands: [BPETrainCommand.self])
}

struct BPETrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a byte-level BPE vocabulary and write it as a Hugging Face tokenizer.json.",
        discussion: """
            Text is NFC-normalized and split with Qwen's pre-tokenizer regex, as in Qwen's \
            tokenizer.json; merges follow Hugging Face's BpeTrainer (see docs/tokenizer.md).
            """)

    @Option(name: .customLong("vocab-size"), help: "Vocabulary size, special tokens and the 256 bytes included.")
    var vocabSize: Int

    @Option(name: .customLong("special-tokens"), parsing: .upToNextOption,
            help: "Special tokens, given the first ids (for example <|endoftext|>).")
    var specialTokens: [String] = []

    @Option(name: .customLong("min-frequency"), help: "Do not merge pairs seen fewer times than this.")
    var minFrequency = 0

    @Option(help: "Where to write tokenizer.json.")
    var out: String

    @Option(name: .customLong("text-field"), help: "JSON field holding the text.")
    var textField = "text"

    @Argument(help: "Input files or directories (.jsonl, .jsonl.zst, .jsonl.gz, .txt).")
    var inputs: [String]

    @OptionGroup var processing: ProcessingOptions

    func validate() throws {
        guard vocabSize >= 256 + specialTokens.count else {
            throw ValidationError("--vocab-size must leave room for the 256 byte tokens and the special tokens")
        }
    }

    func run() throws {
        let started = Date()
        let threads = processing.resolvedThreads()
        let (files, discoveryStats) = CorpusDiscovery().discover(inputs)
        var options = readOptions()
        options.fields = FieldNames(text: textField)
        let counter = WordCounter(preTokenizer: PreTokenizer(pattern: .qwen(maxDigits: 1)))
        let plan = WorkPlan(files: files, splitBytes: Int.max, taskCount: 1)
        let totalBytes = files.reduce(0) { $0 + $1.size }
        var stats = discoveryStats
        stats.merge(try Runner(stages: [counter], threads: threads,
                               progress: processing.noProgress ? nil : Progress(totalBytes: totalBytes))
            .run(source: CorpusSource(units: plan.units, options: options), sink: DiscardingSink()))
        let counted = Date()
        let words = counter.words()
        var trainer = BPETrainer(vocabularySize: vocabSize)
        trainer.minimumFrequency = minFrequency
        trainer.specialTokens = specialTokens
        let vocabulary = trainer.train(words: words)
        try writeFileAtomically(vocabulary.tokenizerJSON(), to: out)
        let summary = String(format: "%d documents, %d distinct words; counting %.1f s, merging %.1f s; %d merges, vocabulary %d",
                             stats[stage: "read"].documentsOut, words.count, counted.timeIntervalSince(started),
                             Date().timeIntervalSince(counted), vocabulary.merges.count,
                             vocabulary.specialTokens.count + vocabulary.tokens.count) + " → \(out)\n"
        FileHandle.standardError.write(Data(summary.utf8))
        if !stats.drops.isEmpty || !stats.errors.isEmpty {
            let report = RunReport(command: CommandLine.arguments.joined(separator: " "), startedAt: started,
                                   seconds: Date().timeIntervalSince(started), threads: threads, inputFiles: files.count,
                                   inputBytes: totalBytes, units: plan.units.count, outputs: [out], stats: stats)
            FileHandle.standardError.write(Data(report.table().utf8))
        }
    }
}
