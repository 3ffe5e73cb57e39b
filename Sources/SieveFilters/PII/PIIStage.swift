import SieveCore

/// The `pii` stage: replaces e-mail addresses, IP addresses, phone numbers, payment card
/// numbers and IBANs with placeholders (`PIIRedactor`). It never drops a document; a
/// document with replacements gets `pii` in its metadata (count per kind), and the counts
/// go to the run's statistics as `pii:KIND` per language.
public struct PIIStage: Stage {
    public let name = "pii"
    public let redactor: PIIRedactor

    public init(redactor: PIIRedactor = PIIRedactor()) {
        self.redactor = redactor
    }

    public func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        documents.map { document in
            guard let (text, counts) = redactor.redact(document.text) else { return document }
            var document = document
            document.text = text
            let sorted = counts.sorted { $0.key.rawValue < $1.key.rawValue }
            document.setMetadata(.pii, .object(sorted.map { JSONMember($0.key.rawValue, .int($0.value)) }))
            let language = document.language ?? "und"
            for (kind, count) in sorted {
                for _ in 0..<count { context.count("pii:" + kind.rawValue, language: language) }
                context.repaired(rule: kind.rawValue)
            }
            return document
        }
    }
}
