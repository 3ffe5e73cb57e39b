import ArgumentParser
import Foundation
import SieveCore
import SieveIO
import SieveLangID
import SievePipeline

struct LangIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "langid",
        abstract: "Identify languages among the 119 of languages/registry.tsv; train and evaluate the model.",
        subcommands: [Tag.self, Detect.self, Eval.self, Train.self, DevSet.self],
        defaultSubcommand: Tag.self)

    /// `--model`, defaulting to the model shipped in languages/.
    struct ModelOptions: ParsableArguments {
        @Option(help: "Language-ID model (default: languages/langid.model of this checkout).")
        var model: String?

        @Option(name: .customLong("prior"), help: "CODE=WEIGHT: a language's prior over the registry's (repeatable).")
        var priors: [String] = []

        init() {}

        init(path: String?) { model = path }

        /// `--prior` as code → weight.
        func priorWeights() throws -> [String: Double] {
            var weights: [String: Double] = [:]
            for item in priors {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let weight = Double(parts[1]), weight > 0, weight.isFinite else {
                    throw ValidationError("--prior \(item): expected CODE=WEIGHT with a positive weight")
                }
                weights[parts[0]] = weight
            }
            return weights
        }

        /// The model file: `--model`, else the shipped one.
        func path() throws -> String {
            try model ?? Self.shipped("langid.model")
        }

        func load() throws -> LanguageDetector {
            let path = try self.path()
            do {
                let model = try LanguageModel(contentsOfFile: path)
                let weights = try priorWeights()
                if let unknown = weights.keys.sorted().first(where: { model.registry.language($0) == nil }) {
                    throw ValidationError("--prior: \(unknown) is not a language of the model")
                }
                return LanguageDetector(model: model, priors: weights)
            } catch let error as ValidationError {
                throw error
            } catch {
                throw CommandError(description: "\(error)", isUsage: true)
            }
        }

        /// `languages/NAME` of this checkout (see `ShippedFile`).
        static func shipped(_ name: String) throws -> String { try ShippedFile.path("languages", name) }
    }

    struct Tag: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tag",
            abstract: "The langid stage on documents: `sieve langid INPUT... -o OUT` (the default subcommand).",
            discussion: """
                Adds language, language_score, script, mixed_script, language_top, language_group and \
                language_group_score to each document's metadata and keeps those that pass the filter \
                (see docs/langid.md).
                """)

        @Argument(help: "Input files or directories, or - for standard input.")
        var inputs: [String]

        @Option(name: .shortAndLong, help: "Output file; the extension picks compression (.zst, .gz). - for stdout.")
        var output: String

        @OptionGroup var model: ModelOptions

        @Option(help: "Comma-separated codes of the languages or groups to keep (default: all).")
        var languages: String?

        @Option(name: .customLong("min-score"), help: "Minimum language score (default: each language's min_score in the registry).")
        var minScore: Double?

        @Flag(name: .customLong("keep-undetermined"), help: "Keep documents whose language is und.")
        var keepUndetermined = false

        @OptionGroup var selection: SelectionOptions

        @OptionGroup var processing: ProcessingOptions

        func run() throws {
            var settings = LangIDStage.Settings()
            settings.model = model.model
            settings.priors = try model.priorWeights()
            settings.languages = languages.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            settings.minScore = minScore
            settings.keepUndetermined = keepUndetermined
            let pipeline = try Pipeline([StageConfiguration(LangIDKind.self, settings)], baseDirectory: "")
            try processing.printSummary(try CatCommand.copy(
                inputs, to: output, include: selection.include, exclude: selection.exclude, fields: FieldNames(),
                maxDocumentBytes: 64 << 20, stages: pipeline.stages, processing: processing))
        }
    }

    /// `--data DIR... [--registry TSV]`: the language-ID text.
    struct CorpusOptions: ParsableArguments {
        @Option(help: "Folder of CODE.txt files, one line per sentence (repeatable; lines are appended in order).")
        var data: [String]

        @Option(help: "Language registry TSV (default: languages/registry.tsv).")
        var registry: String?

        func load() throws -> LangIDCorpus {
            do {
                let registry = try LanguageRegistry(contentsOfFile: try self.registry ?? ModelOptions.shipped("registry.tsv"))
                return try LangIDCorpus(directories: data, registry: registry)
            } catch let error as LangIDError {
                throw CommandError(description: "\(error)", isUsage: true)
            }
        }
    }

    struct Detect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "detect",
            abstract: "Text lines on stdin; `code<TAB>score` per line on stdout, in order.",
            discussion: "With --top K, K `code<TAB>score` pairs per line, tab-separated. `und` (score 0) for a line with no language.")

        @OptionGroup var model: ModelOptions

        @Option(help: "Candidates per line.")
        var top = 1

        @Option(help: "Worker threads (default: one per core). Output does not depend on it.")
        var threads: Int?

        func run() throws {
            let detector = try model.load()
            let threads = self.threads ?? ProcessInfo.processInfo.activeProcessorCount
            let out = FileHandle.standardOutput
            try forEachLineBatch(FileHandle.standardInput) { lines in
                var text = ""
                for d in detector.detect(lines, top: top, threads: threads) {
                    if top <= 1 || d.top.isEmpty {
                        text += "\(d.language)\t\(Self.format(d.score))\n"
                    } else {
                        text += d.top.map { "\($0.language)\t\(Self.format($0.score))" }.joined(separator: "\t") + "\n"
                    }
                }
                out.write(Data(text.utf8))
            }
        }

        static func format(_ score: Double) -> String { String(format: "%.4f", score) }
    }

    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "eval",
            abstract: "Accuracy on a labelled TSV (columns code, text): per language, macro, confusions.")

        @Option(help: "TSV with a header naming the columns code and text.")
        var data: String

        @OptionGroup var model: ModelOptions

        @Option(help: "Worker threads (default: one per core).")
        var threads: Int?

        @Option(help: "Confusion pairs to list.")
        var confusions = 20

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            let detector = try model.load()
            let rows = try readLabelled(data)
            let threads = self.threads ?? ProcessInfo.processInfo.activeProcessorCount
            let started = Date()
            let detections = detector.detect(rows.map(\.text), top: 1, threads: threads)
            let seconds = Date().timeIntervalSince(started)
            let evaluation = LangIDEvaluation(zip(rows, detections).map { ($0.code, $1.language) })
            let registry = detector.model.registry
            let groups = evaluation.groupTables { registry.language($0)?.groupName ?? $0 }
            if json {
                var object: [String: Any] = [
                    "samples": rows.count, "macro_accuracy": evaluation.macroAccuracy, "seconds": seconds,
                    "languages": evaluation.languages.map { ["code": $0.language, "samples": $0.samples, "correct": $0.correct,
                                                             "accuracy": $0.accuracy] },
                    "confusions": evaluation.confusions.prefix(confusions).map { ["expected": $0.expected,
                                                                                 "predicted": $0.predicted, "count": $0.count] },
                ]
                object["groups"] = groups.map { ["group": $0.group, "languages": $0.languages, "counts": $0.counts,
                                                 "group_accuracy": $0.groupAccuracy] }
                object["predictions"] = detections.map(\.language)
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                FileHandle.standardOutput.write(data + Data("\n".utf8))
                return
            }
            var text = "language   samples  accuracy\n"
            for l in evaluation.languages {
                text += l.language.padding(toLength: 10, withPad: " ", startingAt: 0)
                    + String(format: " %7d  %8.4f\n", l.samples, l.accuracy)
            }
            text += String(format: "macro accuracy %.4f over %d languages, %d samples, %.0f samples/s\n",
                           evaluation.macroAccuracy, evaluation.languages.count, rows.count, Double(rows.count) / max(seconds, 1e-9))
            text += "most frequent confusions (expected -> predicted):\n"
            for c in evaluation.confusions.prefix(confusions) { text += "  \(c.expected) -> \(c.predicted): \(c.count)\n" }
            for table in groups { text += Self.format(table) }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "Train the model from DIR/CODE.txt files (held-out blocks excluded; see docs/langid.md).")

        @OptionGroup var corpus: CorpusOptions

        @Option(help: "Where to write the model.")
        var out: String

        @Option(help: "Training epochs.")
        var epochs = LangIDTrainer.Options().epochs

        @Option(help: "Seed of the sampling order.")
        var seed: UInt64 = LangIDTrainer.Options().seed

        @Option(name: .customLong("latin-bucket-bits"), help: "log2 of the Latin group's feature buckets.")
        var latinBucketBits = LangIDTrainer.Options().latinBucketBits

        @Option(name: .customLong("bucket-bits"), help: "log2 of the other groups' feature buckets.")
        var bucketBits = LangIDTrainer.Options().bucketBits

        @Option(name: .customLong("min-samples"), help: "Lines per language and epoch at least (small languages repeat theirs).")
        var minSamples = LangIDTrainer.Options().minSamples

        @Option(name: .customLong("max-samples"), help: "Lines per language and epoch at most (large languages rotate through theirs).")
        var maxSamples = LangIDTrainer.Options().maxSamples

        @Option(name: .customLong("learning-rate"), help: "Initial SGD rate (decays linearly to 0).")
        var learningRate: Float = LangIDTrainer.Options().learningRate

        func run() throws {
            let corpus = try self.corpus.load()
            var options = LangIDTrainer.Options()
            options.epochs = epochs
            options.seed = seed
            options.latinBucketBits = latinBucketBits
            options.bucketBits = bucketBits
            options.learningRate = learningRate
            options.minSamples = minSamples
            options.maxSamples = maxSamples
            let started = Date()
            let model = LangIDTrainer(corpus: corpus, options: options).train { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            try model.write(to: out)
            let size = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
            FileHandle.standardError.write(Data(String(format: "wrote %@ (%.1f MB) in %.1f s\n", out, Double(size) / 1e6,
                                                       Date().timeIntervalSince(started)).utf8))
        }
    }

    struct DevSet: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dev-set",
            abstract: "Print the held-out lines (or paragraphs) of DIR/CODE.txt as a code<TAB>text TSV.")

        @OptionGroup var corpus: CorpusOptions

        @Option(help: "Consecutive lines per sample (joined by a space).")
        var paragraph = 1

        @Option(help: "Which blocks: dev (held out), calibration or train.")
        var split = LangIDCorpus.Split.dev.rawValue

        func run() throws {
            guard let split = LangIDCorpus.Split(rawValue: split) else { throw ValidationError("--split: dev, calibration or train") }
            let corpus = try self.corpus.load()
            var text = "code\ttext\n"
            for (language, sample) in corpus.samples(split, paragraph: paragraph) {
                text += corpus.registry.languages[language].code + "\t" + sample.replacingOccurrences(of: "\t", with: " ") + "\n"
            }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}

