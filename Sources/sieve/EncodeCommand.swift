import ArgumentParser
import Foundation
import SieveCore
import SieveIO
import SieveTokenizer

struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Tokenize JSONL {\"text\": …} lines from stdin into {\"ids\": […]} lines on stdout, in order.",
        discussion: """
            Ids equal Hugging Face tokenizers' for the same tokenizer.json. A line that is not \
            a JSON object with a string text field is skipped and reported on stderr.
            """)

    @Option(help: "A Hugging Face tokenizer.json (byte-level BPE).")
    var tokenizer: String

    @Option(name: .customLong("text-field"), help: "JSON field holding the text.")
    var textField = "text"

    @Option(name: .customLong("added-tokens"),
            help: "Which added tokens are matched in text: all (Hugging Face's default), non-special, none.")
    var addedTokens: String = AddedTokenMatching.all.rawValue

    @OptionGroup var processing: ProcessingOptions

    func run() throws {
        guard let matching = AddedTokenMatching(rawValue: addedTokens) else {
            throw ValidationError("--added-tokens must be all, non-special or none")
        }
        let started = Date()
        let tokenizer: Tokenizer
        do {
            tokenizer = try Tokenizer(contentsOfFile: self.tokenizer)
        } catch {
            throw CommandError(description: "\(error)", isUsage: true)
        }
        var options = readOptions()
        options.fields = FieldNames(text: textField)
        let threads = processing.resolvedThreads()
        let input = InputFile(path: "-", relativePath: "stdin", size: 0)
        let units = WorkPlan(files: [input], splitBytes: Int.max, taskCount: 1).units
        let sink = TokenIDsSink(tokenizer: tokenizer, matching: matching)
        let stats = try Runner(stages: [], threads: threads, progress: nil)
            .run(source: CorpusSource(units: units, options: options), sink: sink)
        let report = RunReport(command: CommandLine.arguments.joined(separator: " "), startedAt: started,
                               seconds: Date().timeIntervalSince(started), threads: threads, inputFiles: 1,
                               inputBytes: stats[stage: "read"].bytesIn, units: 1, outputs: ["-"], stats: stats)
        if !report.stats.drops.isEmpty || processing.json {
            FileHandle.standardError.write(processing.json ? try report.json() + Data("\n".utf8) : Data(report.table().utf8))
        }
    }
}
