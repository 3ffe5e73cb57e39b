import Foundation
import SieveCore
import SieveFiles
import SieveIO

/// `sieve classifier predict`: JSONL in, each line's object with `labels` and
/// `probabilities` added (keys sorted), in input order. Lines are read by `JSONLRecords`
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
            var out = Data()
            for (record, prediction) in zip(batch, predictions) {
                var object = Self.foundation(.object(record.object)) as! [String: Any]
                object["labels"] = prediction.map(\.label)
                object["probabilities"] = prediction.map { Double($0.probability) }
                out += try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) + Data([0x0A])
            }
            if let file { try file.write(Array(out)) } else { FileHandle.standardOutput.write(out) }
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

    /// A parsed JSON value as Foundation's, for the prediction lines (written with sorted
    /// keys by JSONSerialization, the format this command has always written).
    static func foundation(_ value: JSONValue) -> Any {
        switch value {
        case .null: return NSNull()
        case .bool(let b): return b
        case .number(let text): return Int(text).map { $0 as Any } ?? (Double(text) ?? 0)
        case .string(let s): return s
        case .array(let items): return items.map(foundation)
        case .object(let members):
            // The last of repeated keys wins, as JSONSerialization reads them.
            var object: [String: Any] = [:]
            for member in members { object[member.key] = foundation(member.value) }
            return object
        }
    }
}
