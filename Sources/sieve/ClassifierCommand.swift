import ArgumentParser
import Foundation
import SieveCore
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

        func examples() throws -> [LabeledText] {
            guard let data = FileManager.default.contents(atPath: data) else {
                throw CommandError(description: "cannot read \(self.data)", isUsage: true)
            }
            var examples: [LabeledText] = []
            for (number, line) in data.split(separator: 0x0A).enumerated() where !line.isEmpty {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                      let text = object[textField] as? String else {
                    throw CommandError(description: "\(self.data):\(number + 1): not a JSON object with a string \(textField)")
                }
                let labels = (object[labelField] as? [String]) ?? (object[labelField] as? String).map { [$0] } ?? []
                guard !labels.isEmpty else { throw CommandError(description: "\(self.data):\(number + 1): no \(labelField)") }
                examples.append(LabeledText(text: text, labels: labels))
            }
            return examples
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Train a classifier from labelled JSONL.")

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
            let started = Date()
            let model = TextClassifier.train(examples, options: options, threads: threads)
            let seconds = Date().timeIntervalSince(started)
            try model.write(to: output)
            FileHandle.standardError.write(Data(String(format: "sieve classifier: %d examples, %d words, %d labels, trained in %.2f s\n",
                                                       examples.count, model.words.count, model.labels.count, seconds).utf8))
        }
    }

    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accuracy, per-label precision, recall and F1, and confusions on labelled JSONL.")

        @Option(help: "The model file.") var model: String
        @OptionGroup var data: DataOptions
        @Flag(help: "Print one JSON object (with at least accuracy).") var json = false

        func run() throws {
            let classifier = try TextClassifier.read(from: model)
            let evaluation = ClassifierEvaluation(model: classifier, examples: try data.examples())
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
            print("label        precision  recall  F1")
            for label in classifier.labels {
                print(String(format: "%-12@ %9.4f %7.4f %7.4f", label as NSString, evaluation.precision(label), evaluation.recall(label), evaluation.f1(label)))
            }
            for (truth, row) in evaluation.confusion.sorted(by: { $0.key < $1.key }) {
                for (predicted, n) in row.sorted(by: { $0.key < $1.key }) where predicted != truth {
                    print("confused: \(truth) -> \(predicted): \(n)")
                }
            }
        }
    }

    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "JSONL in, each line with `labels` and `probabilities` added, in order.")

        @Option(help: "The model file.") var model: String
        @Argument(help: "JSONL input (- for stdin).") var input: String
        @Option(name: .shortAndLong, help: "Output (- for stdout).") var output = "-"
        @Option(name: .customLong("text-field")) var textField = "text"
        @Option(name: .customLong("k"), help: "Labels per line.") var k = 1

        func run() throws {
            let classifier = try TextClassifier.read(from: model)
            let data = input == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: input)
            guard let data else { throw CommandError(description: "cannot read \(input)", isUsage: true) }
            var out = Data()
            var predicting = 0.0
            var count = 0
            for (number, line) in data.split(separator: 0x0A).enumerated() where !line.isEmpty {
                guard var object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], let text = object[textField] as? String else {
                    throw CommandError(description: "\(input):\(number + 1): not a JSON object with a string \(textField)")
                }
                let started = Date()
                let predictions = classifier.predict(text, k: k)
                predicting += Date().timeIntervalSince(started)
                count += 1
                object["labels"] = predictions.map(\.label)
                object["probabilities"] = predictions.map { Double($0.probability) }
                out += try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) + Data([0x0A])
            }
            if output == "-" { FileHandle.standardOutput.write(out) } else { try out.write(to: URL(fileURLWithPath: output), options: .atomic) }
            FileHandle.standardError.write(Data(String(format: "sieve classifier: predicted %d texts in %.3f s (features and model only)\n", count, predicting).utf8))
        }
    }
}
