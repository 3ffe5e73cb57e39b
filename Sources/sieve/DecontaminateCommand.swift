import ArgumentParser
import Foundation
import SieveCore
import SieveFilters
import SieveIO
import SievePipeline

struct DecontaminateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decontaminate",
        abstract: "`sieve decontaminate --benchmarks PATH [--benchmarks PATH...] INPUT... -o OUT [--rejected REJ]`: drop documents that hold an evaluation set's n-grams.",
        discussion: """
            Indexes the n-grams (--n words, 13 by default) of every passage of the \
            evaluation sets (JSONL files or folders; the benchmark's name is its file \
            name), normalized as the documents are (case folded, punctuation and white \
            space as separators, ICU word breaks for scripts without spaces), and drops \
            each document that holds one, with the reason decontaminate:BENCHMARK; with \
            --action flag, keeps it with contamination and contamination_ngrams in its \
            metadata. See docs/decontamination.md.
            """)

    @Option(help: "An evaluation set: a JSONL file or a folder of them (repeatable).")
    var benchmarks: [String]

    @Option(help: "A field of the benchmark records to index (repeatable; default: every string field).")
    var fields: [String] = []

    @Option(help: "Words per n-gram.")
    var n = 13

    @Option(help: "drop or flag.")
    var action = "drop"

    @Argument(help: "Input files or directories, or - for standard input.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Output file; the extension picks compression (.zst, .gz). - for stdout.")
    var output: String

    @Option(help: "Where dropped documents go (the extension picks compression).")
    var rejected: String?

    @OptionGroup var selection: SelectionOptions

    @OptionGroup var processing: ProcessingOptions

    func validate() throws {
        guard !benchmarks.isEmpty else { throw ValidationError("--benchmarks needs at least one file or folder") }
        guard (1...1000).contains(n) else { throw ValidationError("--n must be in 1...1000") }
        guard DecontaminateStage.Settings.Action(rawValue: action) != nil else { throw ValidationError("--action must be drop or flag") }
    }

    func run() throws {
        var settings = DecontaminateStage.Settings(benchmarks: benchmarks)
        settings.fields = fields
        settings.n = n
        settings.action = DecontaminateStage.Settings.Action(rawValue: action)!
        let pipeline = try Pipeline([StageConfiguration(DecontaminateKind.self, settings)], baseDirectory: "")
        for warning in pipeline.warnings { FileHandle.standardError.write(Data("sieve decontaminate: \(warning)\n".utf8)) }
        let stage = pipeline.stages[0] as! DecontaminateStage
        FileHandle.standardError.write(Data("""
            sieve decontaminate: \(stage.index.count) \(n)-grams of \(stage.index.benchmarks.count) benchmarks indexed \
            (\(stage.index.shortPassages) passages shorter than \(n) words left out; \(stage.index.bytes >> 20) MiB)

            """.utf8))
        try processing.printSummary(try CatCommand.copy(
            inputs, to: output, include: selection.include, exclude: selection.exclude, fields: FieldNames(),
            maxDocumentBytes: 64 << 20, stages: [stage], rejected: rejected, processing: processing))
    }
}
