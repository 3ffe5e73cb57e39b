import SieveCore

/// Documents as bytes and back, losslessly (metadata as JSON, whose numbers keep their
/// text; token ids when a tokenize stage ran): per document the id, text and source
/// (UInt32 length + UTF-8 each), the metadata object's JSON (empty when there is none),
/// and the token count plus one (0: no tokens) followed by the ids. Little-endian.
enum SpillCodec {
    static func encode(_ documents: [Document]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(documents.reduce(16) { $0 + $1.text.utf8.count + $1.id.utf8.count + 64 })
        out.appendLittleEndian(UInt32(documents.count))
        for document in documents {
            string(document.id, to: &out)
            string(document.text, to: &out)
            string(document.source, to: &out)
            if document.metadata.isEmpty {
                out.appendLittleEndian(UInt32(0))
            } else {
                var writer = JSONWriter()
                writer.value(.object(document.metadata))
                out.appendLittleEndian(UInt32(writer.bytes.count))
                out += writer.bytes
            }
            if let tokens = document.tokens {
                out.appendLittleEndian(UInt32(tokens.count + 1))
                for token in tokens { out.appendLittleEndian(token) }
            } else {
                out.appendLittleEndian(UInt32(0))
            }
        }
        return out
    }

    struct Malformed: Error {}

    static func decode(_ bytes: [UInt8]) throws -> [Document] {
        try bytes.withUnsafeBytes { raw in
            var at = 0
            func u32() throws -> Int {
                guard at + 4 <= raw.count else { throw Malformed() }
                defer { at += 4 }
                return Int(raw.loadLittleEndian(fromByteOffset: at, as: UInt32.self))
            }
            func bytes(_ count: Int) throws -> UnsafeRawBufferPointer {
                guard count >= 0, at + count <= raw.count else { throw Malformed() }
                defer { at += count }
                return UnsafeRawBufferPointer(rebasing: raw[at..<(at + count)])
            }
            func string() throws -> String { String(decoding: try bytes(try u32()), as: UTF8.self) }
            let count = try u32()
            var documents: [Document] = []
            documents.reserveCapacity(count)
            for _ in 0..<count {
                let id = try string(), text = try string(), source = try string()
                var metadata: [JSONMember] = []
                let metadataLength = try u32()
                if metadataLength > 0 {
                    guard case .object(let members) = try JSONValue.parse(Array(try bytes(metadataLength))) else { throw Malformed() }
                    metadata = members
                }
                var document = Document(id: id, text: text, source: source, metadata: metadata)
                let tokens = try u32()
                if tokens > 0 {
                    let ids = try bytes(4 * (tokens - 1))
                    document.tokens = (0..<(tokens - 1)).map { ids.loadLittleEndian(fromByteOffset: 4 * $0, as: UInt32.self) }
                }
                documents.append(document)
            }
            guard at == raw.count else { throw Malformed() }
            return documents
        }
    }

    private static func string(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { utf8 in
            out.appendLittleEndian(UInt32(utf8.count))
            out.append(contentsOf: utf8)
        }
    }
}