/// Rows of a TSV with `code` and `text` columns.
func readLabelled(_ path: String) throws -> [(code: String, text: String)] {
    guard let data = FileManager.default.contents(atPath: path) else { throw CommandError(description: "cannot read \(path)") }
    var lines = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    guard let header = lines.first?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init),
          let code = header.firstIndex(of: "code"), let text = header.firstIndex(of: "text") else {
        throw CommandError(description: "\(path): the first line must name the columns code and text", isUsage: true)
    }
    lines.removeFirst()
    return try lines.enumerated().map { n, line in
        let f = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard f.count > max(code, text) else { throw CommandError(description: "\(path): line \(n + 2) has too few columns") }
        return (String(f[code]), String(f[text]))
    }
}

/// Calls `body` with batches of lines read from `handle` (invalid UTF-8 repaired, a
/// trailing CR dropped).
func forEachLineBatch(_ handle: FileHandle, batchBytes: Int = 1 << 20, _ body: ([String]) throws -> Void) throws {
    var pending: [UInt8] = []
    while true {
        let chunk = handle.readData(ofLength: batchBytes)
        pending.append(contentsOf: chunk)
        let end = chunk.isEmpty ? pending.count : (pending.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0)
        if end > 0 {
            var lines: [String] = []
            var start = 0
            while start < end {
                var stop = pending[start..<end].firstIndex(of: 0x0A) ?? end
                let next = stop + 1
                if stop > start && pending[stop - 1] == 0x0D { stop -= 1 }
                lines.append(String(decoding: pending[start..<stop], as: UTF8.self))
                start = next
            }
            try body(lines)
            pending.removeFirst(end)
        }
        if chunk.isEmpty { return }
    }
}

extension LangIDCommand.Eval {
    /// A group's confusion table: rows expected, columns predicted (`other`: outside the group).
    static func format(_ table: LangIDEvaluation.GroupTable) -> String {
        let width = max(10, (table.languages.map(\.count).max() ?? 0) + 1)
        func cell(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        var text = String(format: "\ngroup %@: %.4f of its samples read as one of its languages (rows: expected, columns: predicted)\n",
                          table.group, table.groupAccuracy)
        text += "".padding(toLength: width, withPad: " ", startingAt: 0) + (table.languages + ["other"]).map(cell).joined() + "\n"
        for (language, row) in zip(table.languages, table.counts) {
            text += language.padding(toLength: width, withPad: " ", startingAt: 0) + row.map { cell(String($0)) }.joined() + "\n"
        }
        return text
    }
}
