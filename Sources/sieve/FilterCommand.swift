import ArgumentParser
import Foundation
import SieveCore
import SieveFiles
import SieveFilters
import SieveIO
import SieveLangID
import SievePipeline
import SieveText

/// `--nltk-data DIR...`: where NLTK's Punkt models are, besides $NLTK_DATA and ~/nltk_data.
struct NLTKDataOptions: ParsableArguments {
    @Option(name: .customLong("nltk-data"), help: "NLTK data folder with tokenizers/punkt_tab (repeatable; also $NLTK_DATA).")
    var folders: [String] = []
}

struct FilterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter",
        abstract: "Heuristic quality filters: Gopher, C4 and FineWeb rules, per language (docs/filters.md).",
        subcommands: [Apply.self, Languages.self, Words.self],
        defaultSubcommand: Apply.self)

    /// The filter stage of `sieve filter`'s subcommands, built as a pipeline builds it.
    static func stage(_ path: String?, nltkData: [String]) throws -> FilterStage {
        var settings = FilterStage.Settings()
        settings.filters = path
        settings.nltkData = nltkData
        let pipeline = try Pipeline([StageConfiguration(FilterKind.self, settings)], baseDirectory: "")
        for warning in pipeline.warnings { FileHandle.standardError.write(Data("sieve filter: \(warning)\n".utf8)) }
        return pipeline.stages[0] as! FilterStage
    }

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "`sieve filter --filters filters/default.toml INPUT... -o OUT [--rejected REJ]` (the default subcommand).",
            discussion: """
                Keeps the documents that pass every filter of the set, in input order. Each \
                document is judged with the settings of its metadata language (from sieve \
                langid; the set's default_language without one). Rejected documents carry \
                drop_reason (the first failed rule) and filter_failures (every failed rule \
                with the measured value and the threshold).
                """)

        @Argument(help: "Input files or directories, or - for standard input.")
        var inputs: [String]

        @Option(name: .shortAndLong, help: "Output file; the extension picks compression (.zst, .gz). - for stdout.")
        var output: String

        @Option(help: "Filter set (default: filters/default.toml of this checkout).")
        var filters: String?

        @Option(help: "Where rejected documents go (the extension picks compression).")
        var rejected: String?

        @OptionGroup var nltk: NLTKDataOptions

        @Flag(help: "Normalize text first (line endings, controls, white space, NFC), as the normalize stage does.")
        var normalize = false

        @OptionGroup var selection: SelectionOptions

        @OptionGroup var processing: ProcessingOptions

        func run() throws {
            var stages: [any Stage] = []
            if normalize { stages.append(NormalizeStage()) }
            stages.append(try FilterCommand.stage(filters, nltkData: nltk.folders))
            try processing.printSummary(try CatCommand.copy(
                inputs, to: output, include: selection.include, exclude: selection.exclude, fields: FieldNames(),
                maxDocumentBytes: 64 << 20, stages: stages, rejected: rejected, processing: processing))
        }
    }

    struct Languages: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "languages",
            abstract: "Write the per-language settings (filters/languages.toml) from DIR/CODE.txt text.")

        @Option(help: "Folder of CODE.txt files (the language-ID text).")
        var data: String

        @Option(help: "Language registry TSV (default: languages/registry.tsv).")
        var registry: String?

        @OptionGroup var nltk: NLTKDataOptions

        @Option(name: .shortAndLong, help: "Output file.")
        var output: String

        func run() throws {
            let registry = try LanguageRegistry(contentsOfFile: try registry ?? LangIDCommand.ModelOptions.shipped("registry.tsv"))
            let builder = LanguageSettingsBuilder(
                languages: registry.languages.map { .init(code: $0.code, segmentation: $0.segmentation) }, nltkData: nltk.folders)
            let command = "sieve filter languages --data \(data) --nltk-data \(nltk.folders.joined(separator: " ")) -o \(output)"
            let text = builder.build(directory: data, command: command)
            let file = try AtomicFile(path: output)
            try file.write(Array(text.utf8))
            try file.commit()
        }
    }

    struct Words: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "words",
            abstract: "Text on stdin; its words, one per line, as the filters count them for a language.")

        @Option(help: "Language code (default: the set's default language).")
        var language: String?

        @Option(help: "Filter set whose languages file decides how words are cut (default: filters/default.toml).")
        var filters: String?

        @OptionGroup var nltk: NLTKDataOptions

        @Flag(help: "Print the sentence count instead.")
        var sentences = false

        func run() throws {
            let set = try FilterCommand.stage(filters, nltkData: nltk.folders).set
            let data = FileHandle.standardInput.readDataToEndOfFile()
            let text = CodePoints.of(String(decoding: data, as: UTF8.self))
            let splitter = set.filters(for: language).splitter
            let out = sentences ? "\(splitter.sentenceCount(text))\n" : splitter.words(text).strings.map { $0 + "\n" }.joined()
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }
}
