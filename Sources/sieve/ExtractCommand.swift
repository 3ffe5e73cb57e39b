import ArgumentParser
import Foundation
import SieveCore
import SieveExtract
import SieveIO

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Turn HTML pages into documents of their main text.",
        discussion: """
            `sieve extract PAGE.html` prints the main text of one page. With -o, every input \
            (files or directories; .html and .htm, also .gz/.zst, besides the JSONL and text \
            formats) becomes one document per page, with `title`, `charset` and \
            `charset_source` metadata, as in a pipeline run. See docs/extract.md.
            """)

    @Argument(help: "Input files or directories.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Output file; the extension picks compression (.zst, .gz). - for stdout.")
    var output: String?

    @Option(name: .customLong("http-charset"), help: "The charset an HTTP header declared (single page only).")
    var httpCharset: String?

    @Flag(name: .customLong("full-text"), help: "All visible text, without boilerplate removal (single page only).")
    var fullText = false

    @OptionGroup var selection: SelectionOptions

    @OptionGroup var processing: ProcessingOptions

    func run() throws {
        guard let output else {
            guard inputs.count == 1, let data = FileManager.default.contents(atPath: inputs[0]) else {
                throw CommandError(description: "without -o, give one readable page", isUsage: true)
            }
            if data.starts(with: Array("%PDF".utf8)) || inputs[0].lowercased().hasSuffix(".pdf") {
                switch PDFExtractor().extract(Array(data)) {
                case .document(let pdf):
                    FileHandle.standardOutput.write(Data((pdf.text + "\n").utf8))
                case .encrypted:
                    throw CommandError(description: "\(inputs[0]): extract:encrypted")
                case .noTextLayer(let pages):
                    throw CommandError(description: "\(inputs[0]): extract:no_text_layer (\(pages) pages)")
                case .error(let message):
                    throw CommandError(description: "\(inputs[0]): extract:pdf_error: \(message)")
                }
                return
            }
            let page = HTMLExtractor(mainContent: !fullText).extract(Array(data), httpCharset: httpCharset)
            FileHandle.standardOutput.write(Data((page.text + "\n").utf8))
            return
        }
        try processing.printSummary(try CatCommand.copy(inputs, to: output, include: selection.include, exclude: selection.exclude,
                                                        fields: FieldNames(), maxDocumentBytes: 64 << 20,
                                                        processing: processing))
    }
}
