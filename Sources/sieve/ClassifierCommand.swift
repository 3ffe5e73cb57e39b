import ArgumentParser
import Foundation
import SieveCore
import SieveFiles
import SieveIO
import SieveModels

struct ClassifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier",
        abstract: "A fastText-style text classifier: train, evaluate, predict (docs/models.md).",
        subcommands: [Train.self, Eval.self, Predict.self])

    /// JSONL lines with a text and a label field (a string, or an array of strings).
    struct DataOptions: ParsableArguments {
        @Option(help: "Labelled JSONL.")
        var data: String

        @Option(name: .customLong("text-field"), help: "Field with the text.")
        var textField = "text"

        @Option(name: .customLong("label-field"), help: "Field with the label (a string, or an array for several).")
        var labelField = "label"

        /// The usable examples (`LabeledExamples`); what was skipped goes to standard error.
        func examples(known: Set<String>? = nil) throws -> [LabeledText] {
            let read = try LabeledExamples(path: data, textField: textField, labelField: labelField, known: known)
            if let summary = read.skipped.summary(of: read.lines, file: data) {
                FileHandle.standardError.write(Data("sieve classifier: \(summary)\n".utf8))
            }
            guard !read.examples.isEmpty else { throw CommandError(description: "\(data): no usable examples in \(read.lines) lines") }
            return read.examples
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "train", abstract: "Train a classifier from labelled JSONL.")

        @OptionGroup var data: DataOptions

        @Option(name: .shortAndLong, help: "The model file to write.")
        var output: String

        @Flag(name: .customLong("multi-label"), help: "One sigmoid per label (several labels a text) instead of softmax.")
        var multiLabel = false

        @Option var epochs = 5
        @Option var lr = 0.1
        @Option var dim = 100
        @Option(name: .customLong("word-ngrams")) var wordNgrams = 1
        @Option var minn = 0
        @Option var maxn = 0
        @Option var buckets = 2_000_000
        @Option(name: .customLong("min-count")) var minCount = 1
        @Option(help: "Threads (Hogwild; the result depends on timing with more than one).") var threads = 1
        @Option var seed: UInt64 = 1

        func validate() throws {
            guard epochs >= 1, dim >= 1, wordNgrams >= 1, threads >= 1, buckets >= 0, minCount >= 1, lr > 0 else {
                throw ValidationError("--epochs, --dim, --word-ngrams, --threads and --min-count must be at least 1, --lr positive")
            }
            guard minn >= 0, maxn >= minn, maxn == 0 || minn >= 1 else { throw ValidationError("need 1 <= --minn <= --maxn, or --maxn 0") }
        }

        func run() throws {
            var options = ClassifierOptions()
            (options.epochs, options.lr, options.dim, options.wordNgrams) = (epochs, lr, dim, wordNgrams)
            (options.minn, options.maxn, options.buckets, options.minCount) = (minn, maxn, buckets, minCount)
            (options.multiLabel, options.seed) = (multiLabel, seed)
            let examples = try data.examples()
            let labels = Set(examples.flatMap(\.labels))
            guard labels.count >= 2 || multiLabel else {
                throw CommandError(description: "\(data.data): one label (\(labels.first!)) in every example: nothing to learn")
            }
            let started = Date()
            let model = TextClassifier.train(examples, options: options, threads: threads)
            let seconds = Date().timeIntervalSince(started)
            try model.write(to: output)
            FileHandle.standardError.write(Data(String(format: "sieve classifier: %d examples, %d words, %d labels, trained in %.2f s\n",
                                                       examples.count, model.words.count, model.labels.count, seconds).utf8))
        }
    }

    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "eval", abstract: "Accuracy, per-label precision, recall and F1, and confusions on labelled JSONL.")

        @Option(help: "The model file.") var model: String
        @OptionGroup var data: DataOptions
        @Flag(help: "Print one JSON object (with at least accuracy).") var json = false

        func run() throws {
            let classifier = try TextClassifier.read(from: model)
            let evaluation = ClassifierEvaluation(model: classifier, examples: try data.examples(known: Set(classifier.labels)))
            if json {
                var perLabel: [String: Any] = [:]
                for label in classifier.labels {
                    perLabel[label] = ["precision": evaluation.precision(label), "recall": evaluation.recall(label), "f1": evaluation.f1(label)]
                }
                let object: [String: Any] = ["examples": evaluation.examples, "accuracy": evaluation.accuracy, "labels": perLabel,
                                             "confusion": evaluation.confusion]
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
                return
            }
            print(String(format: "accuracy %.4f on %d examples", evaluation.accuracy, evaluation.examples))
            print("label                precision  recall  F1")
            for label in classifier.labels {
                print(String(format: "%-20@ %9.4f %7.4f %7.4f", label as NSString, evaluation.precision(label), evaluation.recall(label), evaluation.f1(label)))
            }
            for (truth, row) in evaluation.confusion.sorted(by: { $0.key < $1.key }) {
                for (predicted, n) in row.sorted(by: { $0.key < $1.key }) where predicted != truth {
                    print("confused: \(truth) -> \(predicted): \(n)")
                }
            }
        }
    }

    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "predict", abstract: "JSONL in, each line with `labels` and `probabilities` added, in order.")

        @Option(help: "The model file: Sieve's, or fastText's .bin or .ftz.") var model: String
        @Argument(help: "JSONL input (- for stdin).") var input: String
        @Option(name: .shortAndLong, help: "Output (- for stdout).") var output = "-"
        @Option(name: .customLong("text-field")) var textField = "text"
        @Option(name: .customLong("k"), help: "Labels per line.") var k = 1

        @Option(help: "Threads (the output is the same with any number).") var threads = 1

        func validate() throws {
            guard k >= 1, threads >= 1 else { throw ValidationError("--k and --threads must be at least 1") }
        }

        func run() throws {
            var predict = PredictionLines(model: try LabelModels.read(from: model))
            (predict.textField, predict.k, predict.threads) = (textField, k, threads)
            let summary = try predict.run(input: input, output: output)
            if let skipped = summary.skipped.summary(of: summary.lines, file: input) {
                FileHandle.standardError.write(Data("sieve classifier: \(skipped)\n".utf8))
            }
            FileHandle.standardError.write(Data(String(format: "sieve classifier: predicted %d texts in %.3f s (features and model only)\n",
                                                       summary.predicted, summary.predicting).utf8))
        }
    }
}
