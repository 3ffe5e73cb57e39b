import SieveCore

/// The `normalize` stage: applies a `TextNormalizer` to every document, counts each rule
/// that changed a document as a repair (`normalize:nfc`, …) and lists those rules in
/// `metadata.normalized`. It never drops a document.
public struct NormalizeStage: Stage {
    public let name = "normalize"
    public let normalizer: TextNormalizer

    public init(normalizer: TextNormalizer = TextNormalizer()) {
        self.normalizer = normalizer
    }

    public func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        documents.map { document in
            var document = document
            var text = document.text
            let (bytes, changed) = text.withUTF8 { normalizer.normalize($0) }
            if let bytes {
                document.text = String(decoding: bytes, as: UTF8.self)
                document.setMetadata(.normalized, .array(changed.map { .string($0.rawValue) }))
                for rule in changed { context.repaired(rule: rule.rawValue) }
            }
            return document
        }
    }
}
