import Foundation
import SieveCore

/// The JSON objects of a JSONL file (or standard input, `-`), a line at a time, for the
/// commands that read labelled examples and add predictions: parsed as the pipeline's
/// readers parse documents (`JSONParser`; invalid UTF-8 is replaced with U+FFFD, not a
/// reason to lose the line). Lines that cannot be used are counted by reason, never fatal.
public struct JSONLRecords {
    /// Lines skipped, by reason, with the first line of each.
    public struct Skipped {
        public private(set) var reasons: [String: (count: Int, firstLine: Int)] = [:]
        public var total: Int { reasons.values.reduce(0) { $0 + $1.count } }

        public init() {}

        public mutating func add(_ reason: String, line: Int) {
            reasons[reason, default: (0, line)].count += 1
        }

        /// "skipped 2 of 10 lines: 1 malformed JSON (first at line 3), 1 no label (first at line 7)";
        /// nil when nothing was skipped.
        public func summary(of lines: Int, file: String) -> String? {
            guard total > 0 else { return nil }
            let parts = reasons.sorted { $0.key < $1.key }.map { "\($0.value.count) \($0.key) (first at line \($0.value.firstLine))" }
            return "\(file): skipped \(total) of \(lines) lines: \(parts.joined(separator: ", "))"
        }
    }

    public let path: String
    /// Where `text` is.
    public let textField: String
    public private(set) var skipped = Skipped()

    public init(path: String, textField: String) {
        self.path = path
        self.textField = textField
    }

    /// Calls `use` with each line's object (members in order) and its text, for every line
    /// that is a JSON object with a string `textField`; `use` may return a reason to count
    /// the line as skipped. Returns the number of non-empty lines.
    public mutating func forEach(_ use: (_ object: [JSONMember], _ text: String) throws -> String?) throws -> Int {
        var stream = try LineStream(path: path)
        var lines = 0
        while let (number, line) = try stream.next() {
            guard let line else {
                lines += 1
                skipped.add("line longer than 64 MiB", line: number)
                continue
            }
            guard !line.isEmpty else { continue }
            lines += 1
            guard case .object(let members)? = try? JSONValue.parse(Array(line)) else {
                skipped.add("malformed JSON", line: number)
                continue
            }
            guard case .string(let text)? = members.last(where: { $0.key == textField })?.value else {
                skipped.add("no string \(textField)", line: number)
                continue
            }
            if let reason = try use(members, text) { skipped.add(reason, line: number) }
        }
        return lines
    }
}
