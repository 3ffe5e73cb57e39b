/// The unit that flows through every stage: one text with where it came from and
/// what the stages have learnt about it.
public struct Document: Sendable, Equatable {
    /// Stable identifier: the record's own id when it has one, otherwise derived from
    /// the input path (relative to its corpus root) and the record's byte offset.
    public var id: String
    /// The document text, valid Unicode (invalid input bytes were replaced by U+FFFD).
    public var text: String
    /// Where the document came from: the record's `source` field, else the input path
    /// relative to its corpus root.
    public var source: String
    /// Everything else, in order: the input's metadata, then what stages add.
    public var metadata: [JSONMember]
    /// Token ids, end-of-text id included, once the `tokenize` stage has run; what
    /// shards are made of. Not part of the JSONL form.
    public var tokens: [UInt32]?

    public init(id: String, text: String, source: String, metadata: [JSONMember] = []) {
        self.id = id
        self.text = text
        self.source = source
        self.metadata = metadata
    }

    /// The `language` metadata the langid stage sets, if any.
    public var language: String? { string(.language) }

    /// Sets a metadata entry, replacing an existing one with the same key in place.
    public mutating func setMetadata(_ key: String, _ value: JSONValue) {
        if let i = metadata.firstIndex(where: { $0.key == key }) {
            metadata[i].value = value
        } else {
            metadata.append(JSONMember(key, value))
        }
    }

    /// Text size in UTF-8 bytes: the unit of every byte count in the stats.
    public var byteCount: Int { text.utf8.count }
}
