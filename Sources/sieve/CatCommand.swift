import ArgumentParser
import Foundation
import SieveCore
import SieveIO
import SievePipeline

struct CatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Read documents and write them to one file: convert, recompress, merge.",
        discussion: """
            Reads .jsonl, .jsonl.zst, .jsonl.gz, .txt and .parquet files (directories recursively, \
            `-` for standard input) with the same error handling as a pipeline run: bad \
            records are skipped with a reason and counted, and good ones are never lost.
            """)

    @Argument(help: "Input files or directories, or - for standard input.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Output file; the extension picks compression (.zst, .gz). - for stdout.")
    var output: String

    @Option(name: .customLong("text-field"), help: "JSON field holding the text.")
    var textField = "text"

    @Option(name: .customLong("id-field"), help: "JSON field holding the id.")
    var idField = "id"

    @Option(name: .customLong("max-document-bytes"), help: "Skip records larger than this.")
    var maxDocumentBytes = 64 << 20

    @OptionGroup var selection: SelectionOptions

    @OptionGroup var processing: ProcessingOptions

    func run() throws {
        try processing.printSummary(try Self.copy(inputs, to: output, include: selection.include, exclude: selection.exclude,
                                                  fields: FieldNames(text: textField, id: idField),
                                                  maxDocumentBytes: maxDocumentBytes, processing: processing))
    }

    /// `SingleFileRun` with the command's options: `inputs` (files, directories or `-`)
    /// through `stages` into `output`, in input order.
    static func copy(_ inputs: [String], to output: String, include: [String], exclude: [String], fields: FieldNames,
                     maxDocumentBytes: Int, stages: [any Stage] = [], rejected: String? = nil,
                     processing: ProcessingOptions) throws -> RunReport {
        var options = readOptions()
        options.fields = fields
        options.maxDocumentBytes = maxDocumentBytes
        var run = SingleFileRun(stages: stages, options: options, threads: processing.resolvedThreads())
        run.showProgress = !processing.noProgress
        run.command = CommandLine.arguments.joined(separator: " ")
        return try run.run(inputs, include: include, exclude: exclude, to: output, rejected: rejected)
    }
}
