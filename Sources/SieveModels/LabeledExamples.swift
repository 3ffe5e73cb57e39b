import SieveCore
import SieveIO

/// Labelled examples from JSONL (`sieve classifier train` and `eval`): each line's text
/// field and its label field (a string, or an array of strings for several labels), read
/// by `JSONLRecords`. Lines without a label or text, with an empty text, or (when `known`
/// is given) with a label the model does not know are skipped, by reason.
public struct LabeledExamples {
    public var examples: [LabeledText] = []
    /// Non-empty lines read.
    public var lines = 0
    public var skipped = JSONLRecords.Skipped()

    public init(path: String, textField: String = "text", labelField: String = "label", known: Set<String>? = nil) throws {
        var records = JSONLRecords(path: path, textField: textField)
        var examples: [LabeledText] = []
        lines = try records.forEach { object, text in
            let labels: [String] = switch object.last(where: { $0.key == labelField })?.value {
            case .string(let label)?: [label]
            case .array(let items)? where items.allSatisfy({ $0.stringValue != nil }): items.compactMap(\.stringValue)
            default: []
            }
            if labels.isEmpty || labels.contains(where: \.isEmpty) { return "no \(labelField)" }
            if text.allSatisfy(\.isWhitespace) { return "empty text" }
            if let known, let unknown = labels.first(where: { !known.contains($0) }) {
                return "label unknown to the model (\(unknown))"
            }
            examples.append(LabeledText(text: text, labels: labels))
            return nil
        }
        self.examples = examples
        skipped = records.skipped
    }
}
