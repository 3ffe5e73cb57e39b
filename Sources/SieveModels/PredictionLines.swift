import Foundation
import SieveCore
import SieveFiles
import SieveIO

/// `sieve classifier predict`: JSONL in, each line's object with `labels` and
/// `probabilities` added after its members, in input order. Lines are read by `JSONLRecords`
/// (as the pipeline parses documents), predicted in batches of `batchLines` on `threads`
/// threads (the output is the same for any number), and written to `output` atomically
/// (`-`: standard output). Unlike the `label` stage, which writes `domain` and `quality`
/// into documents, this keeps each input line as it was, whatever its fields.
public struct PredictionLines {
    public var model: any LabelModel
    public var textField = "text"
    /// Labels per line.
    public var k = 1
    public var threads = 1
    /// Memory stays bounded by one batch on inputs of any size.
    public var batchLines = 4096

    public init(model: any LabelModel) {
        self.model = model
    }

    /// What a run did: the lines it read, predicted and skipped (with `summary` saying why).
    public struct Summary {
        public var lines: Int
        public var predicted: Int
        /// Seconds spent in features and the model alone.
        public var predicting: Double
        public var skipped: JSONLRecords.Skipped
    }

    public func run(input: String, output: String) throws -> Summary {
        // A file is written under a temporary name and renamed into place when whole.
        let file = output == "-" ? nil : try AtomicFile(path: output)
        var batch: [(object: [JSONMember], text: String)] = []
        var predicted = 0
        var predicting = 0.0
        func flush() throws {
            guard !batch.isEmpty else { return }
            let started = Date()
            let predictions = LabelModels.predictions(model, texts: batch.map(\.text), k: k, threads: threads)
            predicting += Date().timeIntervalSince(started)
            var writer = JSONWriter(capacity: batch.reduce(0) { $0 + $1.text.utf8.count + 256 })
            for (record, prediction) in zip(batch, predictions) {
                // The line's members as they were (but earlier labels and probabilities),
                // then the predictions: probabilities in single precision's shortest form.
                let members = record.object.filter { $0.key != "labels" && $0.key != "probabilities" }
                    + [JSONMember("labels", .array(prediction.map { .string($0.label) })),
                       JSONMember("probabilities", .array(prediction.map { .number("\($0.probability)") }))]
                writer.object(members)
                writer.raw("\n")
            }
            if let file { try file.write(writer.bytes) } else { FileHandle.standardOutput.write(Data(writer.bytes)) }
            predicted += batch.count
            batch.removeAll(keepingCapacity: true)
        }
        var records = JSONLRecords(path: input, textField: textField)
        let lines = try records.forEach { object, text in
            batch.append((object, text))
            if batch.count == batchLines { try flush() }
            return nil
        }
        try flush()
        try file?.commit()
        return Summary(lines: lines, predicted: predicted, predicting: predicting, skipped: records.skipped)
    }
}
