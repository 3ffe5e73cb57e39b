import SieveCore

/// Which JSON fields hold a document's text and id. Everything else becomes metadata.
public struct FieldNames: Sendable, Equatable {
    public var text: String
    public var id: String

    public init(text: String = "text", id: String = "id") {
        self.text = text
        self.id = id
    }
}

/// Turns JSONL records into documents and back.
///
/// Reading: the text field must be a string; the id field may be a string or a number;
/// a `source` string is kept as the source; the members of a `metadata` object and all
/// other fields become metadata, in order. Writing always uses the canonical layout
/// `{"id":…,"text":…,"source":…,"metadata":{…}}`, so reading our own output gives the
/// same documents back.
public enum DocumentCodec {
    /// Why a record did not become a document.
    enum Failure: Error {
        case malformed(String)
        case missingText(String)
    }

    /// Decodes one record. `repairedUTF8` is set when invalid UTF-8 was replaced.
    static func decode(_ line: UnsafeBufferPointer<UInt8>, fields: FieldNames, defaultID: @autoclosure () -> String,
                       defaultSource: String, repairedUTF8: inout Bool) throws(Failure) -> Document {
        var parser = JSONParser(line)
        var text: String?
        var textIsString = true
        var id: String?
        var source: String?
        var metadata: [JSONMember] = []
        do {
            try parser.parseObject { parser, key in
                let value = try parser.parseValue()
                switch (key, value) {
                case (fields.text, .string(let s)): text = s; textIsString = true
                case (fields.text, _): textIsString = false
                case (fields.id, .string(let s)): id = s
                case (fields.id, .number(let n)): id = n
                case ("source", .string(let s)): source = s
                case ("metadata", .object(let members)): metadata.append(contentsOf: members)
                default: metadata.append(JSONMember(key, value))
                }
            }
            parser.skipWhitespace()
            guard parser.atEnd else { throw JSONSyntaxError(message: "unexpected data after the object", column: parser.position) }
        } catch let error as JSONSyntaxError {
            throw .malformed(error.description)
        } catch {
            throw .malformed("\(error)")
        }
        guard let text, textIsString else {
            throw .missingText(textIsString ? "no \"\(fields.text)\" field" : "\"\(fields.text)\" is not a string")
        }
        repairedUTF8 = parser.repairedUTF8
        return Document(id: id ?? defaultID(), text: text, source: source ?? defaultSource, metadata: metadata)
    }

    /// Appends a document as one JSON line.
    static func encode(_ document: Document, into writer: inout JSONWriter) {
        writer.raw("{\"id\":")
        writer.string(document.id)
        writer.raw(",\"text\":")
        writer.string(document.text)
        writer.raw(",\"source\":")
        writer.string(document.source)
        writer.raw(",\"metadata\":")
        writer.object(document.metadata)
        writer.raw("}\n")
    }

    /// Documents as JSON lines.
    public static func encode(_ documents: [Document]) -> [UInt8] {
        var writer = JSONWriter(capacity: documents.reduce(0) { $0 + sizeHint($1) })
        for document in documents { encode(document, into: &writer) }
        return writer.bytes
    }

    /// A little more than a document's JSON line takes, so that the buffer for a batch is
    /// reserved once: a buffer that grows copies itself into fresh memory, and the page
    /// faults of that copy cost more than the writing.
    static func sizeHint(_ document: Document) -> Int {
        var size = 64 + document.id.utf8.count + document.source.utf8.count
        size += document.byteCount + document.byteCount / 16    // room for escapes
        for member in document.metadata { size += 4 + member.key.utf8.count + sizeHint(member.value) }
        return size
    }

    private static func sizeHint(_ value: JSONValue) -> Int {
        switch value {
        case .null, .bool: return 5
        case .number(let text): return text.utf8.count
        case .string(let s): return 2 + s.utf8.count + s.utf8.count / 16
        case .array(let items): return items.reduce(2) { $0 + 1 + sizeHint($1) }
        case .object(let members): return members.reduce(2) { $0 + 4 + $1.key.utf8.count + sizeHint($1.value) }
        }
    }
}
