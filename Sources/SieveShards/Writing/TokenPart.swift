import SieveCore
import SieveFiles

/// A work unit's tokenized documents, in order: the intermediate file
/// (`.sieve/parts/NNNNN.part`) from which shards are assembled at the end of a task.
/// Internal to a run (it is deleted once the shards are recorded); layout per record,
/// little-endian: u32 record length, then language, domain, id and source as u32
/// length + UTF-8 bytes, language score, quality and domain score as f32, the dedup
/// cluster size as u32, the text's UTF-8 length as u64, the token count as u32, and the
/// tokens as int32.
enum TokenPart {
    struct Record {
        var language: String
        var domain: String
        var document: ShardDocument
        var textBytes: Int
        /// The tokens' bytes (int32, little-endian) inside the part file.
        var tokens: UnsafeRawBufferPointer
    }

    /// The grouping keys and scores a shard needs, from a document's metadata.
    static func encode(_ documents: [Document]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(documents.reduce(0) { $0 + 64 + $1.id.utf8.count + $1.source.utf8.count + ($1.tokens?.count ?? 0) * 4 })
        for document in documents {
            guard let tokens = document.tokens else {
                preconditionFailure("shard output needs a tokenize stage; PipelineRun checks this")
            }
            let language = pathSafe(document.string(.language) ?? "und")
            let domain = pathSafe(document.string(.domain) ?? "unlabeled")
            let start = out.count
            appendLE(&out, UInt32(0))
            for text in [language, domain, document.id, document.source] {
                appendLE(&out, UInt32(text.utf8.count))
                out.append(contentsOf: text.utf8)
            }
            for key in [MetadataKey.languageScore, .quality, .domainScore] {
                appendLE(&out, (number(document, key) ?? .nan).bitPattern)
            }
            appendLE(&out, clusterSize(document))
            appendLE(&out, UInt64(document.text.utf8.count))
            appendLE(&out, UInt32(tokens.count))
            // Token ids are stored little-endian, the byte order of every platform Swift
            // on Linux runs on, so they are copied as they are.
            tokens.withUnsafeBytes { out.append(contentsOf: $0) }
            let length = UInt32(out.count - start - 4)
            withUnsafeBytes(of: length.littleEndian) { out.replaceSubrange(start..<start + 4, with: $0) }
        }
        return out
    }

    /// Calls `body` with every record of a part file's bytes, in order.
    static func forEach(in bytes: UnsafeRawBufferPointer, path: String, _ body: (Record) throws -> Void) throws {
        var at = 0
        func u32() -> Int {
            defer { at += 4 }
            return Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
        }
        func text() -> String {
            let n = u32()
            defer { at += n }
            return String(decoding: bytes[at..<at + n], as: UTF8.self)
        }
        func f32() -> Float { Float(bitPattern: UInt32(u32())) }
        while at < bytes.count {
            guard at + 4 <= bytes.count else { throw FileErrorText(path: path, "truncated part file") }
            let end = at + 4 + Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
            guard end <= bytes.count else { throw FileErrorText(path: path, "truncated part file") }
            at += 4
            let language = text(), domain = text(), id = text(), source = text()
            let languageScore = f32(), quality = f32(), domainScore = f32(), clusterSize = u32()
            let textBytes = Int(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
            at += 8
            let count = u32()
            guard at + count * 4 == end else { throw FileErrorText(path: path, "corrupt part record") }
            let document = ShardDocument(id: id, source: source, tokens: count, languageScore: languageScore,
                                         quality: quality, domainScore: domainScore, clusterSize: clusterSize)
            try body(Record(language: language, domain: domain, document: document, textBytes: textBytes,
                            tokens: UnsafeRawBufferPointer(rebasing: bytes[at..<end])))
            at = end
        }
    }

    /// `dedup_cluster_size`, or 1 where it is absent or not a count (an input's own field).
    private static func clusterSize(_ document: Document) -> UInt32 {
        let size = document[.dedupClusterSize]?.doubleValue.flatMap { Int(exactly: $0.rounded(.down)) } ?? 1
        return UInt32(clamping: max(1, size))
    }

    private static func number(_ document: Document, _ key: MetadataKey) -> Float? {
        document[key]?.doubleValue.map(Float.init)
    }

    /// Language and domain name folders: anything but letters, digits, `_` and `-`
    /// becomes `_`, so metadata can never escape the output directory.
    static func pathSafe(_ name: String) -> String {
        let safe = String(decoding: name.utf8.prefix(64).map { byte -> UInt8 in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"): return byte
            default: return UInt8(ascii: "_")
            }
        }, as: UTF8.self)
        return safe.isEmpty ? "_" : safe
    }
}

func FileErrorText(path: String, _ message: String) -> Error {
    SieveShardsError(message: "\(path): \(message)")
}

/// An error of the shard writer or the manifest, with a message for the user.
public struct SieveShardsError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
