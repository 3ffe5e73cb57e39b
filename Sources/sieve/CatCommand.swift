import ArgumentParser
import Foundation
import SieveCore
import SieveIO

struct CatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Read documents and write them to one file: convert, recompress, merge.",
        discussion: """
            Reads .jsonl, .jsonl.zst, .jsonl.gz and .txt files (directories recursively, \
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

    /// Reads `inputs` (files, directories or `-`) with the pipeline's readers, passes them
    /// through `stages` and writes every document kept to `output`, in input order.
    static func copy(_ inputs: [String], to output: String, include: [String], exclude: [String], fields: FieldNames,
                     maxDocumentBytes: Int, stages: [any Stage] = [], rejected: String? = nil,
                     processing: ProcessingOptions) throws -> RunReport {
        let started = Date()
        let threads = processing.resolvedThreads()
        var (files, stats) = discover(inputs, include: include, exclude: exclude)
        var options = readOptions()
        options.fields = fields
        options.maxDocumentBytes = maxDocumentBytes
        let plan = WorkPlan(files: files, splitBytes: Int.max, taskCount: 1)
        let sink = try SingleFileSink(path: output, rejectedPath: rejected)
        let totalBytes = files.reduce(0) { $0 + $1.size }
        let runner = Runner(stages: stages, threads: threads,
                            progress: processing.noProgress ? nil : Progress(totalBytes: totalBytes))
        stats.merge(try runner.run(source: CorpusSource(units: plan.units, options: options), sink: sink))
        try sink.finish()
        let report = RunReport(command: CommandLine.arguments.joined(separator: " "), startedAt: started,
                               seconds: Date().timeIntervalSince(started), threads: threads,
                               inputFiles: files.count, inputBytes: totalBytes, units: plan.units.count,
                               outputs: [output] + (rejected.map { [$0] } ?? []), stats: stats)
        return report
    }
}

/// The files of `inputs` (files, directories, `-` for standard input), in input order,
/// with what discovery could not read.
func discover(_ inputs: [String], include: [String], exclude: [String]) -> ([InputFile], RunStats) {
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
